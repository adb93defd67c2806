"""Keras's BatchNormalization, trained on TensorFlow's fused kernel.

Keras 3 normalises a training batch with a chain of separate ops (moments, subtract, scale,
shift) and differentiates each of them, a sizeable share of the lifter's train step (the
profile is in docs/EXPERIMENTS.md). TensorFlow's fused kernel (`FusedBatchNormV3` and its
gradient) does the same arithmetic in a few passes (`common.fused_batch_norm`), and the
one-stream train step at large batches runs faster with it.

The layer is a BatchNormalization: the same variables, the same formulas, the same inference
path. Keras keeps the biased batch variance in its moving average, and so does this layer,
so weights trained with either layer load into the other and give the same poses. It keeps
Keras's class name because a Keras weights file addresses each layer by its class name, so
a model built with either layer loads the other's weights.
"""
from __future__ import annotations

import keras
import tensorflow as tf

from common.fused_batch_norm import normalise_training_batch, update_moving_average


@keras.saving.register_keras_serializable(package="lifting")
class BatchNormalization(keras.layers.BatchNormalization):
    """BatchNormalization over the last axis of (batch, ..., features) inputs (the frame
    lifter's poses, the temporal lifter's frames), fused in training.

    `fused=False` keeps Keras's op chain, which XLA fuses better than it compiles the fused
    kernel (the batch-64 XLA train step: about 300 examples/s fused against 1,200 unfused).
    """

    def __init__(self, fused: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.fused = fused

    def call(self, inputs, training=None, mask=None):
        if not (self.fused and training and self.trainable) or not self._fusable(inputs, mask):
            return super().call(inputs, training=training, mask=mask)
        normalised, mean, variance = normalise_training_batch(
            tf.cast(inputs, tf.float32), self.gamma, self.beta, self.epsilon,
            bessel_corrected=False)
        update_moving_average(self.moving_mean, mean, self.momentum)
        update_moving_average(self.moving_variance, variance, self.momentum)
        return tf.cast(normalised, self.compute_dtype)

    def _fusable(self, inputs, mask) -> bool:
        """Whether the fused kernel computes exactly what Keras would for these settings."""
        last_axis = len(inputs.shape) - 1
        return (mask is None and last_axis >= 1 and self.axis in (-1, last_axis)
                and self.center and self.scale and not self.renorm and not self.synchronized)

    def get_config(self) -> dict:
        return {**super().get_config(), "fused": self.fused}


def fuse_for_compiler(model: keras.Model, jit_compile: bool) -> None:
    """Lets MODEL's batch norms use the fused kernel unless its train step is XLA-compiled."""
    for layer in model.layers:
        if isinstance(layer, BatchNormalization):
            layer.fused = not jit_compile
