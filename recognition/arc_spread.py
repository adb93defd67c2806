"""The found arc against random search at the same recipe.

Weight-sharing searches often do no better than arcs drawn at random (Li and Talwalkar, UAI
2019; Yu et al., ICLR 2020), so a searched arc's figure means little alone. Here NUM_ARCS arcs
of freshly initialised controllers (the draws a search starts from) are each trained once with
the probe's recipe and its first seed, scored per sequence on the same split, and the found
arc's seeds are placed in that spread: min, median, max, and how many random arcs each seed
beats, beside the floor, the found arc's ensemble and its per-class accuracy, and optionally
DenseNet-BC trained the same way. Every arc is a probe of its own
(`recognition.lever_probe`), so a killed run resumes.
"""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from common.atomic import write_text
from common.errors import read_json
from common.run_record import open_run
from enas import arc as arc_lib
from enas.controller import ControllerConfig, untrained_arc
from recognition.figures import draw_spread
from recognition.data import sequence_splits
from recognition.lever_probe import EVAL_FILE, ProbeSettings, ensemble_prediction, run_probe


@dataclasses.dataclass(frozen=True)
class SpreadSettings:
    """One comparison, as config.json records it.

    Attributes:
      output_dir: found_arc/ (the probe of the found arc), random<k>/ per drawn arc,
        spread.json, spread.md and spread.png.
      probe: the found arc's probe: its arc, recipe, seeds and split.
      num_arcs: random arcs, each trained once with the probe's first seed.
      num_ops: the branches a drawn arc chooses from (the search's --child_num_branches).
      densenet: also train the Enhanced-SPMF paper's DenseNet-BC with the same recipe and
        the probe's first seed (the hand-designed control).
    """

    output_dir: str
    probe: ProbeSettings
    num_arcs: int = 8
    num_ops: int = arc_lib.NUM_OPS
    densenet: bool = False


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


def _densenet_probe(settings: SpreadSettings) -> ProbeSettings:
    probe = settings.probe
    return dataclasses.replace(probe, output_dir=os.path.join(settings.output_dir, "densenet"),
                               seeds=probe.seeds[:1], final=dataclasses.replace(
                                   probe.final, network="densenet_bc", arc=()))


def per_class(found_dir: str, seeds: tuple[int, ...], class_names: tuple[str, ...]
              ) -> dict[str, float] | None:
    """Per-class accuracy (%) of the softmax ensemble of the found arc's seeds, where they
    scored the same sequences."""
    reports = [read_json(os.path.join(found_dir, f"seed{seed}", EVAL_FILE)) for seed in seeds]
    labels = [tuple(r["test_sequence_labels"]) for r in reports]
    if len(set(labels)) != 1:
        return None
    predicted = ensemble_prediction(reports)
    truth = np.array(labels[0])
    return {name: round(100 * float(np.mean(predicted[truth == k] == k)), 2)
            for k, name in enumerate(class_names) if np.any(truth == k)}


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
            "found_ensemble_percent": found.get("ensemble_percent"),
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
    if result["found_ensemble_percent"] is not None:
        lines.append(f"Softmax ensemble of the found arc's seeds: "
                     f"{result['found_ensemble_percent']:.2f}.")
    if result.get("densenet_percent") is not None:
        lines.append(f"DenseNet-BC, same recipe and first seed: {result['densenet_percent']:.2f}.")
    if result.get("per_class_percent"):
        lines += ["", "Per class, the found arc's ensemble:", "", "| class | % |", "|---|---|"]
        lines += [f"| {name} | {value:.2f} |" for name, value in
                  result["per_class_percent"].items()]
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
    if settings.densenet:
        result["densenet_percent"] = run_probe(_densenet_probe(settings))["network_percent"][0]
    first = dataclasses.replace(settings.probe.data, selection_fold=(
        settings.probe.seeds[0] if settings.probe.selection else -1))
    result["per_class_percent"] = per_class(os.path.join(settings.output_dir, "found_arc"),
                                            settings.probe.seeds,
                                            tuple(sequence_splits(first)[2].class_names))
    write_text(os.path.join(settings.output_dir, "spread.json"), json.dumps(result, indent=1))
    write_text(os.path.join(settings.output_dir, "spread.md"), _markdown(settings, result, arcs))
    draw_spread(result, f"{settings.probe.data.dataset} {settings.probe.data.protocol}",
                os.path.join(settings.output_dir, "spread.png"))
    return result
