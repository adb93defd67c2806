"""The found arc against random search at the same recipe.

Weight-sharing searches often do no better than arcs drawn at random (Li and Talwalkar, UAI
2019; Yu et al., ICLR 2020), so a searched arc's figure means little alone. Here NUM_ARCS arcs
of freshly initialised controllers (the draws a search starts from) are each trained once with
the probe's recipe and its first seed, scored per sequence on the same split, and the found
arc's seeds are placed in that spread: min, median, max, and how many random arcs each seed
beats. Every arc is a probe of its own (`recognition.lever_probe`), so a killed run resumes.
"""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from common.atomic import write_text
from common.run_record import open_run
from enas import arc as arc_lib
from enas.controller import ControllerConfig, untrained_arc
from recognition.figures import draw_spread
from recognition.lever_probe import ProbeSettings, run_probe


@dataclasses.dataclass(frozen=True)
class SpreadSettings:
    """One comparison, as config.json records it.

    Attributes:
      output_dir: found_arc/ (the probe of the found arc), random<k>/ per drawn arc,
        spread.json, spread.md and spread.png.
      probe: the found arc's probe: its arc, recipe, seeds and split.
      num_arcs: random arcs, each trained once with the probe's first seed.
      num_ops: the branches a drawn arc chooses from (the search's --child_num_branches).
    """

    output_dir: str
    probe: ProbeSettings
    num_arcs: int = 8
    num_ops: int = arc_lib.NUM_OPS


def drawn_arcs(num_layers: int, num_ops: int, count: int) -> list[tuple[int, ...]]:
    """COUNT arcs, one per freshly initialised controller (seeds 0..COUNT-1)."""
    config = ControllerConfig(num_layers=num_layers, num_ops=num_ops)
    return [tuple(int(v) for v in untrained_arc(config, seed)) for seed in range(count)]


def _random_probe(settings: SpreadSettings, index: int, arc: tuple[int, ...]) -> ProbeSettings:
    probe = settings.probe
    return dataclasses.replace(probe, output_dir=os.path.join(settings.output_dir,
                                                              f"random{index}"),
                               seeds=probe.seeds[:1], final=dataclasses.replace(probe.final,
                                                                                arc=arc))


def place(found: dict, random: list[dict]) -> dict:
    """The spread of the random arcs and, per seed of the found arc scored on the same split
    as them, how many of them it beats."""
    figures = [r["network_percent"][0] for r in random]
    split = random[0]["scored"][0]
    beaten = {str(seed): int(sum(value > f for f in figures))
              for seed, value, scored in zip(found["seeds"], found["network_percent"],
                                             found["scored"]) if scored == split}
    return {"scored": split, "random_percent": figures, "random_min": float(np.min(figures)),
            "random_median": float(np.median(figures)), "random_max": float(np.max(figures)),
            "found_percent": dict(zip(map(str, found["seeds"]), found["network_percent"])),
            "found_mean": found["network_mean"], "found_beats_per_seed": beaten,
            "floor_percent": random[0]["floor_percent"][0]}


def _markdown(settings: SpreadSettings, result: dict, arcs: list[tuple[int, ...]]) -> str:
    data = settings.probe.data
    lines = [f"# Found arc against {len(arcs)} random arcs: {data.dataset} {data.protocol}, "
             f"scored on {result['scored']}", "",
             "| arc | per sequence % | arc |", "|---|---|---|"]
    for seed, value in result["found_percent"].items():
        lines.append(f"| found, seed {seed} | {value:.2f} | "
                     f"`{arc_lib.format_flat(np.array(settings.probe.final.arc))}` |")
    for index, (arc, value) in enumerate(zip(arcs, result["random_percent"])):
        lines.append(f"| random {index} | {value:.2f} | `{arc_lib.format_flat(np.array(arc))}` |")
    beats = ", ".join(f"seed {s}: {n} of {len(arcs)}"
                      for s, n in result["found_beats_per_seed"].items())
    lines += ["", f"Random arcs: min {result['random_min']:.2f}, median "
              f"{result['random_median']:.2f}, max {result['random_max']:.2f}. Floor "
              f"{result['floor_percent']:.2f}. Random arcs the found arc beats: {beats}."]
    return "\n".join(lines) + "\n"


def run_spread(settings: SpreadSettings) -> dict:
    """The found arc's probe, every random arc's (resuming what is done), then the spread."""
    open_run(settings.output_dir, settings)
    found = run_probe(dataclasses.replace(
        settings.probe, output_dir=os.path.join(settings.output_dir, "found_arc")))
    layers = arc_lib.num_layers_of(len(settings.probe.final.arc))
    arcs = drawn_arcs(layers, settings.num_ops, settings.num_arcs)
    random = [run_probe(_random_probe(settings, k, arc)) for k, arc in enumerate(arcs)]
    result = place(found, random)
    write_text(os.path.join(settings.output_dir, "spread.json"), json.dumps(result, indent=1))
    write_text(os.path.join(settings.output_dir, "spread.md"), _markdown(settings, result, arcs))
    draw_spread(result, f"{settings.probe.data.dataset} {settings.probe.data.protocol}",
                os.path.join(settings.output_dir, "spread.png"))
    return result
