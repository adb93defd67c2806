"""The two-stream lifter of Pham et al. on the residual MLP of Martinez et al.

One stream: Linear(1024) -> BN -> activation -> Dropout, two residual blocks of that unit
twice, then Linear(48). Every weight matrix is used clipped to norm 1 (Martinez's max-norm):
like their code, the clip is applied where the weight is used, in the forward pass, so the
stored weights keep their initial scale and gradients flow through the clip. (A projection of
the stored weights after each step, a Keras constraint, shrinks a 1024x1024 He-initialised
matrix 45-fold; Adam's fixed-size steps then rewrite the weights wholesale every step and
training stalls: 122 mm validation MPJPE after one Human3.6M epoch, measured.) The two-stream model runs a stream on ground-truth 2D and one on detected 2D and
averages their outputs; a single-stream model is the Martinez baseline with the same code.
"""
from __future__ import annotations

from typing import Iterable

import keras
import tensorflow as tf

from lifting.data import INPUT_DIM, OUTPUT_DIM, STREAM_INPUTS

STREAM_CHOICES = ("gt", "detected")


@keras.saving.register_keras_serializable(package="lifting")
class MaxNormDense(keras.layers.Dense):
    """A Dense layer whose whole kernel is clipped to Frobenius norm <= max_norm when used."""

    def __init__(self, units: int, max_norm: float = 1.0, **kwargs):
        super().__init__(units, kernel_initializer="he_normal", **kwargs)
        self.max_norm = max_norm

    def effective_kernel(self) -> tf.Tensor:
        return tf.clip_by_norm(self.kernel, self.max_norm)

    def call(self, inputs):
        return tf.matmul(inputs, self.effective_kernel()) + self.bias

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("kernel_initializer", None)
        return {**config, "max_norm": self.max_norm}


def _dense_unit(x, width: int, activation: str, dropout: float, name: str):
    x = MaxNormDense(width, name=f"{name}_dense")(x)
    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    x = keras.layers.Activation(activation, name=f"{name}_{activation}")(x)
    return keras.layers.Dropout(dropout, name=f"{name}_dropout")(x)


def stream_output(inputs, name: str, activation: str = "selu", width: int = 1024,
                  num_blocks: int = 2, dropout: float = 0.5):
    """One stream applied to a (B, 32) tensor; returns the (B, 48) normalised prediction."""
    x = _dense_unit(inputs, width, activation, dropout, f"{name}_in")
    for block in range(num_blocks):
        skip = x
        for unit in range(2):
            x = _dense_unit(x, width, activation, dropout, f"{name}_block{block}_{unit}")
        x = keras.layers.Add(name=f"{name}_block{block}_add")([skip, x])
    return MaxNormDense(OUTPUT_DIM, name=f"{name}_out")(x)


def build_lifter(streams: Iterable[str] = STREAM_CHOICES, activation: str = "selu",
                 width: int = 1024, num_blocks: int = 2, dropout: float = 0.5) -> keras.Model:
    """A Keras model with one named (B, 32) input per stream and the streams' mean output."""
    streams = tuple(streams)
    if not streams or any(s not in STREAM_CHOICES for s in streams) or len(set(streams)) != len(
            streams):
        raise ValueError(f"streams must be a non-empty subset of {STREAM_CHOICES}, got {streams}")
    inputs = {s: keras.Input((INPUT_DIM,), name=STREAM_INPUTS[s]) for s in streams}
    outputs = [stream_output(inputs[s], s, activation, width, num_blocks, dropout)
               for s in streams]
    output = outputs[0] if len(outputs) == 1 else keras.layers.Average(name="average")(outputs)
    return keras.Model({STREAM_INPUTS[s]: inputs[s] for s in streams}, output,
                       name=f"lifter_{'_'.join(streams)}_{activation}")
