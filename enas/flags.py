"""Flags that the search and the fixed-arc trainer share, with the original's names, and the
built-in image data's."""
from __future__ import annotations

import os
import shutil

from absl import app, flags, logging

from enas.data import IMAGE_DATASETS, BuiltinImages
from enas.schedule import CosineSchedule

FLAGS = flags.FLAGS


def define_child_training_flags(l2_reg: float, lr_min: float, keep_prob: float) -> None:
    """The child's regularisation, clipping and learning-rate flags; defaults differ between
    the search and the final script, so the caller gives them."""
    flags.DEFINE_float("child_l2_reg", l2_reg, "L2 weight on all child variables.")
    flags.DEFINE_float("child_keep_prob", keep_prob, "Keep probability of the head's dropout.")
    flags.DEFINE_float("child_lr_max", 0.05, "Cosine schedule: maximum learning rate.")
    flags.DEFINE_float("child_lr_min", lr_min, "Cosine schedule: minimum learning rate.")
    flags.DEFINE_integer("child_lr_T_0", 10, "Cosine schedule: first period (epochs).")
    flags.DEFINE_integer("child_lr_T_mul", 2, "Cosine schedule: period multiplier.")
    flags.DEFINE_float("child_grad_bound", 5.0, "Gradient clip bound of the child.")
    flags.DEFINE_enum("child_clip_mode", "norm", ["norm", "global"],
                      "norm: each gradient tensor clipped to the bound (the original's "
                      "clip_mode, hard-coded in its main.py); global: their joint norm.")


def schedule_from_flags(lr_min: float | None = None) -> CosineSchedule:
    """The cosine schedule of the flags; LR_MIN, when given, instead of --child_lr_min."""
    return CosineSchedule(FLAGS.child_lr_max, FLAGS.child_lr_min if lr_min is None else lr_min,
                          FLAGS.child_lr_T_0, FLAGS.child_lr_T_mul)


# Flags the original macro scripts pass that have no effect in the original's macro code path
# (aux heads and drop-path exist only in its micro search; op_tanh_reduce only in its micro
# controller; cell layers only in micro children), or that only steer its TF1 plumbing. They
# are accepted so that the scripts' command lines run unchanged, and do nothing here either.
NO_EFFECT_FLAGS = {
    "child_use_aux_heads": "macro children have no auxiliary head in the original",
    "child_drop_path_keep_prob": "drop-path is applied only in the original's micro child",
    "child_num_cell_layers": "cells exist only in the original's micro search space",
    "controller_op_tanh_reduce": "used only by the original's micro controller",
    "controller_sync_replicas": "the original's TF1 SyncReplicasOptimizer across workers; here "
                                "the controller runs once, on the chief",
    "log_every": "progress is logged per epoch and every 60 s within one",
}


def define_original_script_flags() -> None:
    """Every other flag of the original macro search and final scripts (ENAS_SPEC.md s. 5)."""
    flags.DEFINE_enum("child_num_branches", "6", ["4", "6"], "Ops per layer: 6, or 4 without "
                      "the two pooling ops (the final script's value).")
    flags.DEFINE_integer("eval_every_epochs", 1, "Validation and test accuracy every N epochs.",
                         lower_bound=1)
    flags.DEFINE_bool("child_lr_cosine", True, "Cosine schedule with warm restarts (the "
                      "scripts' choice; the original's step-decay alternative is not built).")
    flags.DEFINE_bool("controller_search_whole_channels", True, "Whole-channel macro search "
                      "(the scripts' mode; the channel-subset mode is not built).")
    flags.DEFINE_string("search_for", "macro", "Search space: macro (micro is not built).")
    flags.DEFINE_enum("data_format", "NHWC", ["NHWC", "NCHW"], "The original's tensor layout; "
                      "accepted, Keras's NHWC is used on every device.")
    flags.DEFINE_bool("reset_output_dir", False, "Delete --output_dir before starting, as the "
                      "original does (a resumable run is then started afresh).")
    flags.DEFINE_string("data_path", None, "The original's CIFAR-10 folder; the datasets here "
                        "are chosen with --dataset, so a value is refused rather than ignored.")
    defaults = {"log_every": (flags.DEFINE_integer, 50),
                "child_drop_path_keep_prob": (flags.DEFINE_float, 1.0),
                "child_num_cell_layers": (flags.DEFINE_integer, 5),
                "controller_op_tanh_reduce": (flags.DEFINE_float, 1.0)}
    for name, reason in NO_EFFECT_FLAGS.items():
        define, default = defaults.get(name, (flags.DEFINE_bool, False))
        define(name, default, f"Accepted, no effect: {reason}.")


def check_original_script_flags(output_dir: str) -> None:
    """Refuses, naming the flag and why, the values this implementation does not build."""
    if not FLAGS.child_lr_cosine:
        raise app.UsageError("--nochild_lr_cosine: the original's step-decay schedule is not "
                             "built; only the scripts' cosine schedule is")
    if not FLAGS.controller_search_whole_channels:
        raise app.UsageError("--nocontroller_search_whole_channels: the channel-subset search "
                             "is not built; the macro scripts use whole channels")
    if FLAGS.search_for != "macro":
        raise app.UsageError(f"--search_for={FLAGS.search_for}: only the macro search space is "
                             "built")
    if FLAGS.data_path:
        raise app.UsageError("--data_path: the original reads CIFAR-10 from it; here the data "
                             "is chosen with --dataset")
    for name in NO_EFFECT_FLAGS:
        if FLAGS[name].present:
            logging.info("--%s accepted with no effect: %s", name, NO_EFFECT_FLAGS[name])
    if FLAGS.reset_output_dir and os.path.isdir(output_dir):
        logging.warning("--reset_output_dir: deleting %s", output_dir)
        shutil.rmtree(output_dir)


# The controller flags the original final script passes: there is no controller in a final run.
FINAL_RUN_CONTROLLER_FLAGS = {
    "controller_training": (flags.DEFINE_bool, False),
    "controller_entropy_weight": (flags.DEFINE_float, 1e-4),
    "controller_train_every": (flags.DEFINE_integer, 1),
    "controller_num_aggregate": (flags.DEFINE_integer, 20),
    "controller_train_steps": (flags.DEFINE_integer, 50),
    "controller_lr": (flags.DEFINE_float, 1e-3),
    "controller_tanh_constant": (flags.DEFINE_float, 1.5),
    "controller_skip_target": (flags.DEFINE_float, 0.4),
    "controller_skip_weight": (flags.DEFINE_float, 0.8),
}


def define_final_run_controller_flags() -> None:
    for name, (define, default) in FINAL_RUN_CONTROLLER_FLAGS.items():
        define(name, default, "Accepted, no effect: a final run trains a fixed arc, without "
                              "a controller.")



def define_image_data_flags(valid_fraction: float) -> None:
    """--dataset of the built-in image tasks and the part of its training split held out."""
    flags.DEFINE_enum("dataset", "synthetic_images", list(IMAGE_DATASETS),
                      "The built-in image task (skeleton sequences: the recognition binaries).")
    flags.DEFINE_float("valid_fraction", valid_fraction, "Part of the training split held out "
                       "as validation data, never trained on.", lower_bound=0.0,
                       upper_bound=0.9)


def image_data_from_flags() -> BuiltinImages:
    return BuiltinImages(FLAGS.dataset, FLAGS.valid_fraction, FLAGS.seed)
