"""Imported first by a binary: TensorFlow's C++ start-up lines stay out of the console.

TensorFlow prints its CPU-feature, CUDA-probe and oneDNN notices through its C++ logger as
soon as it loads, which buries a binary's own progress lines. This sets the C++ log level to
errors only before TensorFlow is imported, unless the user chose a level already
(TF_CPP_MIN_LOG_LEVEL=0 brings them all back). The few lines TensorFlow writes before its
logger is initialised (the CUDA driver probe on a machine without a GPU) ignore the setting.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
