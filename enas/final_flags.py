"""The final script's flags (ENAS_SPEC.md s. 5) and the FinalConfig they describe; shared by
the binaries that train a fixed arc (`enas.train` on images, `recognition.train` on skeleton
sequences)."""
from __future__ import annotations

import json
from typing import Any, Callable

import numpy as np
from absl import app, flags

from common.distribute import STRATEGIES, make_strategy
from common.run_record import exit_on_user_error
from enas import arc as arc_lib
from enas.data import ImageSplits
from enas.final import NETWORKS, FinalConfig, train_fixed
from enas.flags import (check_original_script_flags, define_child_training_flags,
                        define_final_run_controller_flags, define_original_script_flags,
                        schedule_from_flags)

FLAGS = flags.FLAGS


def define_final_flags() -> None:
    """Every flag of a final run but the data's."""
    flags.DEFINE_string("output_dir", None, "Where backups, logs, eval.json and export go.")
    flags.DEFINE_string("child_fixed_arc", None, "The arc as the original's flat string.")
    flags.DEFINE_string("arc_file", None, "A file holding the arc (e.g. search's arc.txt).")
    flags.DEFINE_enum("network", "enas_arc", list(NETWORKS), "enas_arc: the given arc; "
                      "densenet_bc: the hand-designed control (no arc).")
    flags.DEFINE_integer("densenet_depth", 40, "DenseNet-BC depth (6n + 4).")
    flags.DEFINE_integer("densenet_growth_rate", 12, "DenseNet-BC growth rate k.")
    flags.DEFINE_integer("child_out_filters", 96, "Channels before the first pool layer.",
                         lower_bound=1)
    flags.DEFINE_integer("child_num_layers", 24, "Layers of the arc; checked against it (the "
                         "arc decides).")
    define_original_script_flags()
    define_final_run_controller_flags()
    define_child_training_flags(l2_reg=2e-4, lr_min=0.001, keep_prob=0.5)
    flags.DEFINE_integer("batch_size", 100, "Per-replica batch size.", lower_bound=1)
    flags.DEFINE_float("label_smoothing", 0.0, "Smoothing of the one-hot targets (not in the "
                       "original: 0).", lower_bound=0.0, upper_bound=0.5)
    flags.DEFINE_float("mixup_alpha", 0.0, "Mixup of the training batches, Beta(alpha, alpha) "
                       "weights (not in the original: 0).", lower_bound=0.0)
    flags.DEFINE_string("init_from", "", "A final run's folder (same arc and width, other "
                        "data) whose newest backup starts every layer but the classifier: "
                        "fine-tuning (not in the original: from scratch).")
    flags.DEFINE_integer("num_epochs", 310, "Training epochs.", lower_bound=1)
    flags.DEFINE_enum("strategy", "default", list(STRATEGIES), "tf.distribute strategy.")
    flags.DEFINE_integer("seed", 0, "Random seed.")
    flags.mark_flag_as_required("output_dir")


def check_arc_against_flags(arc: np.ndarray) -> None:
    """--child_num_layers and --child_num_branches, when given, must describe ARC."""
    layers = arc_lib.layers(arc)
    if FLAGS["child_num_layers"].present and FLAGS.child_num_layers != len(layers):
        raise app.UsageError(f"--child_num_layers={FLAGS.child_num_layers} but the arc has "
                             f"{len(layers)} layers")
    largest = max(op for op, _ in layers)
    if largest >= int(FLAGS.child_num_branches):
        raise app.UsageError(f"--child_num_branches={FLAGS.child_num_branches} but the arc "
                             f"uses op {largest}")


def _arc_from_flags() -> tuple[int, ...]:
    if FLAGS.network == "densenet_bc":
        if FLAGS.child_fixed_arc or FLAGS.arc_file:
            raise app.UsageError("--network=densenet_bc takes no arc")
        return ()
    if bool(FLAGS.child_fixed_arc) == bool(FLAGS.arc_file):
        raise app.UsageError("give exactly one of --child_fixed_arc and --arc_file")
    try:
        arc = (arc_lib.read_file(FLAGS.arc_file) if FLAGS.arc_file
               else arc_lib.parse(FLAGS.child_fixed_arc))
    except ValueError as error:  # DataFormatError names the file
        flag = "--arc_file" if FLAGS.arc_file else "--child_fixed_arc"
        raise app.UsageError(f"{flag}: {error}") from None
    check_arc_against_flags(arc)
    return tuple(int(v) for v in arc)


def final_config_from_flags(data: Any) -> FinalConfig:
    """The final run the flags describe, on DATA's settings."""
    check_original_script_flags(FLAGS.output_dir)
    return FinalConfig(
        output_dir=FLAGS.output_dir, arc=_arc_from_flags(), network=FLAGS.network,
        out_filters=FLAGS.child_out_filters, keep_prob=FLAGS.child_keep_prob,
        densenet_depth=FLAGS.densenet_depth, densenet_growth_rate=FLAGS.densenet_growth_rate,
        l2_reg=FLAGS.child_l2_reg, schedule=schedule_from_flags(),
        grad_bound=FLAGS.child_grad_bound, clip_mode=FLAGS.child_clip_mode,
        batch_size=FLAGS.batch_size, num_epochs=FLAGS.num_epochs,
        eval_every_epochs=FLAGS.eval_every_epochs, label_smoothing=FLAGS.label_smoothing,
        mixup_alpha=FLAGS.mixup_alpha, init_from=FLAGS.init_from,
        strategy=FLAGS.strategy, seed=FLAGS.seed, data=data)


def train_main(binary: str, data: Any, load: Callable[[Any], ImageSplits]) -> None:
    """A final-run binary's work: the flags' run on DATA (loaded by LOAD), its report printed."""
    config = final_config_from_flags(data)
    make_strategy(config.strategy)  # first: a collective strategy before any other TF op
    print(json.dumps(exit_on_user_error(binary, lambda: train_fixed(config, load(config.data)))))
