"""The recognition experiment: per protocol and seed, an ENAS search on the training
sequences' Enhanced-SPMF images, the found arc trained from scratch, and two controls trained
exactly like it (an arc of the untrained controller, the Enhanced-SPMF paper's DenseNet-BC).

Per protocol and seed, in OUTPUT_DIR/<protocol>/seed<k>/:
  search/     enas.searcher on the training sequences (validation: held-out training
              sequences; the test sequences are never given to it), arc.txt at the end;
  final/      the best arc trained on every training sequence (enas.final.train_fixed);
  random_arc/ an arc sampled from the untrained controller, trained the same way;
  densenet/   the hand-designed DenseNet-BC, same data and budget;
and beside them the floor (`recognition.floor`) on the same training and test sequences.
Each phase resumes from its own checkpoint and is skipped once its result is written, so a
killed experiment continues with the same command. Accuracy is per SEQUENCE: the softmax of
a sequence's K test views averaged; per-image accuracy is reported beside it.
"""
from __future__ import annotations

import dataclasses
import json
import os
import time

import numpy as np
from absl import logging

from common.atomic import write_text
from common.run_record import open_run
from datasets.catalog import load_sequences
from enas import arc as arc_lib
from enas.controller import untrained_arc
from enas.data import ImageSplits
from enas.final import FinalConfig, train_fixed
from enas.final import resolved as resolved_final
from enas.search_run import run_search
from enas.searcher import SearchConfig, controller_of
from enas.searcher import resolved as resolved_search
from recognition.data import (RecognitionData, SequenceSplits, image_splits, search_splits,
                              sequence_splits, skeleton_sequences)
from recognition.floor import floor_accuracy
from recognition.figures import draw_confusion, draw_reward_curve
from recognition.lifted import draw_lifted_against_sensor, lifted_sequences
from recognition.report import write_report

EVAL_FILE = "eval.json"


@dataclasses.dataclass(frozen=True)
class ExperimentSettings:
    """The whole experiment, as config.json records it.

    Attributes:
      output_dir: one folder per protocol and seed below it, report.md and results.json.
      protocols: the protocols run (all of a dataset's with --protocol=all).
      seeds: one search, final training and controls per seed.
      search: the search (its output_dir, seed and data are set per run).
      final: the final training of the found arc; the controls copy it (network, arc).
      controls: which controls to train beside the found arc.
      data: the skeleton data and its encoding, the one copy of the data settings (each run's
        own record holds its protocol and seed; valid_fraction is the search's, the final
        run and the controls train on every training sequence).
    """

    output_dir: str
    protocols: tuple[str, ...]
    seeds: tuple[int, ...]
    search: SearchConfig
    final: FinalConfig
    controls: tuple[str, ...]
    data: RecognitionData


def _finished(folder: str) -> dict | None:
    path = os.path.join(folder, EVAL_FILE)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def _train(config: FinalConfig, data: ImageSplits) -> dict:
    """train_fixed, or its stored result when this phase already finished (the settings
    still checked against the folder's record)."""
    done = _finished(config.output_dir)
    if done is not None:
        open_run(config.output_dir, resolved_final(config, data), extendable=("num_epochs",))
        return done
    began = time.perf_counter()
    report = train_fixed(config, data)
    report["wall_seconds"] = round(time.perf_counter() - began, 1)
    write_text(os.path.join(config.output_dir, EVAL_FILE), json.dumps(report, indent=2))
    return report


def _search(config: SearchConfig, data: ImageSplits) -> tuple[np.ndarray, float]:
    """The search's best arc and the wall time of the call that finished it."""
    arc_file = os.path.join(config.output_dir, "arc.txt")
    timing = os.path.join(config.output_dir, "wall_seconds.txt")
    if os.path.exists(arc_file) and os.path.exists(timing):
        open_run(config.output_dir, resolved_search(config, data),
                 extendable=("num_epochs",))
    else:
        began = time.perf_counter()
        run_search(config, data)
        write_text(timing, f"{time.perf_counter() - began:.1f}\n")
    with open(timing, encoding="utf-8") as stream:
        return arc_lib.read_file(arc_file), float(stream.read())


def run_one(settings: ExperimentSettings, protocol: str, seed: int) -> dict:
    """Search, final training and controls of one protocol and seed; their results."""
    folder = os.path.join(settings.output_dir, protocol, f"seed{seed}")
    data = dataclasses.replace(settings.data, protocol=protocol,
                               images=dataclasses.replace(settings.data.images, seed=seed))
    search = dataclasses.replace(settings.search, output_dir=os.path.join(folder, "search"),
                                 seed=seed, data=data)
    dataset = skeleton_sequences(data)  # the search's and the final runs' sequences
    arc, search_seconds = _search(search, search_splits(data, dataset))
    final_data = dataclasses.replace(data, valid_fraction=0.0)
    sequences = sequence_splits(final_data, dataset)
    splits = image_splits(final_data, sequences)
    final = dataclasses.replace(settings.final, seed=seed, data=final_data, network="enas_arc")
    runs = {"found_arc": dataclasses.replace(final, output_dir=os.path.join(folder, "final"),
                                             arc=tuple(int(v) for v in arc))}
    if "random_arc" in settings.controls:
        chosen = untrained_arc(controller_of(settings.search), seed)
        runs["random_arc"] = dataclasses.replace(
            final, output_dir=os.path.join(folder, "random_arc"),
            arc=tuple(int(v) for v in chosen))
    if "densenet" in settings.controls:
        runs["densenet"] = dataclasses.replace(final, output_dir=os.path.join(folder, "densenet"),
                                               network="densenet_bc", arc=())
    results = {"protocol": protocol, "seed": seed, "search_seconds": search_seconds,
               "arc": arc_lib.format_flat(arc), "arc_rows": arc_lib.format_rows(arc),
               "arc_ops": arc_lib.describe(arc)["ops"], "class_names": list(splits.scored_names),
               "floor": floor_of(sequences)}
    for name, config in runs.items():
        logging.info("%s seed %d: training %s", protocol, seed, name)
        results[name] = _train(config, splits)
        draw_confusion(results[name]["confusion"], splits.scored_names,
                       f"{protocol} seed {seed}: {name}",
                       os.path.join(config.output_dir, "confusion.png"))
    draw_reward_curve(search.output_dir, f"{protocol} seed {seed}")
    return results


def floor_of(sequences: SequenceSplits) -> dict:
    """The floor's per-sequence accuracy on the same split, in a run's report's form."""
    train, _, scored, _ = sequences
    floor = floor_accuracy(train, scored)
    return {"test_sequence_accuracy": floor["floor_sequence_accuracy"],
            "test_accuracy": floor["floor_sequence_accuracy"], "chosen_c": floor["chosen_c"]}


def draw_lifted_poses(settings: ExperimentSettings) -> str | None:
    """lifted_vs_sensor.png for MSR Action3D from lifted poses: a few sequences' middle
    frames as the sensor measured them and as the lifter lifted them; its path (drawn once:
    a resumed experiment keeps it)."""
    data = settings.data
    if data.skeleton_source != "lifted" or data.dataset != "msr_action3d":
        return None
    path = os.path.join(settings.output_dir, "lifted_vs_sensor.png")
    if os.path.exists(path):
        return path
    draw_lifted_against_sensor(
        load_sequences(data.dataset, data.data_dir),
        lifted_sequences(data.dataset, data.data_dir, data.lifter or None,
                         rigid=data.lifted_rigid_bones), path)
    return path


def run_experiment(settings: ExperimentSettings) -> list[dict]:
    open_run(settings.output_dir, settings,
             extendable=("search.num_epochs", "final.num_epochs"))
    draw_lifted_poses(settings)
    results = [run_one(settings, protocol, seed)
               for protocol in settings.protocols for seed in settings.seeds]
    write_text(os.path.join(settings.output_dir, "results.json"), json.dumps(results, indent=2))
    write_report(settings, results)
    return results
