"""The lifter as TFLite models, each checked against the SavedModel path it was made from.

    python -m lifting.tflite --lifter=pretrained/lifter --out_dir=runs/lifter_tflite \
        [--data_dir=../shared/data/h36m]

Writes lifter_float32.tflite, lifter_float16.tflite (weights stored as float16, computed in
float32) and lifter_dynamic_range.tflite (int8 weights, activations quantised on the fly),
and tflite.json: per variant the size, the largest and mean error in millimetres against the
deployable lifter's own graph on the same keypoints (Human3.6M S9 detections when --data_dir
is given, else the synthetic set's), and the time of one single-pose call. A temporal lifter
converts the same way; it is checked on one track's frames in order, and its single pose is
a one-frame track (one full window: the cost of a streaming step).
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json
import os
import time

import numpy as np
import tensorflow as tf
from absl import app, flags

from common.native_stderr import litert_interpreter
from common.run_record import exit_on_user_error, require_writable_folder
from datasets import h36m
from common.atomic import atomic_path, write_text
from lifting.data import build_examples, load_corpus
from lifting.deployed import DeployedLifter

FLAGS = flags.FLAGS
VARIANTS = ("float32", "float16", "dynamic_range")
_KEYPOINTS = tf.TensorSpec((None, 16, 2), tf.float32, name="keypoints_2d")


def convert(lifter: DeployedLifter, variant: str) -> bytes:
    """The flatbuffer of LIFTER's plain graph in VARIANT."""
    if lifter.plain is None:
        raise ValueError(f"{lifter.source}: a SavedModel export cannot be converted here; give "
                         "the model_dir or compact folder it came from")
    function = tf.function(lifter.plain, input_signature=[_KEYPOINTS])
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [function.get_concrete_function()], function)
    if variant in ("float16", "dynamic_range"):
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "float16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


class TfliteLifter:
    """One .tflite lifter: (B, 16, 2) pixels -> (B, 17, 3) mm, resized to each batch (a
    temporal lifter's: one track of B frames)."""

    def __init__(self, flatbuffer: bytes, num_threads: int | None = None):
        self.interpreter = litert_interpreter(model_content=flatbuffer, num_threads=num_threads)
        self.input = self.interpreter.get_input_details()[0]["index"]
        self.output = self.interpreter.get_output_details()[0]["index"]
        self.batch = None

    def lift(self, keypoints: np.ndarray) -> np.ndarray:
        keypoints = np.ascontiguousarray(keypoints, np.float32)
        if self.batch != len(keypoints):
            self.interpreter.resize_tensor_input(self.input, keypoints.shape)
            self.interpreter.allocate_tensors()
            self.batch = len(keypoints)
        self.interpreter.set_tensor(self.input, keypoints)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output).copy()


def check_keypoints(data_dir: str | None, track: bool = False, count: int = 2000) -> np.ndarray:
    """Keypoints to compare on: S9 SH detections, or the synthetic set's detections; spread
    over the set, or for a temporal lifter (TRACK) the first COUNT frames of one track."""
    corpus = load_corpus("h36m" if data_dir else "synthetic", data_dir)
    subjects = ("S9",) if data_dir else h36m.TEST_SUBJECTS
    if track:
        examples = build_examples(corpus, subjects)
        return examples.detected_2d[examples.track_rows()[0][:count]]
    examples = build_examples(corpus, subjects, frame_stride=10)
    return examples.detected_2d[np.linspace(0, len(examples) - 1, count).astype(int)]


def _ms_per_call(function, keypoints: np.ndarray, repeats: int = 200) -> float:
    function(keypoints)
    began = time.perf_counter()
    for _ in range(repeats):
        function(keypoints)
    return 1000 * (time.perf_counter() - began) / repeats


def convert_and_check(lifter: DeployedLifter, out_dir: str, keypoints: np.ndarray) -> dict:
    reference = lifter.lift(keypoints)
    report = {"source": lifter.source, "check_poses": int(len(keypoints)),
              "savedmodel_ms_single_pose": round(_ms_per_call(lifter.lift, keypoints[:1]), 3)}
    os.makedirs(out_dir, exist_ok=True)
    for variant in VARIANTS:
        flatbuffer = convert(lifter, variant)
        path = os.path.join(out_dir, f"lifter_{variant}.tflite")
        with atomic_path(path) as temporary:
            with open(temporary, "wb") as handle:
                handle.write(flatbuffer)
        model = TfliteLifter(flatbuffer)
        error = np.linalg.norm(model.lift(keypoints) - reference, axis=-1)
        report[variant] = {"file": path, "megabytes": round(len(flatbuffer) / 2 ** 20, 2),
                           "max_error_mm": round(float(error.max()), 4),
                           "mean_error_mm": round(float(error.mean()), 4),
                           "ms_single_pose": round(_ms_per_call(model.lift, keypoints[:1]), 3)}
    write_text(os.path.join(out_dir, "tflite.json"), json.dumps(report, indent=1) + "\n")
    return report


def main(argv: list[str]) -> None:
    del argv
    exit_on_user_error("lifting.tflite", lambda: require_writable_folder(FLAGS.out_dir))
    lifter = exit_on_user_error("lifting.tflite", lambda: DeployedLifter.load(FLAGS.lifter
                                                                              or None))
    report = exit_on_user_error("lifting.tflite", lambda: convert_and_check(
        lifter, FLAGS.out_dir, check_keypoints(FLAGS.data_dir, lifter.temporal)))
    print(json.dumps(report))


if __name__ == "__main__":
    flags.DEFINE_string("lifter", "", "A lifting.train model_dir or compact folder (default: "
                        "pretrained/lifter).")
    flags.DEFINE_string("out_dir", None, "Where the .tflite files and tflite.json go.")
    flags.DEFINE_string("data_dir", None, "Human3.6M, for keypoints to compare on.")
    flags.mark_flag_as_required("out_dir")
    app.run(main)
