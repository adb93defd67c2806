"""Prints one JSON object describing a dataset: the first thing to run on new data.

    python -m datasets.summary --dataset=msr_action3d --data_dir=../shared/data/msr_action3d

Reports sequences, frames, joints, classes, subjects, what was skipped and why, and how long
loading took (loading is expected to take seconds; slower is a bug worth reporting).
"""
from __future__ import annotations

import dataclasses
import json

from absl import app, flags

from common.run_record import exit_on_user_error
from datasets import describe

FLAGS = flags.FLAGS


@dataclasses.dataclass(frozen=True)
class SummarySettings:
    """What to describe.

    Attributes:
      dataset: the format DATA_DIR holds (or synthetic, generated).
      data_dir: the dataset's folder.
      msr_kind: MSR Action3D's world 3D or screen 2D files.
      seed: the synthetic data's generator seed.
    """

    dataset: str = "synthetic"
    data_dir: str | None = None
    msr_kind: str = "3d"
    seed: int = 0


def define_flags() -> None:
    flags.DEFINE_enum("dataset", "synthetic", list(describe.DATASETS),
                      "Which format DATA_DIR holds.")
    flags.DEFINE_string("data_dir", None, "Folder of the dataset (not needed for synthetic).")
    flags.DEFINE_enum("msr_kind", "3d", ["3d", "2d"], "MSR Action3D: world 3D or screen 2D files.")
    flags.DEFINE_integer("seed", 0, "Synthetic data: generator seed.")


def settings_from_flags() -> SummarySettings:
    if FLAGS.dataset != "synthetic" and not FLAGS.data_dir:
        raise app.UsageError(f"--data_dir is required for --dataset={FLAGS.dataset}")
    return SummarySettings(FLAGS.dataset, FLAGS.data_dir, FLAGS.msr_kind, FLAGS.seed)


def main(argv: list[str]) -> None:
    del argv
    settings = settings_from_flags()
    summary = exit_on_user_error("datasets.summary", lambda: describe.summarise(
        settings.dataset, settings.data_dir, settings.msr_kind, settings.seed))
    print(json.dumps(summary))


if __name__ == "__main__":
    define_flags()
    app.run(main)
