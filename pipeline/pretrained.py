"""Writes the models that ship in `pretrained/`, measured, with their manifest.

    python -m pipeline.pretrained --lifter_model_dir=runs/lifter_sh_skeleton \
        --h36m_dir=../shared/data/h36m --lifter_recipe=recipes/lifter/sh_skeleton.flags
    python -m pipeline.pretrained --classifier_export=runs/msr_lifted_ship/export \
        --classifier_recipe=recipes/recognition/msr_lifted_ship.flags \
        --classifier_figures=runs/msr_lifted_AS1_final/eval.json

    python -m pipeline.pretrained --interaction_run=runs/sbu_lifted_pairs_ship \
        --interaction_recipe=recipes/recognition/sbu_lifted_ship.flags \
        --sbu_dir=../shared/data/sbu \
        --interaction_fold_runs=runs/probe_sbu_lifted_pairs_fold1/seed0,...

    python -m pipeline.pretrained --zoo_entry=msr_AS1 \
        --zoo_run=runs/probe_AS1_base_test/seed0,runs/probe_AS1_base_test/seed1 \
        --zoo_recipe=recipes/recognition/zoo_msr.flags --zoo_data_dir=../shared/data/msr_action3d

Each model can be (re)written alone; the manifest keeps the others' entries.

pretrained/lifter      the lifter as float16 folded kernels + JSON (`lifting.deployed`)
pretrained/temporal_lifter  the temporal lifter (`lifting.temporal_model`), float16 + JSON;
                       --lifter_model_dir writes the folder of the run's lifter kind
pretrained/classifier  the classifier's SavedModel (`recognition.deployed`)
pretrained/interaction the two-person interaction classifier (SBU), compact like the zoo's,
                       with the lifter whose poses it learnt from in its lifter/ folder
pretrained/recognition/<entry>  the model zoo: a cross-subject or cross-fold network (or a
                       softmax ensemble of one recipe's seeds) per entry as float16
                       weights + JSON, scored by `recognition.zoo` from the shipped files
                       (at most 4 MB each)
pretrained/MANIFEST.json  per file its sha256; per model the recipe, the figures measured
                       WITH THE SHIPPED FILES (the lifter re-evaluated after its float16
                       rounding), the label names and the joint layouts.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import dataclasses
import json
import os
import shutil

import numpy as np
from absl import app, flags

from common.errors import read_json
from common.file_digest import sha256
from common.run_record import SettingsMismatch, differing_settings, exit_on_user_error
from datasets import h36m
from common.atomic import replace_directory, write_text
from datasets.layouts import H36M_16, H36M_17
import pretrained
from lifting.config import load_architecture
from lifting.deployed import (DEFAULT_LIFTER_KIND, PRETRAINED_LIFTERS, DeployedLifter,
                              save_compact)
from lifting.deployed import copy_compact as copy_lifter
from lifting.evaluation import evaluate_deployed
from lifting.temporal_model import TemporalConfig
from enas.data import ImageSplits
from recognition.data import load_splits
from recognition.deployed import OWN_LIFTER_DIR, DeployedClassifier
from recognition.deployed import save_compact as save_compact_classifier
from recognition.deployed import save_compact_ensemble
from recognition.zoo import recorded_data, score_on_test
from pipeline.pair_scoring import score_model
from pipeline.pairs import PairRule

PRETRAINED = pretrained.FOLDER
MANIFEST = os.path.join(PRETRAINED, "MANIFEST.json")
MAX_FILE_BYTES = 10 * 2 ** 20
MAX_ZOO_ENTRY_BYTES = 4 * 2 ** 20
FLAGS = flags.FLAGS


def files_of(root: str) -> dict[str, str]:
    """{path relative to pretrained/: sha256} of every file below ROOT."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in sorted(names):
            path = os.path.join(folder, name)
            found[os.path.relpath(path, PRETRAINED)] = sha256(path)
    return found


def package_lifter(model_dir: str, h36m_dir: str, recipe: str) -> tuple[str, dict]:
    """(manifest name, entry) of MODEL_DIR's lifter written compact to the shipped folder of
    its kind (`lifting.deployed.PRETRAINED_LIFTERS`), measured from the shipped files: as
    lifted and with each track's bones set to one length."""
    config = load_architecture(model_dir)
    kind = "temporal" if isinstance(config, TemporalConfig) else "frame"
    target = PRETRAINED_LIFTERS[kind]
    replace_directory(target, lambda staging: save_compact(model_dir, staging))
    lifter, corpus = DeployedLifter.load(target), h36m.load(h36m_dir)
    report = evaluate_deployed(lifter, corpus)
    rigid = evaluate_deployed(lifter, corpus, rigid=True)
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as handle:
        trained = json.load(handle)["settings"]
    described = ({"receptive_field_frames": config.receptive_field, "causal": config.causal,
                  "input": "(T, 16, 2) pixels, H36M-16, of any image: one track in frame order"}
                 if kind == "temporal" else {"input": "(T, 16, 2) pixels, H36M-16, of any image"})
    return os.path.relpath(target, PRETRAINED), {
        "files": files_of(target), "recipe": recipe, "lifter_kind": kind, **described,
        "output": "(T, 17, 3) mm, root-relative, H36M-17",
        "input_layout": H36M_16.name, "output_layout": H36M_17.name,
        "input_normalization": trained["input_normalization"], "streams": list(config.streams),
        "trained_on": "Human3.6M S1 S5 S6 S7 S8, Stacked Hourglass detections",
        "figures": {"protocol_1_mm": round(report["average"]["p1"], 2),
                    "protocol_2_mm": round(report["average"]["p2"], 2),
                    "bone_length_variation": report["bone_length_variation"],
                    "rigid_bones_protocol_1_mm": round(rigid["average"]["p1"], 2),
                    "rigid_bones_protocol_2_mm": round(rigid["average"]["p2"], 2),
                    "evaluated_on": f"every frame of S9 and S11 ({report['examples']} "
                                    "examples), SH detections"}}


def measured_accuracy(path: str) -> dict[str, float]:
    """{run: per-sequence accuracy %} of a recognition.experiment results.json, or of a
    recognition.train eval.json (its protocol read from the config.json beside it)."""
    with open(path, encoding="utf-8") as handle:
        results = json.load(handle)
    if isinstance(results, list):
        return {f"{r['protocol']} seed {r['seed']}": round(
            100 * r["found_arc"]["test_sequence_accuracy"], 2) for r in results}
    with open(os.path.join(os.path.dirname(path), "config.json"), encoding="utf-8") as handle:
        settings = json.load(handle)["settings"]
    name = f"{settings['data']['protocol']} seed {settings['seed']}"
    return {name: round(100 * results["test_sequence_accuracy"], 2)}


def package_classifier(export: str, recipe: str, figures_path: str) -> dict:
    target = os.path.join(PRETRAINED, "classifier")
    replace_directory(target, lambda staging: shutil.copytree(export, staging,
                                                              dirs_exist_ok=True))
    classifier = DeployedClassifier.load(target)
    figures = measured_accuracy(figures_path)
    return {"files": files_of(target), "recipe": recipe, "labels": list(classifier.class_names),
            "layout": classifier.layout, **classifier.description,
            "figures": {"per_sequence_accuracy_percent": figures,
                        "measured_by": f"{figures_path}: cross-subject runs of the same arc, "
                                       "encoding and augmentation"}}


def package_zoo_entry(name: str, run_dirs: list[str], recipe: str, data_dir: str) -> dict:
    """pretrained/recognition/NAME from the final runs RUN_DIRS (one network, or seeds of one
    recipe shipped as their softmax ensemble), scored from the shipped files on the runs'
    test split (each float32 run's own figure beside it)."""
    target = os.path.join(PRETRAINED, "recognition", name)
    data = [dataclasses.replace(recorded_data(run), data_dir=data_dir) for run in run_dirs]
    splits = [load_splits(run_data) for run_data in data]
    replace_directory(target, lambda staging: save_compact_ensemble(run_dirs, splits, staging))
    files = files_of(target)
    size = sum(os.path.getsize(os.path.join(PRETRAINED, path)) for path in files)
    if size > MAX_ZOO_ENTRY_BYTES:
        raise ValueError(f"{target}: {size} bytes, over the zoo's 4 MB per entry")
    score = score_on_test(target, data_dir)
    trained = [read_json(os.path.join(run, "eval.json")) for run in run_dirs]
    classifier = DeployedClassifier.load(target)
    return {"files": files, "recipe": recipe, "labels": list(classifier.class_names),
            "layout": classifier.layout, **classifier.description,
            "networks": len(run_dirs),
            "figures": {"test_sequences": score["test_sequences"],
                        "sequence_accuracy": score["sequence_accuracy"],
                        "float32_runs_sequence_accuracy": [
                            round(100 * report["test_sequence_accuracy"], 2)
                            for report in trained],
                        "floor_sequence_accuracy": round(
                            100 * trained[0]["floor_sequence_accuracy"], 2),
                        "measured_by": "python -m recognition.evaluate --model=pretrained/"
                                       f"recognition/{name} --data_dir=<{data[0].dataset}>"}}


# What a cross-fold run may hold differently from the every-set run it vouches for.
_PER_RUN_SETTINGS = ("output_dir", "seed", "data_fingerprint", "data.protocol",
                     "data.selection_fold", "data.data_dir", "data.images.seed")


def require_one_recipe(run_dir: str, fold_runs: list[str]) -> None:
    """Refuses cross-fold runs trained otherwise than RUN_DIR: the shipped figure must be the
    shipped recipe's, not a neighbour's (a seed, split or folder may differ, nothing else)."""
    for fold_run in fold_runs:
        differing = differing_settings(run_dir, fold_run, _PER_RUN_SETTINGS)
        if differing:
            raise SettingsMismatch(
                f"{fold_run} was not trained with {run_dir}'s recipe: " + "; ".join(
                    f"{key} {mine!r} there, {theirs!r} here"
                    for key, (mine, theirs) in differing.items()))


def package_interaction(run_dir: str, recipe: str, fold_runs: list[str], data_dir: str
                        ) -> dict:
    """pretrained/interaction from the every-set run RUN_DIR, with the figures of the same
    recipe's cross-fold runs FOLD_RUNS through the pipeline's pair path
    (`pipeline.evaluate_pairs`)."""
    require_one_recipe(run_dir, fold_runs)
    target = os.path.join(PRETRAINED, "interaction")
    data = dataclasses.replace(recorded_data(run_dir), data_dir=data_dir)
    splits = load_splits(data)
    lifter = data.lifter or PRETRAINED_LIFTERS[DEFAULT_LIFTER_KIND]  # as the run lifted
    replace_directory(target, lambda staging: _save_with_own_lifter(run_dir, splits, lifter,
                                                                    staging))
    folds = [score_model(run, data_dir, PairRule()) for run in fold_runs]
    classifier = DeployedClassifier.load(target)
    per_fold = {report["protocol"]: report["pipeline_accuracy"] for report in folds}
    return {"files": files_of(target), "recipe": recipe, "labels": list(classifier.class_names),
            "layout": classifier.layout, "people": 2, **classifier.description,
            "own_lifter": f"{OWN_LIFTER_DIR}/: the lifter its poses came from, a copy of "
                          f"{lifter}",
            "input": "(T, 2 x 17, 3) mm: two lifted people placed together from their 2D "
                     "(recognition.interaction)",
            "figures": {"per_sequence_accuracy_percent": per_fold,
                        "mean_percent": round(float(np.mean(list(per_fold.values()))), 2),
                        "pairs_found": sum(r["pairs_found"] for r in folds),
                        "test_sequences": sum(r["test_sequences"] for r in folds),
                        "measured_by": "python -m pipeline.evaluate_pairs --models="
                                       + ",".join(fold_runs) + " (cross-fold runs of the "
                                       "same recipe, the pipeline's pair path)"}}


def _save_with_own_lifter(run_dir: str, splits: ImageSplits, lifter: str, staging: str
                          ) -> None:
    """RUN_DIR's classifier compact in STAGING, with the LIFTER whose poses it learnt from in
    its `lifter/` folder: a later lifter of the same kind does not change them."""
    save_compact_classifier(run_dir, splits, staging)
    copy_lifter(lifter, os.path.join(staging, OWN_LIFTER_DIR))


def write_manifest(entries: dict[str, dict]) -> dict:
    """MANIFEST.json with ENTRIES ({"lifter": ..., "classifier": ...}) replacing their
    namesakes; refuses any shipped file over 10 MB."""
    oversized = [name for model in entries.values() for name in model["files"]
                 if os.path.getsize(os.path.join(PRETRAINED, name)) > MAX_FILE_BYTES]
    if oversized:
        raise ValueError(f"files over 10 MB cannot ship: {oversized}")
    manifest = {}
    if os.path.isfile(MANIFEST):
        with open(MANIFEST, encoding="utf-8") as handle:
            manifest = json.load(handle)
    manifest.update(entries)
    write_text(MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv: list[str]) -> None:
    del argv
    if not (FLAGS.lifter_model_dir or FLAGS.classifier_export or FLAGS.zoo_entry
            or FLAGS.interaction_run):
        raise app.UsageError("give --lifter_model_dir, --classifier_export, --zoo_entry, "
                             "--interaction_run or several")
    entries = exit_on_user_error("pipeline.pretrained", _package_models)
    write_manifest(entries)
    print(json.dumps({name: entry["figures"] for name, entry in entries.items()}))


def _package_models() -> dict:
    entries = {}
    if FLAGS.lifter_model_dir:
        name, entry = package_lifter(FLAGS.lifter_model_dir, FLAGS.h36m_dir,
                                     FLAGS.lifter_recipe)
        entries[name] = entry
    if FLAGS.classifier_export:
        entries["classifier"] = package_classifier(
            FLAGS.classifier_export, FLAGS.classifier_recipe, FLAGS.classifier_figures)
    if FLAGS.zoo_entry:
        entries[f"recognition/{FLAGS.zoo_entry}"] = package_zoo_entry(
            FLAGS.zoo_entry, FLAGS.zoo_run, FLAGS.zoo_recipe, FLAGS.zoo_data_dir)
    if FLAGS.interaction_run:
        entries["interaction"] = package_interaction(
            FLAGS.interaction_run, FLAGS.interaction_recipe, FLAGS.interaction_fold_runs,
            FLAGS.sbu_dir)
    return entries


if __name__ == "__main__":
    flags.DEFINE_string("lifter_model_dir", None, "The trained lifter (lifting.train): a frame "
                        "lifter goes to pretrained/lifter, a temporal one to "
                        "pretrained/temporal_lifter.")
    flags.DEFINE_string("classifier_export", None, "The classifier's export/ (recognition.train).")
    flags.DEFINE_string("h36m_dir", None, "Human3.6M, to measure the shipped lifter.")
    flags.DEFINE_string("lifter_recipe", None, "The recipe the lifter was trained with.")
    flags.DEFINE_string("classifier_recipe", None, "The recipe the classifier was trained with.")
    flags.DEFINE_string("classifier_figures", None, "results.json of a recognition.experiment, "
                        "or eval.json of a recognition.train run, that measured the "
                        "classifier's recipe.")
    flags.DEFINE_string("zoo_entry", None, "A model zoo entry to write: "
                        "pretrained/recognition/<zoo_entry> (e.g. msr_AS1, sbu_fold1).")
    flags.DEFINE_list("zoo_run", None, "The entry's final run folder (a probe's seed<k>/), or "
                      "several of one recipe, shipped as their softmax ensemble.")
    flags.DEFINE_string("zoo_recipe", None, "The recipe the entry was trained with.")
    flags.DEFINE_string("zoo_data_dir", None, "The entry's dataset, to score it.")
    flags.DEFINE_string("interaction_run", None, "The interaction classifier's every-set run "
                        "(recognition.train --protocol=every_set).")
    flags.DEFINE_string("interaction_recipe", None, "The recipe it was trained with.")
    flags.DEFINE_list("interaction_fold_runs", None, "The same recipe's cross-fold runs, "
                      "scored through the pipeline's pair path for its figures.")
    flags.DEFINE_string("sbu_dir", None, "SBU Kinect Interaction, to score them.")
    flags.register_multi_flags_validator(
        ["interaction_run", "interaction_recipe", "interaction_fold_runs", "sbu_dir"],
        lambda f: not f["interaction_run"] or all(f[k] for k in (
            "interaction_recipe", "interaction_fold_runs", "sbu_dir")),
        "--interaction_run needs --interaction_recipe, --interaction_fold_runs and --sbu_dir")
    flags.register_multi_flags_validator(
        ["zoo_entry", "zoo_run", "zoo_recipe", "zoo_data_dir"],
        lambda f: not f["zoo_entry"] or all(f[k] for k in ("zoo_run", "zoo_recipe",
                                                            "zoo_data_dir")),
        "--zoo_entry needs --zoo_run, --zoo_recipe and --zoo_data_dir")
    flags.register_multi_flags_validator(
        ["lifter_model_dir", "h36m_dir", "lifter_recipe"],
        lambda f: not f["lifter_model_dir"] or bool(f["h36m_dir"] and f["lifter_recipe"]),
        "--lifter_model_dir needs --h36m_dir and --lifter_recipe")
    flags.register_multi_flags_validator(
        ["classifier_export", "classifier_recipe", "classifier_figures"],
        lambda f: not f["classifier_export"] or bool(f["classifier_recipe"]
                                                     and f["classifier_figures"]),
        "--classifier_export needs --classifier_recipe and --classifier_figures")
    app.run(main)
