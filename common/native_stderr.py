"""Lines that native libraries write straight to the process's standard error (file
descriptor 2, below Python's sys.stderr), filtered: TensorFlow's start-up notices, LiteRT's
delegate notice. Inside the block fd 2 goes to a temporary file; afterwards every captured
line that DROP does not recognise is written back, so real errors still reach the user."""
from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from typing import Callable, Iterator


@contextlib.contextmanager
def filtered_native_stderr(drop: Callable[[str], bool]) -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", errors="replace")
            sys.stderr.write("".join(line for line in text.splitlines(keepends=True)
                                     if not drop(line)))


def _is_delegate_notice(line: str) -> bool:
    """LiteRT's "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." on every load."""
    return line.startswith("INFO: Created TensorFlow Lite")


def litert_interpreter(**arguments):
    """A LiteRT interpreter (tensors allocated) without its delegate notice."""
    from ai_edge_litert.interpreter import Interpreter
    with filtered_native_stderr(_is_delegate_notice):
        interpreter = Interpreter(**arguments)
        interpreter.allocate_tensors()
    return interpreter


# A C++ log line: severity, date, time, thread, file:line] message.
_CPP_LINE = re.compile(r"^([IWEF])\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] (.*)")
_START_UP_ERRORS = re.compile(r"cuInit|cuda drivers|Unable to register cu\w+ factory")
_START_UP_OTHER = ("WARNING: All log messages before absl::InitializeLog()",
                   "To enable the following instructions:")


def is_start_up_notice(line: str) -> bool:
    """True for TensorFlow's start-up notices: its INFO and WARNING C++ lines, the errors of
    the CUDA probe on a machine without a GPU, and absl's note that precedes them."""
    match = _CPP_LINE.match(line)
    if match:
        return match.group(1) in "IW" or bool(_START_UP_ERRORS.search(match.group(2)))
    return line.startswith(_START_UP_OTHER)
