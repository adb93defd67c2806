"""Prints one JSON object describing a dataset: the first thing to run on new data.

    python -m datasets.summary --dataset=msr_action3d --data_dir=../shared/data/msr_action3d

Reports sequences, frames, joints, classes, subjects, what was skipped and why, and how long
loading took (loading is expected to take seconds; slower is a bug worth reporting).
"""
from __future__ import annotations

import json
import sys

from absl import app, flags

from datasets import describe
from datasets.errors import DataFormatError

FLAGS = flags.FLAGS
flags.DEFINE_enum("dataset", "synthetic", list(describe.DATASETS), "Which format DATA_DIR holds.")
flags.DEFINE_string("data_dir", None, "Folder of the dataset (not needed for synthetic).")
flags.DEFINE_enum("msr_kind", "3d", ["3d", "2d"], "MSR Action3D: world 3D or screen 2D files.")
flags.DEFINE_integer("seed", 0, "Synthetic data: generator seed.")


def main(argv: list[str]) -> None:
    del argv
    if FLAGS.dataset != "synthetic" and not FLAGS.data_dir:
        raise app.UsageError(f"--data_dir is required for --dataset={FLAGS.dataset}")
    try:
        summary = describe.summarise(FLAGS.dataset, FLAGS.data_dir, FLAGS.msr_kind, FLAGS.seed)
    except DataFormatError as error:
        sys.exit(f"error: {error}")
    print(json.dumps(summary))


if __name__ == "__main__":
    app.run(main)
