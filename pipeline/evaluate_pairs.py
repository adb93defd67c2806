"""Scores the pipeline's pair path on SBU Kinect Interaction's test sequences
(`pipeline.pair_scoring`):

    python -m pipeline.evaluate_pairs --data_dir=../shared/data/sbu \
        --models=runs/probe_sbu_lifted_placed_fold1/seed0,runs/probe_sbu_lifted_placed_fold2/seed0

--norigid_bones keeps the lifter's own poses. Printed per model, as one JSON line, and for all
together:
  pairs_found             test sequences the rule paired
  pipeline_accuracy       % of test sequences whose pair label is their class
  one_order_accuracy      % when the classifier sees the people only in SBU's order, as the
                          training run scored them (its own figure, reproduced)
  agrees_with_api         % of pair labels equal to `recognition.interaction.classify_pair`'s
                          on the same poses and keypoints
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json

import numpy as np
from absl import app, flags

from common.run_record import exit_on_user_error
from pipeline.pair_scoring import score_model
from pipeline.pairs import PairRule
from recognition.zoo import WrongDataset

FLAGS = flags.FLAGS
def main(argv: list[str]) -> None:
    del argv
    rule = PairRule()
    reports = []
    for model in FLAGS.models:
        reports.append(exit_on_user_error("pipeline.evaluate_pairs",
                                          lambda: score_model(model, FLAGS.data_dir, rule,
                                                              FLAGS.rigid_bones),
                                          also=(WrongDataset, FileNotFoundError)))
        print(json.dumps(reports[-1]), flush=True)
    summary = {key: round(float(np.mean([r[key] for r in reports])), 2) for key in (
        "pipeline_accuracy", "one_order_accuracy", "agrees_with_api")}
    print(json.dumps({"models": len(reports), "test_sequences": sum(
        r["test_sequences"] for r in reports), "pairs_found": sum(
        r["pairs_found"] for r in reports), **summary}))


if __name__ == "__main__":
    flags.DEFINE_list("models", None, "SBU run folders (or compact folders) from lifted poses.")
    flags.DEFINE_string("data_dir", None, "SBU Kinect Interaction folder.")
    flags.DEFINE_bool("rigid_bones", True, "Give each person's bones one length, as "
                      "pipeline.run does by default.")
    flags.mark_flags_as_required(["models", "data_dir"])
    app.run(main)
