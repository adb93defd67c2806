"""One TFLite model with named, ordered outputs, run through LiteRT's interpreter.

LiteRT (`ai-edge-litert`) is the successor of `tf.lite.Interpreter`, which TensorFlow 2.21
deprecates with a warning at every use; it runs the same flatbuffers with the same XNNPACK
CPU kernels (outputs identical on the front-end's models, and no slower: BUILD_NOTES.md).
"""
from __future__ import annotations

import os

import numpy as np

from common.native_stderr import litert_interpreter


class TfliteModel:
    """A loaded .tflite file; `run(input)` returns its outputs in the model's output order."""

    def __init__(self, path: str, num_threads: int | None = None):
        self.interpreter = litert_interpreter(model_path=os.fspath(path),
                                              num_threads=num_threads or os.cpu_count() or 1)
        self.input = self.interpreter.get_input_details()[0]
        self.outputs = [detail["index"] for detail in self.interpreter.get_output_details()]
        self.input_shape = tuple(int(v) for v in self.input["shape"])

    def run(self, batch: np.ndarray) -> list[np.ndarray]:
        self.interpreter.set_tensor(self.input["index"], batch.astype(np.float32, copy=False))
        self.interpreter.invoke()
        return [self.interpreter.get_tensor(index) for index in self.outputs]
