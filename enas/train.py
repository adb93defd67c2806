"""Trains a fixed ENAS arc from scratch on a built-in image task (the original's final script,
ENAS_SPEC.md s. 4-5):

    python -m enas.train --dataset=synthetic_images --arc_file=runs/search/arc.txt \
        --output_dir=runs/final

Writes TensorBoard logs, a resumable backup every epoch (rerun the same command to
continue), eval.json (test accuracy) and export/: a SavedModel on raw pixels
(`enas.final.export_classifier`). On skeleton sequences: `recognition.train`.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

from absl import app

from enas.data import BuiltinImages
from enas.final_flags import define_final_flags, train_main
from enas.flags import define_image_data_flags, image_data_from_flags


def define_flags() -> None:
    define_final_flags()
    define_image_data_flags(valid_fraction=0.0)


def main(argv: list[str]) -> None:
    del argv
    train_main("enas.train", image_data_from_flags(), BuiltinImages.load)


if __name__ == "__main__":
    define_flags()
    app.run(main)
