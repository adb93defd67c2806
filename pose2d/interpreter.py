"""One TFLite model with named, ordered outputs, run through TensorFlow's interpreter.

TensorFlow 2.21 still ships `tf.lite.Interpreter` (with a deprecation warning pointing to
LiteRT's `ai-edge-litert`); using it keeps the front-end inside the pinned TensorFlow, with
its XNNPACK CPU kernels. The warning is silenced here, once, because it is about the future
of the API, not about this call.
"""
from __future__ import annotations

import os
import warnings

import numpy as np
import tensorflow as tf


class TfliteModel:
    """A loaded .tflite file; `run(input)` returns its outputs in the model's output order."""

    def __init__(self, path: str, num_threads: int | None = None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.interpreter = tf.lite.Interpreter(
                model_path=os.fspath(path), num_threads=num_threads or os.cpu_count() or 1)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.outputs = [detail["index"] for detail in self.interpreter.get_output_details()]
        self.input_shape = tuple(int(v) for v in self.input["shape"])

    def run(self, batch: np.ndarray) -> list[np.ndarray]:
        self.interpreter.set_tensor(self.input["index"], batch.astype(np.float32, copy=False))
        self.interpreter.invoke()
        return [self.interpreter.get_tensor(index) for index in self.outputs]
