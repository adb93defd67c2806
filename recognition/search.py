"""ENAS macro search on the Enhanced-SPMF images of a skeleton dataset's training sequences:

    python -m recognition.search --dataset=msr_action3d --data_dir=../shared/data/msr_action3d \
        --protocol=AS1 --output_dir=runs/search_AS1

The search's flags are the original scripts' (`enas.search`); the data flags choose the
dataset, protocol, skeleton source, encoding and augmentation. The controller's validation
sequences are held out of the training side (--valid_fraction); the search is never given the
test sequences.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

from absl import app, flags

from enas.search_flags import define_search_flags, search_main
from recognition.data import search_splits
from recognition.flags import data_from_flags, define_dataset_flags

FLAGS = flags.FLAGS


def define_flags() -> None:
    define_search_flags()
    define_dataset_flags(valid_fraction=0.1)


def main(argv: list[str]) -> None:
    del argv
    search_main("recognition.search", data_from_flags(FLAGS.seed), search_splits)


if __name__ == "__main__":
    define_flags()
    app.run(main)
