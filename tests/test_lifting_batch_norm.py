import keras
import numpy as np
import pytest
import tensorflow as tf

from lifting import batch_norm
from lifting.config import LifterConfig
from lifting.data import Normalization
from lifting.model import build_lifter
from lifting.trainer import TrainSettings, compiled_model


def _twin_layers(features: int, rank: int = 2):
    """A Keras BatchNormalization and a fused one with the same, non-trivial variables, for
    inputs of RANK axes."""
    rng = np.random.default_rng(0)
    reference, fused = keras.layers.BatchNormalization(), batch_norm.BatchNormalization()
    reference.build((None,) * (rank - 1) + (features,))
    fused.build((None,) * (rank - 1) + (features,))
    values = [rng.normal(size=features), rng.normal(size=features), rng.normal(size=features),
              rng.uniform(0.5, 2.0, size=features)]  # gamma, beta, moving mean, moving var
    for layer in (reference, fused):
        layer.set_weights([v.astype(np.float32) for v in values])
    return reference, fused


@pytest.mark.parametrize("shape", [(1, 12), (7, 12), (256, 12), (5, 9, 12)])
def test_training_step_matches_keras_batch_norm(shape):
    # (5, 9, 12): the temporal lifter's (batch, frames, channels), normalised over both.
    reference, fused = _twin_layers(features=12, rank=len(shape))
    inputs = tf.constant(np.random.default_rng(shape[0]).normal(3.0, 2.0, size=shape),
                         tf.float32)
    upstream = tf.constant(np.random.default_rng(99).normal(size=shape), tf.float32)
    results = []
    for layer in (reference, fused):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = layer(inputs, training=True)
            loss = tf.reduce_sum(outputs * upstream)
        gradients = tape.gradient(loss, [inputs, layer.gamma, layer.beta])
        results.append([outputs, *gradients, layer.moving_mean, layer.moving_variance])
    for expected, got in zip(*results):
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-4, atol=1e-4)


def test_inference_uses_the_moving_statistics():
    reference, fused = _twin_layers(features=5)
    inputs = np.random.default_rng(3).normal(size=(4, 5)).astype(np.float32)
    np.testing.assert_allclose(fused(inputs, training=False), reference(inputs, training=False),
                               atol=1e-6)


def test_weights_saved_with_keras_batch_norm_load_into_the_lifter(tmp_path):
    # Lifters trained before this layer existed stored keras.layers.BatchNormalization weights.
    lifter = build_lifter(["gt"], width=16)
    plain = keras.models.clone_model(lifter, clone_function=lambda layer: (
        keras.layers.BatchNormalization(name=layer.name)
        if isinstance(layer, batch_norm.BatchNormalization) else layer.__class__.from_config(
            layer.get_config())))
    rng = np.random.default_rng(4)
    plain.set_weights([rng.normal(size=w.shape).astype(np.float32) ** 2 + 0.1
                       for w in plain.get_weights()])
    path = str(tmp_path / "plain.weights.h5")
    plain.save_weights(path)
    lifter.load_weights(path)
    inputs = rng.normal(size=(3, 32)).astype(np.float32)
    np.testing.assert_allclose(lifter(inputs, training=False), plain(inputs, training=False),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("batch, fused", [(64, False), (1024, True)])
def test_the_fused_kernel_is_used_only_outside_xla(batch, fused):
    # XLA compiles the small-batch train step, and compiles the fused kernel badly.
    settings = TrainSettings(model_dir="unused", architecture=LifterConfig(streams=("gt",),
                                                                            width=16),
                             batch_size=batch)
    model, _ = compiled_model(settings, Normalization.identity())
    layers = [layer for layer in model.layers if isinstance(layer, batch_norm.BatchNormalization)]
    assert len(layers) == 5 and all(layer.fused is fused for layer in layers)
