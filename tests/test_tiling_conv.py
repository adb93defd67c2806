"""The temporal lifter's tiling convolution: Keras's Conv1D, computed as a matrix product."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from lifting import tiling_conv


def _twins(**settings):
    """Keras's Conv1D and the tiling one with the same random kernel (and bias)."""
    reference, tiling = keras.layers.Conv1D(**settings), tiling_conv.Conv1D(**settings)
    for layer in (reference, tiling):
        layer.build((None, None, 5))
    rng = np.random.default_rng(1)
    values = [rng.normal(size=w.shape).astype(np.float32) for w in reference.get_weights()]
    reference.set_weights(values)
    tiling.set_weights(values)
    return reference, tiling


@pytest.mark.parametrize("settings, length", [
    (dict(filters=4, kernel_size=3, strides=3, use_bias=False), 27),
    (dict(filters=4, kernel_size=3, strides=3, activation="relu"), 11),  # a partial block
    (dict(filters=4, kernel_size=1), 9),
    (dict(filters=4, kernel_size=3, dilation_rate=3, use_bias=False), 20),  # overlapping
])
def test_outputs_and_gradients_equal_keras_conv1d(settings, length):
    reference, tiling = _twins(**settings)
    inputs = tf.constant(np.random.default_rng(2).normal(size=(6, length, 5)), tf.float32)
    results = []
    for layer in (reference, tiling):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = layer(inputs)
            loss = tf.reduce_sum(outputs * tf.cos(outputs))
        results.append([outputs, *tape.gradient(loss, [inputs, *layer.trainable_variables])])
    assert results[0][0].shape == results[1][0].shape
    for expected, got in zip(*results):
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-4, atol=1e-4)


def test_only_non_overlapping_valid_windows_take_the_matrix_product():
    assert tiling_conv.Conv1D(4, 3, strides=3)._tiles()
    assert tiling_conv.Conv1D(4, 1)._tiles()
    assert not tiling_conv.Conv1D(4, 3)._tiles()
    assert not tiling_conv.Conv1D(4, 3, strides=3, padding="same")._tiles()
    assert not tiling_conv.Conv1D(4, 3, dilation_rate=3)._tiles()
