"""Trains a fixed ENAS arc on the Enhanced-SPMF images of a skeleton dataset and scores it
per test sequence:

    python -m recognition.train --dataset=msr_action3d --data_dir=../shared/data/msr_action3d \
        --protocol=AS1 --arc_file=runs/search_AS1/arc.txt --output_dir=runs/final_AS1

The final script's flags are the original's (`enas.train`); the data flags choose the
dataset, protocol, skeleton source, encoding and augmentation. eval.json holds the accuracy
per image and per sequence (the softmax of a sequence's views averaged); export/ a SavedModel
on raw pixels whose `labels` signature names the classes, dataset, protocol and layout.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

from absl import app, flags

from enas.final_flags import define_final_flags, train_main
from recognition.data import load_splits
from recognition.flags import data_from_flags, define_dataset_flags

FLAGS = flags.FLAGS


def define_flags() -> None:
    define_final_flags()
    define_dataset_flags(valid_fraction=0.0)


def main(argv: list[str]) -> None:
    del argv
    train_main("recognition.train", data_from_flags(FLAGS.seed), load_splits)


if __name__ == "__main__":
    define_flags()
    app.run(main)
