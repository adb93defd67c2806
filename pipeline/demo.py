"""The main job on the embedded default data (`make demo`).

Runs every stage that exists on the synthetic data set, prints one JSON line per stage and
leaves figures, the trained lifter and its SavedModel in --output_dir. Needs no download and no
real data; a few minutes on two CPU cores.
"""
from __future__ import annotations

import json
import os

from absl import app, flags, logging

from datasets import describe, synthetic, visualize
from lifting import visualize as lifting_visualize
from lifting.config import LifterConfig
from lifting.train import TrainSettings, train

FLAGS = flags.FLAGS
flags.DEFINE_string("output_dir", "runs/demo", "Where figures and results are written.")
flags.DEFINE_integer("seed", 0, "Seed of the synthetic data.")
flags.DEFINE_integer("lifter_epochs", 10, "Epochs of the demo lifter.")
flags.DEFINE_integer("lifter_width", 256, "Width of the demo lifter (the paper uses 1024).")


def run_data_stage(output_dir: str, seed: int) -> dict:
    """Generates the synthetic set, summarises it and draws its actions."""
    data = synthetic.generate(seed)
    figure = os.path.join(output_dir, "synthetic_actions.png")
    visualize.plot_actions(data.corpus, figure)
    return {"stage": "data", **describe.summarise_corpus(data.corpus), "figure": figure}


def run_lifting_stage(output_dir: str, seed: int, epochs: int, width: int) -> dict:
    """Trains the two-stream lifter on the synthetic corpus, evaluates, exports and draws it."""
    model_dir = os.path.join(output_dir, "lifter")
    report = train(TrainSettings(model_dir=model_dir, dataset="synthetic", seed=seed,
                                 architecture=LifterConfig(width=width), batch_size=256,
                                 epochs=epochs, eval_frame_stride=1))
    figure = os.path.join(output_dir, "lifter_S9_wave.png")
    lifting_visualize.plot_take(model_dir, synthetic.generate(seed).corpus, "S9", "wave 1",
                                figure)
    return {"stage": "lifting", "input": report["input"], "p1_mm": report["average"]["p1"],
            "p2_mm": report["average"]["p2"], "export": os.path.join(model_dir, "export"),
            "figure": figure}


def main(argv: list[str]) -> None:
    del argv
    os.makedirs(FLAGS.output_dir, exist_ok=True)
    for stage in (lambda: run_data_stage(FLAGS.output_dir, FLAGS.seed),
                  lambda: run_lifting_stage(FLAGS.output_dir, FLAGS.seed, FLAGS.lifter_epochs,
                                            FLAGS.lifter_width)):
        result = stage()
        logging.info("%s stage done", result["stage"])
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    app.run(main)
