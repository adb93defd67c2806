"""Start a binary, SIGKILL it at a chosen moment, and rerun it: the harness of the kill tests.

A kill test names its moment as a predicate on the run folder (a checkpoint has landed, a
backup is half written); polling every few milliseconds catches moments that last a fraction
of a second, such as the write of a large weights file.
"""
from __future__ import annotations

import signal
import subprocess
import time
from typing import Callable, Sequence

from tests.conftest import REPO


def kill_when(command: Sequence[str], moment: Callable[[], bool], timeout_s: float,
              poll_s: float = 0.005) -> bool:
    """Runs COMMAND from the repository and SIGKILLs it as soon as MOMENT() holds.

    Returns whether the moment was seen: False when the process ended or TIMEOUT_S passed
    first (the process is killed either way).
    """
    process = subprocess.Popen(list(command), cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout_s
    seen = False
    while time.time() < deadline and process.poll() is None:
        if moment():
            seen = True
            break
        time.sleep(poll_s)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return seen


def rerun(command: Sequence[str], timeout_s: float = 900) -> subprocess.CompletedProcess:
    """COMMAND run to its end from the repository, its output captured as text."""
    return subprocess.run(list(command), cwd=REPO, capture_output=True, text=True,
                          timeout=timeout_s)
