"""Flags that the search and the fixed-arc trainer share, with the original's names."""
from __future__ import annotations

from absl import flags

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


def schedule_from_flags() -> CosineSchedule:
    return CosineSchedule(FLAGS.child_lr_max, FLAGS.child_lr_min, FLAGS.child_lr_T_0,
                          FLAGS.child_lr_T_mul)
