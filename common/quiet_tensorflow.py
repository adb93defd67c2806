"""Imported first by a binary: TensorFlow's own log lines stay out of the console.

TensorFlow prints its CPU-feature, CUDA-probe and oneDNN notices through its C++ logger as
soon as it loads, which buries a binary's own progress lines. This sets the C++ log level to
errors only before TensorFlow is imported, unless the user chose a level already
(TF_CPP_MIN_LOG_LEVEL=0 brings them all back). The few lines TensorFlow writes before its
logger is initialised (the CUDA driver probe on a machine without a GPU) ignore the setting.
TensorFlow's Python logger (SavedModel asset notices), which absl would print at INFO beside
the binary's own lines, is set to warnings and above; so are the INFO lines some of its
modules send through absl's logger itself (the checkpoint sharding times of every save),
which is the binaries' own logger and cannot be raised as a whole.
"""
import importlib.util
import logging
import os

from absl import logging as absl_logging

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
logging.getLogger("tensorflow").setLevel(logging.WARNING)

_TENSORFLOW_FOLDERS = tuple(
    os.path.join(folder, "")
    for folder in importlib.util.find_spec("tensorflow").submodule_search_locations)


def _not_tensorflow_info(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or not record.pathname.startswith(
        _TENSORFLOW_FOLDERS)


# absl's own logger (absl names each line's caller; a plain logger of that name made before
# absl loads would name absl's module instead).
absl_logging.get_absl_logger().addFilter(_not_tensorflow_info)
