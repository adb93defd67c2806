"""Imported first by a binary: TensorFlow's own log lines stay out of the console.

TensorFlow prints its CPU-feature, CUDA-probe and oneDNN notices through its C++ logger as
soon as it loads, which buries a binary's own progress lines. This sets the C++ log level to
errors only before TensorFlow is imported, unless the user chose a level already
(TF_CPP_MIN_LOG_LEVEL=0 brings them all back). The few lines TensorFlow writes before its
logger is initialised (the CUDA driver probe on a machine without a GPU) ignore the setting.
TensorFlow's Python logger (checkpoint sharding times, SavedModel asset notices), which absl
would print at INFO beside the binary's own lines, is set to warnings and above.
"""
import logging
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
logging.getLogger("tensorflow").setLevel(logging.WARNING)
