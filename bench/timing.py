"""The timing loop of the lifter benchmark, shared by our lifter and the PyTorch reference so
that their figures are taken the same way."""
from __future__ import annotations

import time
from typing import Callable


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
