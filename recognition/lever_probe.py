"""The probe of a recognition lever: one fixed arc trained with several seeds, each scored per
sequence beside the floor on the same split, in minutes.

With `selection` (the default) every seed holds out a different training group (subject or
SBU set) and is scored on it: the split on which levers, epoch counts and arcs are chosen.
Without it the protocol's test sequences are scored, once a choice is made. Each seed's run
is a final run (`enas.final.train_fixed`): resumable, recorded, skipped once its eval.json
exists. probe.json and probe.md hold the per-seed figures, their mean and std, the floor's,
and the softmax ensemble of the seeds that share a split (in test mode all of them, in
selection mode the seeds that hold out the same training group).
"""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from common.atomic import write_text
from common.run_record import open_run
from enas.final import FinalConfig, train_fixed
from recognition.data import RecognitionData, image_splits, sequence_splits
from recognition.floor import floor_accuracy

EVAL_FILE = "eval.json"


@dataclasses.dataclass(frozen=True)
class ProbeSettings:
    """One probe, as config.json records it.

    Attributes:
      output_dir: seed<k>/ per seed, probe.json and probe.md.
      final: the fixed-arc training every seed runs (its output_dir, seed and data per seed).
      data: the data settings (its seed and selection fold are set per seed).
      seeds: one training per seed.
      selection: score a held-out training group per seed (True) or the test split.
    """

    output_dir: str
    final: FinalConfig
    data: RecognitionData
    seeds: tuple[int, ...] = (0, 1, 2)
    selection: bool = True


def _seed_data(settings: ProbeSettings, seed: int) -> RecognitionData:
    return dataclasses.replace(settings.data, selection_fold=seed if settings.selection else -1,
                               images=dataclasses.replace(settings.data.images, seed=seed))


def _run_seed(settings: ProbeSettings, seed: int) -> dict:
    """One seed's report: the network's and the floor's per-sequence accuracy."""
    data = _seed_data(settings, seed)
    folder = os.path.join(settings.output_dir, f"seed{seed}")
    path = os.path.join(folder, EVAL_FILE)
    if not os.path.exists(path):
        config = dataclasses.replace(settings.final, output_dir=folder, seed=seed, data=data)
        sequences = sequence_splits(data)
        report = train_fixed(config, image_splits(data, sequences))
        train, _, scored, name = sequences
        report.update(floor_accuracy(train, scored), scored=name, seed=seed)
        write_text(path, json.dumps(report))
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def _by_split(reports: list[dict]) -> dict[str, list[dict]]:
    """The seeds' reports grouped by the split they scored, in the order first seen."""
    by_split: dict[str, list[dict]] = {}
    for report in reports:
        by_split.setdefault(report["scored"], []).append(report)
    return by_split


def ensemble_prediction(reports: list[dict]) -> np.ndarray:
    """The class per scored sequence of the mean softmax of REPORTS (eval.json files that
    scored the same sequences)."""
    return np.argmax(np.mean([r["test_sequence_probabilities"] for r in reports], axis=0), 1)


def _ensembles(by_split: dict[str, list[dict]]) -> dict[str, dict]:
    """{scored split: {size, percent}}: the accuracy of the mean softmax of the seeds that
    scored the same sequences, for every split two or more seeds scored (in test mode the
    one test split; in selection mode each training group seeds k and k + groups share)."""
    ensembles = {}
    for scored, group in by_split.items():
        labels = {tuple(r["test_sequence_labels"]) for r in group}
        if len(group) < 2 or len(labels) != 1:
            continue
        accuracy = np.mean(ensemble_prediction(group)
                           == np.array(group[0]["test_sequence_labels"]))
        ensembles[scored] = {"size": len(group), "percent": 100 * float(accuracy)}
    return ensembles


def summary(reports: list[dict]) -> dict:
    """Mean and std over seeds of the network and the floor, the margin, and the ensembles
    of the seeds that scored the same split (their mean over splits beside the mean over the
    same splits of each split's single seeds, the lever an ensemble is judged by)."""
    network = [100 * r["test_sequence_accuracy"] for r in reports]
    floor = [100 * r["floor_sequence_accuracy"] for r in reports]
    by_split = _by_split(reports)
    ensembles = _ensembles(by_split)
    # each split's singles averaged first, as its ensemble counts once whatever its size
    singles = [np.mean([100 * r["test_sequence_accuracy"] for r in by_split[scored]])
               for scored in ensembles]
    return {"seeds": [r["seed"] for r in reports], "network_percent": network,
            "floor_percent": floor, "network_mean": float(np.mean(network)),
            "network_std": float(np.std(network)), "floor_mean": float(np.mean(floor)),
            "margin_over_floor": float(np.mean(network) - np.mean(floor)),
            "ensembles": ensembles,
            "ensemble_percent": (float(np.mean([e["percent"] for e in ensembles.values()]))
                                 if ensembles else None),
            "ensembled_singles_percent": float(np.mean(singles)) if singles else None,
            "scored": [r["scored"] for r in reports]}


def _markdown(settings: ProbeSettings, result: dict) -> str:
    lines = [f"# Probe: {settings.data.dataset} {settings.data.protocol}, "
             f"{'selection (held-out training groups)' if settings.selection else 'test'}", "",
             "| seed | scored | network % | floor % |", "|---|---|---|---|"]
    for seed, scored, net, floor in zip(result["seeds"], result["scored"],
                                        result["network_percent"], result["floor_percent"]):
        lines.append(f"| {seed} | {scored} | {net:.2f} | {floor:.2f} |")
    lines += ["", f"Network {result['network_mean']:.2f} ± {result['network_std']:.2f}, floor "
              f"{result['floor_mean']:.2f}, margin {result['margin_over_floor']:+.2f} points."]
    if result["ensemble_percent"] is not None:
        sizes = sorted({e["size"] for e in result["ensembles"].values()})
        lines.append(f"Softmax ensemble of the seeds that scored the same sequences "
                     f"({' or '.join(map(str, sizes))} networks, {len(result['ensembles'])} "
                     f"split(s)): {result['ensemble_percent']:.2f}%, against "
                     f"{result['ensembled_singles_percent']:.2f}% for those seeds alone.")
    return "\n".join(lines) + "\n"


def run_probe(settings: ProbeSettings) -> dict:
    """Every seed (resuming what is done), then probe.json and probe.md."""
    # each seed sets final.seed and data.images.seed itself, so those two record nothing;
    # seeds may be added to a folder (each seed's report is kept in its own subfolder)
    open_run(settings.output_dir, settings, extendable=("final.num_epochs", "seeds"),
             ignored=("output_dir", "model_dir", "seed"))
    result = summary([_run_seed(settings, seed) for seed in settings.seeds])
    write_text(os.path.join(settings.output_dir, "probe.json"), json.dumps(result, indent=1))
    write_text(os.path.join(settings.output_dir, "probe.md"), _markdown(settings, result))
    return result
