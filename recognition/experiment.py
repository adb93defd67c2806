"""Action recognition end to end: ENAS search on Enhanced-SPMF images, the found arc trained
from scratch, and two controls trained exactly like it, per protocol and seed
(`recognition.runner` says what each phase writes).

    python -m recognition.experiment --flagfile=recipes/recognition/msr_cpu.flags \
        --data_dir=../shared/data/msr_action3d --output_dir=runs/msr_AS1

At the end: results.json, report.md (one table with mean and std over seeds), a confusion
matrix PNG per run (class names on the axes) and the controller's reward curve PNG per
search. Rerun the same command to continue a killed experiment.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import dataclasses
import os

from absl import app, flags, logging

from common.run_record import exit_on_user_error
from enas.final import FinalConfig
from enas.search_flags import define_search_flags, search_config_from_flags
from recognition.flags import data_from_flags, define_dataset_flags, seeds_from_flags
from recognition.protocols import PROTOCOLS
from recognition.report import CONTROLS
from recognition.runner import ExperimentSettings, run_experiment

FLAGS = flags.FLAGS


def define_flags() -> None:
    define_search_flags()  # the search's flags, names and defaults of the original
    define_dataset_flags(valid_fraction=0.1)
    flags.DEFINE_list("seeds", ["0"], "One search and training per seed.")
    flags.DEFINE_list("controls", list(CONTROLS), f"Controls to train: {', '.join(CONTROLS)}.")
    flags.DEFINE_integer("final_out_filters", 96, "Final run: channels before the first pool.")
    flags.DEFINE_integer("final_num_epochs", 310, "Final run (and controls): epochs.")
    flags.DEFINE_integer("final_batch_size", 100, "Final run: batch size.")
    flags.DEFINE_float("final_keep_prob", 0.5, "Final run: keep probability of the dropout.")
    flags.DEFINE_float("final_l2_reg", 2e-4, "Final run: L2 weight.")
    flags.DEFINE_float("final_lr_min", 0.001, "Final run: cosine schedule's minimum.")
    flags.DEFINE_integer("densenet_depth", 40, "DenseNet-BC control: depth (6n + 4).")
    flags.DEFINE_integer("densenet_growth_rate", 12, "DenseNet-BC control: growth rate.")


def _protocols() -> tuple[str, ...]:
    """--protocol, or every protocol of the dataset for --protocol=all."""
    if FLAGS.protocol == "all":
        return PROTOCOLS[FLAGS.dataset]
    return (FLAGS.protocol or PROTOCOLS[FLAGS.dataset][0],)


def settings_from_flags() -> ExperimentSettings:
    protocols = _protocols()
    data = data_from_flags(FLAGS.seed, protocols[0])
    search = search_config_from_flags(data=None)  # data: per run
    if search.strategy == "multi_worker":  # its phases read each other's files on one machine
        raise app.UsageError("--strategy=multi_worker: run recognition.search and "
                             "recognition.train on the cluster; recognition.experiment runs on "
                             "one machine (default, mirrored)")
    unknown = [name for name in FLAGS.controls if name not in CONTROLS]
    if unknown:
        raise app.UsageError(f"--controls: unknown {', '.join(unknown)}; choose from "
                             + ", ".join(CONTROLS))
    final = FinalConfig(
        output_dir="", network="enas_arc", out_filters=FLAGS.final_out_filters,
        keep_prob=FLAGS.final_keep_prob, densenet_depth=FLAGS.densenet_depth,
        densenet_growth_rate=FLAGS.densenet_growth_rate, l2_reg=FLAGS.final_l2_reg,
        schedule=dataclasses.replace(search.schedule, lr_min=FLAGS.final_lr_min),
        grad_bound=search.grad_bound, clip_mode=search.clip_mode,
        batch_size=FLAGS.final_batch_size, num_epochs=FLAGS.final_num_epochs,
        eval_every_epochs=search.eval_every_epochs, strategy=search.strategy)
    return ExperimentSettings(output_dir=FLAGS.output_dir, protocols=protocols,
                              seeds=seeds_from_flags(), search=search, final=final,
                              controls=tuple(FLAGS.controls), data=data)


def main(argv: list[str]) -> None:
    del argv
    settings = settings_from_flags()
    exit_on_user_error("recognition.experiment", lambda: run_experiment(settings))
    logging.info("report: %s", os.path.join(FLAGS.output_dir, "report.md"))


if __name__ == "__main__":
    define_flags()
    app.run(main)
