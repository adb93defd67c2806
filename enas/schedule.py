"""Cosine learning rate with warm restarts at epoch granularity, as ENAS's child uses it.

lr = lr_min + 0.5 (lr_max - lr_min)(1 + cos(pi T_cur / T_i)), T_cur = epoch - last_reset;
when T_cur reaches T_i the schedule restarts (last_reset = epoch) and T_i *= T_mul. With
T0 = 10 and T_mul = 2 the restarts fall on epochs 10, 30, 70, 150, 310. The learning rate is
constant within an epoch (the original computes it from the integer epoch).
"""
from __future__ import annotations

import dataclasses
import math


def _cycle(epoch: int, t0: int, t_mul: int) -> tuple[int, int]:
    """(last_reset, T_i) of the cycle EPOCH is in."""
    last_reset, period = 0, t0
    while epoch - last_reset >= period:
        last_reset += period
        period *= t_mul
    return last_reset, period


def cosine_lr(epoch: int, lr_max: float, lr_min: float, t0: int = 10, t_mul: int = 2) -> float:
    last_reset, period = _cycle(epoch, t0, t_mul)
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * (epoch - last_reset)
                                                             / period))


def restart_epochs(until: int, t0: int = 10, t_mul: int = 2) -> list[int]:
    """Epochs (< UNTIL) at which the learning rate jumps back to lr_max."""
    return [e for e in range(1, until) if _cycle(e, t0, t_mul)[0] == e]


@dataclasses.dataclass(frozen=True)
class CosineSchedule:
    """The child's learning-rate schedule.

    Attributes:
      lr_max, lr_min: the cosine's top and bottom (`--child_lr_max`, `--child_lr_min`).
      t0: the first period in epochs (`--child_lr_T_0`).
      t_mul: each period's factor over the previous one (`--child_lr_T_mul`).
    """

    lr_max: float = 0.05
    lr_min: float = 0.0005
    t0: int = 10
    t_mul: int = 2

    def __call__(self, epoch: int) -> float:
        return cosine_lr(epoch, self.lr_max, self.lr_min, self.t0, self.t_mul)
