"""TensorFlow's fused batch-norm kernel in training mode, as both stages' BatchNorm layers use it.

The lifter and the ENAS child normalise a training batch the same way: `FusedBatchNormV3`
and its gradient in a few passes instead of Keras's chain of moments, subtract, scale and
shift (the speed figures are in BUILD_NOTES.md). They differ in one thing only, the variance
they feed into their moving averages. The kernel returns it with Bessel's correction, which
is what the original ENAS keeps; Keras keeps the biased variance, and the lifter must too so
that its weights load into a plain Keras BatchNormalization and give the same poses. That
difference is the `bessel_corrected` argument here; each layer keeps its own variables and
moving-average rule (the lifter Keras's, the child the original's zero-debiased average).
"""
from __future__ import annotations

import tensorflow as tf


def normalise_training_batch(inputs: tf.Tensor, gamma: tf.Variable, beta: tf.Variable,
                             epsilon: float, bessel_corrected: bool
                             ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Batch-normalises NHWC or (batch, features) INPUTS over all but the last axis.

    Returns the normalised tensor in INPUTS' shape, the batch mean and the batch variance,
    Bessel-corrected or biased as asked (a batch of one value per channel has variance 0
    when biased, as in Keras).
    """
    channels = inputs.shape[-1]
    images = inputs if inputs.shape.rank == 4 else tf.reshape(inputs, (-1, 1, 1, channels))
    normalised, mean, variance = tf.compat.v1.nn.fused_batch_norm(
        images, gamma, beta, epsilon=epsilon, is_training=True)
    if not bessel_corrected:
        count = tf.cast(tf.size(images) // channels, variance.dtype)
        variance = variance * (count - 1.0) / count
    if images is not inputs:
        normalised = tf.reshape(normalised, tf.shape(inputs))
    return normalised, mean, variance


def update_moving_average(average: tf.Variable, value: tf.Tensor, momentum: float) -> None:
    """AVERAGE <- AVERAGE * momentum + VALUE * (1 - momentum)."""
    average.assign(average * momentum + value * (1.0 - momentum))
