"""Exports a trained lifter as a SavedModel with normalisation baked in (`lifting.serving`):

    python -m lifting.export --model_dir=runs/lifter

serving_default(keypoints_2d: (B, 16, 2) px, H36M-16) -> {"pose_3d": (B, 17, 3) mm}; a
two-stream model also has two_stream(gt_2d, detected_2d). A temporal lifter's serving_default
takes one track (T, 16, 2) in frame order, and its `description` says so
(`lifting.temporal_serving`). Prints the export's path.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

from absl import app, flags

from common.run_record import exit_on_user_error
from lifting.serving import export_model_dir

FLAGS = flags.FLAGS


def main(argv: list[str]) -> None:
    del argv
    print(exit_on_user_error("lifting.export", lambda: export_model_dir(FLAGS.model_dir)))


if __name__ == "__main__":
    flags.DEFINE_string("model_dir", None, "A model directory written by lifting.train.")
    flags.mark_flag_as_required("model_dir")
    app.run(main)
