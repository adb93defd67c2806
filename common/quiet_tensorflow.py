"""Imported first by a binary: TensorFlow's own start-up lines stay out of the console.

TensorFlow prints its CPU-feature, CUDA-probe and oneDNN notices through its C++ logger as
soon as it loads, which buries a binary's own first lines. Most of them are written before
its logger is initialised and so ignore TF_CPP_MIN_LOG_LEVEL. So TensorFlow is imported here,
and its devices probed (where the CUDA driver is looked for), with the process's standard
error (file descriptor 2, which the C++ side writes to) sent to a temporary file; afterwards
every captured line that is not one of those notices is written back, so an error on the way
(a library that fails to load) still reaches the user. The level is also set to errors only
for the rest of the run, unless the user chose one (TF_CPP_MIN_LOG_LEVEL=0 brings everything
back, the start-up notices included).

TensorFlow's Python logger (SavedModel asset notices), which absl would print at INFO beside
the binary's own lines, is set to warnings and above; so are the INFO lines some of its
modules send through absl's logger itself (the checkpoint sharding times of every save),
which is the binaries' own logger and cannot be raised as a whole.
"""
import importlib.util
import logging
import os
import re
import sys
import tempfile

from absl import logging as absl_logging

_USER_CHOSE_LEVEL = "TF_CPP_MIN_LOG_LEVEL" in os.environ
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
logging.getLogger("tensorflow").setLevel(logging.WARNING)

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


def _import_tensorflow_quietly() -> None:
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import tensorflow as tf
            tf.config.list_physical_devices()  # the CUDA probe
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", errors="replace")
        sys.stderr.write("".join(line for line in text.splitlines(keepends=True)
                                 if not is_start_up_notice(line)))


if not _USER_CHOSE_LEVEL:
    _import_tensorflow_quietly()

_TENSORFLOW_FOLDERS = tuple(
    os.path.join(folder, "")
    for folder in importlib.util.find_spec("tensorflow").submodule_search_locations)


def _not_tensorflow_info(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or not record.pathname.startswith(
        _TENSORFLOW_FOLDERS)


# absl's own logger (absl names each line's caller; a plain logger of that name made before
# absl loads would name absl's module instead).
absl_logging.get_absl_logger().addFilter(_not_tensorflow_info)
