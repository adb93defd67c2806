"""The shared fused training pass: both variances, both input ranks, against tf.nn.moments."""
import numpy as np
import pytest
import tensorflow as tf

from common.fused_batch_norm import normalise_training_batch, update_moving_average


@pytest.mark.parametrize("shape", [(9, 5), (4, 3, 2, 5)])
def test_training_batch_matches_moments_with_the_asked_variance(shape):
    inputs = tf.constant(np.random.default_rng(0).normal(2.0, 3.0, size=shape), tf.float32)
    gamma, beta = tf.Variable(tf.fill([5], 1.5)), tf.Variable(tf.fill([5], -0.5))
    mean, biased = tf.nn.moments(inputs, axes=list(range(len(shape) - 1)))
    count = np.prod(shape[:-1])
    for bessel_corrected, variance in ((False, biased), (True, biased * count / (count - 1))):
        outputs, got_mean, got_variance = normalise_training_batch(
            inputs, gamma, beta, 1e-5, bessel_corrected=bessel_corrected)
        assert outputs.shape == shape
        np.testing.assert_allclose(got_mean, mean, atol=1e-5)
        np.testing.assert_allclose(got_variance, variance, rtol=1e-5)
        expected = (inputs - mean) / tf.sqrt(biased + 1e-5) * 1.5 - 0.5
        np.testing.assert_allclose(outputs, expected, atol=1e-4)


def test_a_single_value_per_channel_has_zero_biased_variance():
    inputs = tf.constant([[1.0, 2.0]])
    ones, zeros = tf.Variable([1.0, 1.0]), tf.Variable([0.0, 0.0])
    _, _, variance = normalise_training_batch(inputs, ones, zeros, 1e-3, bessel_corrected=False)
    np.testing.assert_array_equal(variance, [0.0, 0.0])


def test_moving_average_moves_by_one_minus_momentum():
    average = tf.Variable([10.0])
    update_moving_average(average, tf.constant([0.0]), momentum=0.9)
    np.testing.assert_allclose(average, [9.0])
