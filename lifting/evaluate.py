"""Evaluates a trained lifter on S9/S11: Protocol #1 and #2 per action, into eval.json.

    python -m lifting.evaluate --model_dir=runs/lifter --data_dir=../shared/data/h36m --input=sh
    python -m lifting.evaluate --model_dir=pretrained/lifter --data_dir=../shared/data/h36m \
        --rigid_bones

--model_dir may also be a compact folder (the shipped lifter: detections, nothing recorded).
Beside Protocol #1 and #2 per action, the bones' length variation per track.

--input says what each stream receives (`lifting.evaluation`): gt, sh, gt+sh or sh_stream_b.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json

from absl import app, flags

from common import run_record
from lifting.evaluation import INPUT_MODES, EvaluateSettings, report_key, run

FLAGS = flags.FLAGS


def define_flags() -> None:
    flags.DEFINE_string("model_dir", None, "A model directory written by lifting.train.")
    flags.DEFINE_enum("dataset", "h36m", ["h36m", "synthetic"], "Evaluation data.")
    flags.DEFINE_string("data_dir", None, "Human3.6M folder.")
    flags.DEFINE_enum("input", None, list(INPUT_MODES), "What each stream receives "
                      "(default: the keypoints it was trained on: gt, sh or gt+sh).")
    flags.DEFINE_integer("frame_stride", 1, "Evaluate every n-th frame (1 = all).")
    flags.DEFINE_bool("flip_test", False, "Average each prediction with that of the mirrored "
                      "frame (for lifters trained with --flip_augment).")
    flags.DEFINE_integer("seed", 0, "Seed of the synthetic data.")
    flags.DEFINE_bool("rigid_bones", False, "Set each track's bones (a take seen by one "
                      "camera) to their median length before scoring (lifting.bone_lengths).")
    flags.mark_flag_as_required("model_dir")


def settings_from_flags() -> EvaluateSettings:
    return EvaluateSettings(model_dir=FLAGS.model_dir, dataset=FLAGS.dataset,
                            data_dir=FLAGS.data_dir, input=FLAGS.input,
                            frame_stride=FLAGS.frame_stride, flip_test=FLAGS.flip_test,
                            seed=FLAGS.seed, rigid_bones=FLAGS.rigid_bones)


def main(argv: list[str]) -> None:
    del argv
    settings = settings_from_flags()
    report = run_record.exit_on_user_error("lifting.evaluate", lambda: run(settings))
    print(json.dumps({"input": report_key(report), **report["average"],
                      "bone_length_variation": report["bone_length_variation"]}))


if __name__ == "__main__":
    define_flags()
    app.run(main)
