"""Scores a recognition network on its protocol's test sequences (`recognition.zoo`):

    python -m recognition.evaluate --model=pretrained/recognition/msr_AS1 \
        --data_dir=../shared/data/msr_action3d

--model: a folder of the model zoo or a final run folder (config.json and export/). Prints one
JSON line: model, dataset, protocol, test_sequences, sequence_accuracy (%). Data of another
dataset or joint layout is refused with one line naming both.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json

from absl import app, flags

from common.run_record import exit_on_user_error
from recognition.deployed import LayoutMismatch
from recognition.zoo import WrongDataset, score_on_test

FLAGS = flags.FLAGS


def main(argv: list[str]) -> None:
    del argv
    print(json.dumps(exit_on_user_error(
        "recognition.evaluate", lambda: score_on_test(FLAGS.model, FLAGS.data_dir),
        also=(WrongDataset, LayoutMismatch, FileNotFoundError))))


if __name__ == "__main__":
    flags.DEFINE_string("model", None, "A folder of pretrained/recognition/ or a final run.")
    flags.DEFINE_string("data_dir", None, "The folder of the model's dataset.")
    flags.mark_flags_as_required(["model", "data_dir"])
    app.run(main)
