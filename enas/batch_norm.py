"""BatchNorm on TF's fused kernel, as the original ENAS uses (`tf.nn.fused_batch_norm`).

Keras's BatchNormalization composes moments and several element-wise ops and takes nearly
twice as long as the fused kernel on a training-mode call (docs/EXPERIMENTS.md, "ENAS"), and
the child runs two or three of them per layer. Semantics follow the original:
batch statistics in training, moving averages with decay `momentum` updated from the fused
kernel's batch mean and (Bessel-corrected) variance, moving statistics at inference.

The moving averages are TF1's `assign_moving_average` with its default `zero_debias=True`,
as the original's `batch_norm` uses: a biased average from 0 and an update count t per
layer, read as biased / (1 - momentum^t), so a layer updated a few times already holds its
data's statistics. `zero_debias=False` is the plain average from (0, 1) of the original's
`batch_norm_with_mask` (the search's branch-output BNs). In the search, where a branch runs
only when sampled, the difference decides whether its moving statistics mean anything.
"""
from __future__ import annotations

import keras
import tensorflow as tf

from common.fused_batch_norm import normalise_training_batch, update_moving_average


@keras.saving.register_keras_serializable(package="enas")
class FusedBatchNorm(keras.layers.Layer):
    """Per-channel BatchNorm of NHWC tensors with learned scale and offset."""

    def __init__(self, momentum: float = 0.9, epsilon: float = 1e-5, zero_debias: bool = True,
                 **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.epsilon = epsilon
        self.zero_debias = zero_debias

    def build(self, input_shape) -> None:
        channels = (input_shape[-1],)

        def weight(name: str, initializer: str, trainable: bool):
            return self.add_weight(shape=channels, initializer=initializer, name=name,
                                   trainable=trainable, autocast=False)

        self.gamma = weight("gamma", "ones", True)
        self.beta = weight("beta", "zeros", True)
        self.moving_mean = weight("moving_mean", "zeros", False)
        self.moving_variance = weight("moving_variance", "ones", False)
        if self.zero_debias:
            self.biased_mean = weight("biased_mean", "zeros", False)
            self.biased_variance = weight("biased_variance", "zeros", False)
            self.updates = self.add_weight(shape=(), initializer="zeros", name="updates",
                                           trainable=False, autocast=False)

    def call(self, inputs, training=False):
        if not training:
            outputs, _, _ = tf.compat.v1.nn.fused_batch_norm(
                inputs, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                epsilon=self.epsilon, is_training=False)
            return outputs
        outputs, mean, variance = normalise_training_batch(
            inputs, self.gamma, self.beta, self.epsilon, bessel_corrected=True)
        decay = self.momentum
        if not self.zero_debias:
            update_moving_average(self.moving_mean, mean, decay)
            update_moving_average(self.moving_variance, variance, decay)
            return outputs
        self.updates.assign_add(1.0)
        correction = 1.0 - tf.pow(decay, self.updates)
        for biased, value, moving in ((self.biased_mean, mean, self.moving_mean),
                                      (self.biased_variance, variance, self.moving_variance)):
            update_moving_average(biased, value, decay)
            moving.assign(biased / correction)
        return outputs

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon,
                "zero_debias": self.zero_debias}
