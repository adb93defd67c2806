"""The two-stream lifter of Pham et al. on the residual MLP of Martinez et al.

One stream: Linear(1024) -> BN -> activation -> Dropout, two residual blocks of that unit
twice, then Linear(48). Every weight matrix is used clipped to norm 1 (Martinez's max-norm):
like their code, the clip is applied where the weight is used, in the forward pass, so the
stored weights keep their initial scale and gradients flow through the clip. (A projection of
the stored weights after each step, a Keras constraint, shrinks a 1024x1024 He-initialised
matrix 45-fold; Adam's fixed-size steps then rewrite the weights wholesale every step and
training stalls: docs/EXPERIMENTS.md has the figures.)

The two-stream model runs a stream on ground-truth 2D and one on detected 2D and averages
their outputs; a single-stream model is the Martinez baseline with the same code. For training,
`supervised_view` exposes each stream's own output next to the average, so each stream can be
held to the target by itself (a loss on the average alone leaves either stream free to be wrong
as long as the other compensates, and stream B alone then misses badly: docs/EXPERIMENTS.md).
"""
from __future__ import annotations

from typing import Iterable

import keras
import numpy as np
import tensorflow as tf

from lifting import batch_norm
from lifting.data import INPUT_DIM, OUTPUT_DIM, STREAM_INPUTS

STREAM_CHOICES = ("gt", "detected")


@keras.saving.register_keras_serializable(package="lifting")
class MaxNormDense(keras.layers.Dense):
    """A Dense layer whose whole kernel is clipped to Frobenius norm <= max_norm when used."""

    def __init__(self, units: int, max_norm: float = 1.0, **kwargs):
        super().__init__(units, kernel_initializer="he_normal", **kwargs)
        self.max_norm = max_norm

    def kernel_scale(self) -> tf.Tensor:
        """The clip's factor: 1 up to norm max_norm, max_norm / ||kernel|| above it.

        Written on the squared norm so that a zero kernel has a zero gradient, not NaN.
        """
        squared_norm = tf.reduce_sum(tf.square(self.kernel))
        return self.max_norm * tf.math.rsqrt(tf.maximum(squared_norm, self.max_norm ** 2))

    def effective_kernel(self) -> tf.Tensor:
        return self.kernel * self.kernel_scale()

    def call(self, inputs):
        # (x W) s is x (W s), but the scalar meets the (B, units) product instead of the
        # kernel: no clipped copy of each kernel per step, and a cheaper backward pass
        # (the speed-up is measured in docs/EXPERIMENTS.md).
        return tf.matmul(inputs, self.kernel) * self.kernel_scale() + self.bias

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("kernel_initializer", None)
        return {**config, "max_norm": self.max_norm}


def _dense_unit(x, width: int, activation: str, dropout: float, name: str):
    x = MaxNormDense(width, name=f"{name}_dense")(x)
    x = batch_norm.BatchNormalization(name=f"{name}_bn")(x)
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


POSE_OUTPUT = "pose"


def streams_of(model: keras.Model) -> list[str]:
    """The streams a lifter built by `build_lifter` has, in STREAM_CHOICES order."""
    return [s for s in STREAM_CHOICES if STREAM_INPUTS[s] in model.input]


def supervised_view(model: keras.Model) -> keras.Model:
    """The same layers with outputs {"pose": the average, stream name: that stream's output}.

    A single-stream model has only "pose".

    It shares every variable with MODEL, so training it trains MODEL; inference and export keep
    using MODEL's single output.
    """
    streams = streams_of(model)
    outputs = {POSE_OUTPUT: model.output}
    if len(streams) > 1:
        outputs.update({s: model.get_layer(f"{s}_out").output for s in streams})
    return keras.Model(model.input, outputs, name=f"{model.name}_supervised")


class _PassThrough(keras.layers.Layer):
    """Identity that accepts the training/mask arguments BatchNorm and Dropout were called with."""

    def call(self, inputs, training=None, mask=None):
        return inputs


def serving_copy(model: keras.Model) -> keras.Model:
    """The same function with each max-norm clip and BatchNorm folded into its Dense kernel.

    At inference the clipped kernel and the BN affine map are constants, yet the training
    graph recomputes the clip (a pass over all 4.3M weights and a clipped copy) on every call:
    at batch 1 that memory traffic, not the matmuls, dominates. Dropout becomes identity.
    """
    weights = {layer.name: [layer.effective_kernel().numpy(), layer.bias.numpy()]
               for layer in model.layers if isinstance(layer, MaxNormDense)}
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            dense = layer.name.removesuffix("_bn") + "_dense"  # the naming of _dense_unit
            kernel, bias = weights[dense]
            scale = layer.gamma.numpy() / np.sqrt(layer.moving_variance.numpy() + layer.epsilon)
            weights[dense] = [kernel * scale,
                              (bias - layer.moving_mean.numpy()) * scale + layer.beta.numpy()]

    def plain(layer):
        if isinstance(layer, MaxNormDense):
            return keras.layers.Dense(layer.units, name=layer.name)
        if isinstance(layer, (keras.layers.BatchNormalization, keras.layers.Dropout)):
            return _PassThrough(name=layer.name)
        return layer.__class__.from_config(layer.get_config())

    copy = keras.models.clone_model(model, clone_function=plain)
    for layer in copy.layers:
        if layer.name in weights:
            layer.set_weights(weights[layer.name])
    return copy
