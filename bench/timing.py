"""The timing loops of the benchmarks, shared by our models and their PyTorch references so
that both figures are taken the same way, in interleaved rounds: this machine's speed drifts
by tens of percent within minutes, so only ratios taken within one round compare two models
under the same conditions."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
from absl import logging


def timed_rate(step: Callable[[], object], items_per_call: int, seconds: float) -> float:
    """Items per second of STEP after two warm-up calls (tracing, caches), over about SECONDS.

    STEP must wait for its result (e.g. call `.numpy()`), or the loop times only dispatch.
    """
    step()
    step()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        calls += 1
    return calls * items_per_call / (time.perf_counter() - start)


def ms_per_call(step: Callable[[], object], calls: int) -> float:
    """Milliseconds per call of STEP over CALLS calls, after one warm-up call."""
    step()
    start = time.perf_counter()
    for _ in range(calls):
        step()
    return 1000 * (time.perf_counter() - start) / calls


def interleaved_readings(meters: dict[str, Callable[[float], float]], seconds: float,
                        repeats: int) -> dict[str, list[float]]:
    """Every meter's readings, one per round, the meters taking turns within each round."""
    readings = {key: [] for key in meters}
    for round_index in range(repeats):
        for key, meter in meters.items():
            readings[key].append(meter(seconds))
        logging.info("round %d/%d: %s", round_index + 1, repeats,
                     {k: round(v[-1], 2) for k, v in readings.items()})
    return readings


def median_ratio(readings: dict[str, list[float]], numerator: str, denominator: str) -> float:
    """The median over rounds of NUMERATOR / DENOMINATOR, each ratio taken within one round."""
    return float(np.median(np.divide(readings[numerator], readings[denominator])))
