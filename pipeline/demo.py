"""The main job on the embedded default data (`make demo`).

Runs every stage that exists on the synthetic data set, prints what it measured as JSON lines
and leaves figures in --output_dir. Needs no download and no real data.
"""
from __future__ import annotations

import json
import os

from absl import app, flags, logging

from datasets import describe, synthetic, visualize

FLAGS = flags.FLAGS
flags.DEFINE_string("output_dir", "runs/demo", "Where figures and results are written.")
flags.DEFINE_integer("seed", 0, "Seed of the synthetic data.")


def run_data_stage(output_dir: str, seed: int) -> dict:
    """Generates the synthetic set, summarises it and draws its actions."""
    data = synthetic.generate(seed)
    figure = os.path.join(output_dir, "synthetic_actions.png")
    visualize.plot_actions(data.corpus, figure)
    return {"stage": "data", **describe.summarise_corpus(data.corpus), "figure": figure}


def main(argv: list[str]) -> None:
    del argv
    os.makedirs(FLAGS.output_dir, exist_ok=True)
    result = run_data_stage(FLAGS.output_dir, FLAGS.seed)
    logging.info("data stage done; figure at %s", result["figure"])
    print(json.dumps(result))


if __name__ == "__main__":
    app.run(main)
