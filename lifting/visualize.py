"""A PNG grid to eyeball a trained lifter: 2D input | 3D ground truth | 3D prediction.

    python -m lifting.visualize --model_dir=runs/lifter --data_dir=../shared/data/h36m \
        --subject=S9 --take="Directions 1"

One row per frame (evenly spaced over the take), seen by the first camera with detections
(`lifting.take_figure`). Prints the PNG's path.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import os

from absl import app, flags

from common.run_record import exit_on_user_error
from lifting.data import load_corpus
from lifting.take_figure import plot_take

FLAGS = flags.FLAGS


def main(argv: list[str]) -> None:
    del argv
    path = FLAGS.output or os.path.join(
        FLAGS.model_dir, f"{FLAGS.subject}_{FLAGS.take.replace(' ', '_')}.png")
    exit_on_user_error("lifting.visualize", lambda: plot_take(
        FLAGS.model_dir, load_corpus(FLAGS.dataset, FLAGS.data_dir), FLAGS.subject, FLAGS.take,
        path, FLAGS.frames, FLAGS.input))
    print(path)


if __name__ == "__main__":
    flags.DEFINE_string("model_dir", None, "A model directory written by lifting.train.")
    flags.DEFINE_enum("dataset", "h36m", ["h36m", "synthetic"], "Data of the take.")
    flags.DEFINE_string("data_dir", None, "Human3.6M folder.")
    flags.register_multi_flags_validator(
        ["dataset", "data_dir"], lambda f: f["dataset"] != "h36m" or bool(f["data_dir"]),
        "--data_dir is required for --dataset=h36m")
    flags.DEFINE_string("subject", "S9", "Subject of the take.")
    flags.DEFINE_string("take", "Directions 1", "Take name, e.g. 'Directions 1'.")
    flags.DEFINE_integer("frames", 4, "Rows of the grid.")
    flags.DEFINE_enum("input", None, ["gt", "sh", "gt+sh"], "What the streams receive "
                      "(default: the keypoints they were trained on).")
    flags.DEFINE_string("output", None, "PNG path (default MODEL_DIR/<subject>_<take>.png).")
    flags.mark_flag_as_required("model_dir")
    app.run(main)
