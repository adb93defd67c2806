"""The main job on the embedded default data (`make demo`).

Runs every stage that exists on the synthetic data set, prints one JSON line per stage and
leaves figures, the trained models and their SavedModels in --output_dir:
  data         the synthetic set summarised, its actions drawn;
  lifting      the two-stream lifter trained, evaluated (Protocol #1 and #2), exported, drawn;
  recognition  an ENAS search on Enhanced-SPMF images of the synthetic skeletons, the found
               arc trained and scored per sequence, with the report of spmf.experiment.
Needs no download and no real data; a few minutes on two CPU cores. Rerunning it in the same
folder resumes every stage (each writes its run record).
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import dataclasses
import json
import os

from absl import app, flags, logging

from common.run_record import exit_on_mismatch
from datasets import describe, synthetic, visualize
from enas.child import ChildConfig
from enas.reinforce import ReinforceConfig
from enas.searcher import SearchConfig
from enas.train import FinalConfig
from lifting import visualize as lifting_visualize
from lifting.config import LifterConfig
from lifting.train import TrainSettings, train
from spmf.data import AugmentOptions, SpmfDataConfig
from spmf.experiment import ExperimentSettings, run_experiment
from spmf.recognition_data import RecognitionData

FLAGS = flags.FLAGS


@dataclasses.dataclass(frozen=True)
class DemoSettings:
    """The demo's sizes, small enough for a laptop CPU.

    Attributes:
      output_dir: figures, models, reports.
      seed: the synthetic data's and every training's seed.
      lifter_epochs, lifter_width: the demo lifter (the paper's width is 1024).
      search_epochs, final_epochs: the recognition stage's ENAS search and final training.
    """

    output_dir: str = "runs/demo"
    seed: int = 0
    lifter_epochs: int = 10
    lifter_width: int = 256
    search_epochs: int = 4
    final_epochs: int = 10


def run_data_stage(settings: DemoSettings) -> dict:
    """Generates the synthetic set, summarises it and draws its actions."""
    data = synthetic.generate(settings.seed)
    figure = os.path.join(settings.output_dir, "synthetic_actions.png")
    visualize.plot_actions(data.corpus, figure)
    return {"stage": "data", **describe.summarise_corpus(data.corpus), "figure": figure}


def run_lifting_stage(settings: DemoSettings) -> dict:
    """Trains the two-stream lifter on the synthetic corpus, evaluates, exports and draws it."""
    model_dir = os.path.join(settings.output_dir, "lifter")
    report = train(TrainSettings(model_dir=model_dir, dataset="synthetic", seed=settings.seed,
                                 architecture=LifterConfig(width=settings.lifter_width),
                                 batch_size=256, epochs=settings.lifter_epochs,
                                 eval_frame_stride=1))
    figure = os.path.join(settings.output_dir, "lifter_S9_wave.png")
    lifting_visualize.plot_take(model_dir, synthetic.generate(settings.seed).corpus, "S9",
                                "wave 1", figure)
    return {"stage": "lifting", "input": report["input"], "p1_mm": report["average"]["p1"],
            "p2_mm": report["average"]["p2"], "export": os.path.join(model_dir, "export"),
            "figure": figure}


def run_recognition_stage(settings: DemoSettings) -> dict:
    """Searches a small ENAS child on the synthetic skeletons' Enhanced-SPMF images, trains
    the found arc and scores it per sequence on S9 and S11."""
    folder = os.path.join(settings.output_dir, "recognition")
    data = RecognitionData(dataset="synthetic", valid_fraction=0.2, train_copies=4,
                           images=SpmfDataConfig(augment=AugmentOptions(
                               rotation_degrees=15, scale=0.1, crop_min_fraction=0.8,
                               jitter_mm=10), eval_views=3, seed=settings.seed))
    search = SearchConfig(output_dir="", child=ChildConfig(num_layers=4, out_filters=12),
                          reinforce=ReinforceConfig(num_aggregate=5), batch_size=32,
                          num_epochs=settings.search_epochs, controller_train_steps=5,
                          num_arcs_to_score=10, seed=settings.seed)
    final = FinalConfig(output_dir="", out_filters=16, batch_size=32,
                        num_epochs=settings.final_epochs, eval_every_epochs=5)
    results = run_experiment(ExperimentSettings(
        output_dir=folder, protocols=("cross_subject",), seeds=(settings.seed,),
        search=search, final=final, controls=(), data=data))[0]
    found = results["found_arc"]
    return {"stage": "recognition", "arc": results["arc_ops"],
            "test_sequence_accuracy": found["test_sequence_accuracy"],
            "test_image_accuracy": found["test_accuracy"], "params": found["params"],
            "report": os.path.join(folder, "report.md"),
            "export": os.path.join(folder, "cross_subject", f"seed{settings.seed}", "final",
                                   "export")}


def define_flags() -> None:
    defaults = DemoSettings()
    flags.DEFINE_string("output_dir", defaults.output_dir, "Where figures and results go.")
    flags.DEFINE_integer("seed", defaults.seed, "Seed of the synthetic data and the training.")
    flags.DEFINE_integer("lifter_epochs", defaults.lifter_epochs, "Epochs of the demo lifter.")
    flags.DEFINE_integer("lifter_width", defaults.lifter_width,
                         "Width of the demo lifter (the paper uses 1024).")
    flags.DEFINE_integer("search_epochs", defaults.search_epochs, "Epochs of the demo search.")
    flags.DEFINE_integer("final_epochs", defaults.final_epochs,
                         "Epochs of the demo's final training of the found arc.")


def settings_from_flags() -> DemoSettings:
    return DemoSettings(output_dir=FLAGS.output_dir, seed=FLAGS.seed,
                        lifter_epochs=FLAGS.lifter_epochs, lifter_width=FLAGS.lifter_width,
                        search_epochs=FLAGS.search_epochs, final_epochs=FLAGS.final_epochs)


def main(argv: list[str]) -> None:
    del argv
    settings = settings_from_flags()
    os.makedirs(settings.output_dir, exist_ok=True)
    for stage in (run_data_stage, run_lifting_stage, run_recognition_stage):
        result = exit_on_mismatch("pipeline.demo", lambda: stage(settings))
        logging.info("%s stage done", result["stage"])
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    define_flags()
    app.run(main)
