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

One warning of TensorFlow's Python logger is dropped: "N out of the last N calls to
make_predict_function ... triggered tf.function retracing". Keras builds one predict (or
test) function per model, and a binary that trains and scores several models in one process
(a probe of ten seeds, a comparison of random arcs) traces each once, as it must; TensorFlow
counts the traces by the function's code, not its model, and from the fifth model on prints a
paragraph, twice, that blames a loop that is not there. A retracing of any other function (a
training step that retraces per batch) is still reported.
"""
import importlib.util
import logging
import os

from absl import logging as absl_logging

from common.native_stderr import filtered_native_stderr, is_start_up_notice

_USER_CHOSE_LEVEL = "TF_CPP_MIN_LOG_LEVEL" in os.environ
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
logging.getLogger("tensorflow").setLevel(logging.WARNING)


def _not_a_per_model_predict_trace(record: logging.LogRecord) -> bool:
    message = record.getMessage()
    return not ("triggered tf.function retracing" in message
                and ("make_predict_function" in message or "make_test_function" in message))


logging.getLogger("tensorflow").addFilter(_not_a_per_model_predict_trace)


def _import_tensorflow_quietly() -> None:
    with filtered_native_stderr(is_start_up_notice):
        import tensorflow as tf
        tf.config.list_physical_devices()  # the CUDA probe


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
