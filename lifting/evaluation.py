"""A trained lifter evaluated on S9/S11 (or on the training subject its run held out for
selection): Protocol #1 and #2 per action, recorded in eval.json.

The evaluation mode says what each stream receives:
  gt           every stream gets ground-truth 2D (the Martinez GT setting)
  sh           every stream gets the detections (deployment: only detections exist)
  gt+sh        stream A gets GT, stream B the detections (how the paper evaluates; two-stream)
  sh_stream_b  only stream B runs, on the detections (the alternative to averaging)
"""
from __future__ import annotations

import dataclasses
import json
import os

import keras
import numpy as np

from common import input_pipeline, run_record
from common.errors import read_json
from common.run_record import SettingConflict
from common.file_digest import sha256
from datasets import h36m
from common.atomic import write_text
from datasets.corpus import PoseCorpus
from lifting.config import WEIGHTS_FILE, LifterConfig, load_trained
from lifting.data import (STREAM_INPUTS, LiftingExamples, Normalization, build_examples,
                          load_corpus, model_inputs)
from lifting.bone_lengths import rigid_bones
from lifting.deployed import COMPACT_WEIGHTS, DeployedLifter
from lifting.metrics import limb_length_variation, per_action_report, with_root
from lifting.mirror import mirror_pose
from lifting.temporal_data import lift_each_track
from lifting.temporal_model import TemporalConfig
from lifting.temporal_serving import track_function

INPUT_MODES = ("gt", "sh", "gt+sh", "sh_stream_b")
EVAL_FILE = "eval.json"


def stream_feed(mode: str, streams: tuple[str, ...]) -> dict[str, str]:
    """Which keypoints ("gt" or "detected") each stream receives in input MODE."""
    if mode not in INPUT_MODES:
        raise ValueError(f"unknown input mode {mode!r}; choose from {INPUT_MODES}")
    if mode == "gt":
        return {s: "gt" for s in streams}
    if mode == "sh":
        return {s: "detected" for s in streams}
    if set(streams) != {"gt", "detected"}:
        raise ValueError(f"--input={mode} needs a two-stream model; this one has {streams}")
    if mode == "gt+sh":
        return {"gt": "gt", "detected": "detected"}
    return {"detected": "detected"}


def predict_mm(model: keras.Model, norm: Normalization, config: LifterConfig,
               examples: LiftingExamples, mode: str, flip_test: bool = False) -> np.ndarray:
    """(N, 17, 3) root-relative predictions in millimetres for input MODE.

    FLIP_TEST averages each prediction with the mirrored prediction of the mirrored frame
    (`lifting.mirror`); it is meant for lifters trained with `--flip_augment` and hurts
    others (on Human3.6M it gains little even then: docs/EXPERIMENTS.md).
    """
    pose = _predict_pose_16(model, norm, config, examples, mode)
    if flip_test:
        mirrored = _predict_pose_16(model, norm, config, examples.mirrored(), mode)
        pose = (pose + mirror_pose(mirrored).numpy()) / 2
    return with_root(pose)


def _predict_pose_16(model: keras.Model, norm: Normalization, config: LifterConfig,
                     examples: LiftingExamples, mode: str) -> np.ndarray:
    """(N, 16, 3) root-relative millimetres of the non-root joints for input MODE."""
    feed = stream_feed(mode, config.streams)
    if mode == "sh_stream_b":
        model = keras.Model(model.input[STREAM_INPUTS["detected"]],
                            model.get_layer("detected_out").output)
        inputs = model_inputs(examples, norm, ("detected",), feed)[STREAM_INPUTS["detected"]]
    else:
        inputs = model_inputs(examples, norm, config.streams, feed)
    normalised = model.predict(input_pipeline.array_batches(inputs, 4096), verbose=0)
    return norm.denormalise_3d(normalised).numpy()


def training_mode(streams: tuple[str, ...]) -> str:
    """The input mode that gives each stream the keypoints it was trained on."""
    if len(streams) == 2:
        return "gt+sh"
    return "gt" if streams == ("gt",) else "sh"


def evaluate_model(model: keras.Model, norm: Normalization, config: LifterConfig,
                   corpus: PoseCorpus, mode: str, frame_stride: int = 1,
                   flip_test: bool = False, rigid: bool = False,
                   subjects: tuple[str, ...] = h36m.TEST_SUBJECTS) -> dict:
    """The eval.json report of MODEL on SUBJECTS of CORPUS."""
    examples = build_examples(corpus, subjects, frame_stride)
    return {**evaluate_examples(model, norm, config, examples, mode, frame_stride, flip_test,
                                rigid), "subjects": list(subjects)}


def evaluate_examples(model: keras.Model, norm: Normalization, config: LifterConfig,
                      examples: LiftingExamples, mode: str, frame_stride: int,
                      flip_test: bool = False, rigid: bool = False) -> dict:
    """The eval.json report of MODEL on already built test EXAMPLES."""
    predicted = predict_mm(model, norm, config, examples, mode, flip_test)
    return {**_pose_report(predicted, examples, rigid), "input": mode, "flip_test": flip_test,
            "streams": list(config.streams), "frame_stride": frame_stride,
            "examples": len(examples)}


def evaluate_deployed(lifter, corpus: PoseCorpus, frame_stride: int = 1,
                      rigid: bool = False) -> dict:
    """Protocol #1 and #2 of a deployable lifter (`lifting.deployed`: the shipped model, an
    export) on the detections of the test subjects of CORPUS, as a user's input reaches it
    (a temporal lifter: each track whole, in order)."""
    _refuse_strided_tracks(lifter.temporal, frame_stride)
    examples = build_examples(corpus, h36m.TEST_SUBJECTS, frame_stride)
    predicted = (lift_each_track(lifter.lift, examples) if lifter.temporal
                 else lifter.lift(examples.detected_2d))
    return {**_pose_report(predicted, examples, rigid), "input": "sh",
            "frame_stride": frame_stride, "examples": len(examples), "lifter": lifter.source,
            "lifter_kind": lifter.kind}


def _refuse_strided_tracks(temporal: bool, frame_stride: int) -> None:
    """A temporal lifter sees each frame's neighbours: every n-th frame is another input."""
    if temporal and frame_stride != 1:
        raise SettingConflict(f"--frame_stride={frame_stride}: a temporal lifter is evaluated "
                              "on every frame (it lifts each frame with its neighbours)")


def evaluate_temporal(model: keras.Model, norm: Normalization, config: TemporalConfig,
                      examples: LiftingExamples, rigid: bool = False,
                      flip_test: bool = False) -> dict:
    """The eval.json report of a temporal lifter (its sequence form) on the test EXAMPLES
    (every frame of each track, in order), lifted from their detections; FLIP_TEST (or the
    model's own `TemporalConfig.flip_test`) averages each track's poses with the mirrored
    poses of its mirror image."""
    config = dataclasses.replace(config, flip_test=config.flip_test or flip_test)
    predicted = lift_each_track(track_function(model, norm, config), examples)
    return {**_pose_report(predicted, examples, rigid), "input": "sh",
            "flip_test": config.flip_test,
            "lifter_kind": "temporal", "receptive_field": config.receptive_field,
            "causal": config.causal, "frame_stride": 1, "examples": len(examples)}


def _pose_report(predicted: np.ndarray, examples: LiftingExamples, rigid: bool) -> dict:
    """Protocol #1 and #2 per action and the bones' length variation per track, of PREDICTED
    as it is or with each track's bones set to their median length (RIGID)."""
    tracks = [np.flatnonzero(examples.track == index) for index in np.unique(examples.track)]
    if rigid:
        predicted = predicted.copy()
        for rows in tracks:
            predicted[rows] = rigid_bones(predicted[rows])
    report = per_action_report(predicted, with_root(examples.pose_3d), examples.action,
                               examples.actions)
    return {**report, "rigid_bones": rigid, "bone_length_variation": bone_variation_summary(
        [limb_length_variation(predicted[rows]) for rows in tracks])}


def bone_variation_summary(per_track: list[dict[str, float]]) -> dict[str, float]:
    """Over tracks (a take seen by one camera): the median and largest of each track's
    median bone and of its worst bone, std / mean in percent."""
    medians = [100 * np.median(list(v.values())) for v in per_track if v]
    worst = [100 * max(v.values()) for v in per_track if v]
    return {"tracks": len(worst), "median_bone_median_percent": round(float(np.median(medians)), 2),
            "worst_bone_median_percent": round(float(np.median(worst)), 2),
            "worst_bone_largest_percent": round(float(np.max(worst)), 2)}


def report_key(report: dict) -> str:
    """Where eval.json files REPORT: its input mode, marked "+flip" under flip testing and
    "+rigid" with rigid bones."""
    return (report["input"] + ("+flip" if report.get("flip_test") else "")
            + ("+rigid" if report.get("rigid_bones") else ""))


def checkpoint_digest(path: str) -> str:
    """A short SHA-256 of a weights file: which training state a report describes."""
    return sha256(path)[:16]


def record(model_dir: str, report: dict) -> None:
    """Adds REPORT to MODEL_DIR/eval.json under `report_key`.

    Reports of other modes are kept only if they describe the same weights: a model_dir whose
    training was continued must not show the old checkpoint's figures beside the new ones.
    """
    path = os.path.join(model_dir, EVAL_FILE)
    checkpoint = os.path.join(model_dir, WEIGHTS_FILE)
    digest = checkpoint_digest(checkpoint)
    reports = {}
    if os.path.exists(path):
        with open(path, "r", encoding="utf-8") as handle:
            reports = {mode: old for mode, old in json.load(handle).items()
                       if old.get("checkpoint_sha256") == digest}
    reports[report_key(report)] = {**report, "checkpoint": checkpoint, "checkpoint_sha256": digest}
    write_text(path, json.dumps(reports, indent=2))


@dataclasses.dataclass(frozen=True)
class EvaluateSettings:
    """One evaluation, recorded beside its figures in the model_dir's eval.json.

    Attributes:
      model_dir: a model directory written by lifting.train.
      dataset, data_dir: h36m (from DATA_DIR) or synthetic; S9 and S11 are evaluated (the
        held-out subject of a selection run, `evaluated_subjects`).
      input: what each stream receives (gt, sh, gt+sh; None: what it was trained on).
      frame_stride: evaluate every n-th frame.
      flip_test: average with the prediction of the mirrored frame (a temporal lifter: of
        the mirrored track).
      seed: seed of the synthetic data.
      rigid_bones: each track's bones set to their median length (`lifting.bone_lengths`).
    """

    model_dir: str
    dataset: str = "h36m"
    data_dir: str | None = None
    input: str | None = None
    frame_stride: int = 1
    flip_test: bool = False
    seed: int = 0
    rigid_bones: bool = False


def _corpus(settings: EvaluateSettings) -> PoseCorpus:
    return load_corpus(settings.dataset, settings.data_dir, settings.seed)


def run(settings: EvaluateSettings) -> dict:
    """Evaluates, records the report (with SETTINGS, the command and versions) in eval.json."""
    if os.path.isfile(os.path.join(settings.model_dir, COMPACT_WEIGHTS)):  # pretrained/lifter
        lifter = DeployedLifter.load(settings.model_dir)
        return evaluate_deployed(lifter, _corpus(settings), settings.frame_stride,
                                 settings.rigid_bones)
    model, norm, config = load_trained(settings.model_dir)  # a missing model, before the data
    if isinstance(config, TemporalConfig):
        report = _evaluate_temporal_run(settings, model, norm, config)
    else:
        report = evaluate_model(model, norm, config, _corpus(settings),
                                settings.input or training_mode(config.streams),
                                settings.frame_stride, settings.flip_test, settings.rigid_bones,
                                evaluated_subjects(settings.model_dir))
    report["run"] = run_record.record(settings)
    record(settings.model_dir, report)
    return report


def _evaluate_temporal_run(settings: EvaluateSettings, model: keras.Model, norm: Normalization,
                           config: TemporalConfig) -> dict:
    """`evaluate_temporal` under SETTINGS: detections only, every frame."""
    if settings.input not in (None, "sh"):
        raise SettingConflict("a temporal lifter takes detections only (--input=sh)")
    if settings.flip_test and norm.input_normalization != "skeleton":
        raise SettingConflict("--flip_test mirrors a track about any vertical line, which only "
                              "skeleton input ignores; this model takes pixels")
    _refuse_strided_tracks(True, settings.frame_stride)
    subjects = evaluated_subjects(settings.model_dir)
    examples = build_examples(_corpus(settings), subjects)
    return {**evaluate_temporal(model, norm, config, examples, settings.rigid_bones,
                                settings.flip_test), "subjects": list(subjects)}


def evaluated_subjects(model_dir: str) -> tuple[str, ...]:
    """S9 and S11, or the training subject MODEL_DIR's run held out for selection (its test
    figures are read only for the lever chosen on that subject)."""
    path = os.path.join(model_dir, run_record.CONFIG_FILE)
    settings = read_json(path).get("settings", {}) if os.path.isfile(path) else {}
    return h36m.subject_split(settings.get("selection_subject", ""))[1]
