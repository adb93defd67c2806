"""ENAS macro search on a built-in image task:

    python -m enas.search --dataset=synthetic_images --output_dir=runs/search

Flag names and defaults are those of the original scripts (ENAS_SPEC.md s. 5). Writes
TensorBoard logs, a checkpoint per epoch (rerun the same command to resume), arc.txt (the
best arc in the original flat format, with its validation accuracy as a comment) and
arcs.jsonl (the top 10). On skeleton sequences: `recognition.search`.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

from absl import app

from enas.data import BuiltinImages
from enas.flags import define_image_data_flags, image_data_from_flags
from enas.search_flags import define_search_flags, search_main


def define_flags() -> None:
    define_search_flags()
    define_image_data_flags(valid_fraction=0.1)


def main(argv: list[str]) -> None:
    del argv
    search_main("enas.search", image_data_from_flags(), BuiltinImages.load)


if __name__ == "__main__":
    define_flags()
    app.run(main)
