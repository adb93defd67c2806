"""Keras's Conv1D, trained as one matrix product when its windows tile the sequence.

The temporal lifter's window form uses convolutions whose stride equals their width (and a
1x1 convolution, stride 1 width 1): each output position reads its own block of `width`
frames, no block overlaps another. Such a convolution is exactly a matrix product of the
sequence cut into blocks, (B * T / width, width * C_in), with the kernel laid out as
(width * C_in, C_out). TensorFlow's CPU kernels differentiate that product four to five times
faster than the strided convolution's backprop (docs/EXPERIMENTS.md, measured side by side),
and the window form spends almost all its training step there.

The layer is a Conv1D: the same kernel variable of shape (width, C_in, C_out), the same
outputs, the same sequence-form (dilated, stride 1) path, which it leaves to Keras. It keeps
Keras's class name because a Keras weights file addresses each layer by its class name, so a
model built with either layer loads the other's weights.
"""
from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="lifting")
class Conv1D(keras.layers.Conv1D):
    """Conv1D whose non-overlapping windows (stride = width, no dilation, valid padding) are
    computed as a matrix product; any other setting is Keras's own convolution."""

    def call(self, inputs):
        if not self._tiles():
            return super().call(inputs)
        width = self.kernel_size[0]
        channels = inputs.shape[-1]
        batch, length = tf.shape(inputs)[0], tf.shape(inputs)[1]
        blocks = length // width
        # Valid padding drops a last partial block, as the convolution would.
        rows = tf.reshape(inputs[:, :blocks * width], (-1, width * channels))
        outputs = tf.matmul(rows, tf.reshape(self.kernel, (width * channels, self.filters)))
        if self.use_bias:
            outputs = tf.nn.bias_add(outputs, self.bias)
        outputs = tf.reshape(outputs, (batch, blocks, self.filters))
        return self.activation(outputs)

    def _tiles(self) -> bool:
        """Whether the windows tile the input: each input frame is read by one output only."""
        return (self.strides[0] == self.kernel_size[0] and self.dilation_rate[0] == 1
                and self.padding == "valid" and self.groups == 1
                and self.data_format == "channels_last")
