import keras
import numpy as np
import pytest
import tensorflow as tf

from lifting import metrics
from lifting.model import MaxNormDense, build_lifter


def test_one_stream_has_the_martinez_size():
    # Martinez et al. report about 4.29M parameters for this network.
    assert build_lifter(["gt"]).count_params() == 4_301_872
    assert build_lifter().count_params() == 2 * 4_301_872


def test_two_streams_average_their_outputs():
    model = build_lifter(width=32)
    rng = np.random.default_rng(0)
    inputs = {"gt_2d": rng.normal(size=(5, 32)), "detected_2d": rng.normal(size=(5, 32))}
    both = model(inputs, training=False)
    stream_a = keras.Model(model.input["gt_2d"], model.get_layer("gt_out").output)
    stream_b = keras.Model(model.input["detected_2d"], model.get_layer("detected_out").output)
    expected = (stream_a(inputs["gt_2d"]) + stream_b(inputs["detected_2d"])) / 2
    np.testing.assert_allclose(both, expected, atol=1e-5)


def test_every_weight_matrix_is_used_clipped_to_norm_one():
    model = build_lifter(["detected"], activation="relu", width=64)
    model.compile(keras.optimizers.Adam(1e-3), loss="mse")
    rng = np.random.default_rng(1)
    model.fit(rng.normal(size=(64, 32)), rng.normal(size=(64, 48)), verbose=0, epochs=2)
    dense = [layer for layer in model.layers if isinstance(layer, MaxNormDense)]
    assert len(dense) == 6
    for layer in dense:
        stored = np.linalg.norm(layer.kernel.numpy())
        used = np.linalg.norm(layer.effective_kernel().numpy())
        assert stored > 1.5 and used == pytest.approx(1.0, rel=1e-5)  # clipped, not shrunk
        x = rng.normal(size=(3, layer.kernel.shape[0])).astype(np.float32)
        expected = x @ (layer.kernel.numpy() / stored) + layer.bias.numpy()
        np.testing.assert_allclose(layer(x), expected, rtol=1e-4, atol=1e-5)
    assert any(layer.name.endswith("_relu") for layer in model.layers)


@pytest.mark.parametrize("kernel_scale", [3.0, 0.01, 0.0])
def test_max_norm_dense_computes_the_clipped_kernel_product_and_its_gradients(kernel_scale):
    # The layer scales the product x W, not W; values and gradients must be those of
    # x clip_by_norm(W) + b, whether the clip acts (norm 3x above 1), does not (norm 0.01x),
    # or the kernel is zero (where a plain norm's gradient would be NaN).
    layer = MaxNormDense(16)
    layer.build((None, 24))
    rng = np.random.default_rng(3)
    kernel = rng.normal(size=(24, 16)).astype(np.float32)
    layer.kernel.assign(kernel_scale * kernel / np.linalg.norm(kernel))
    layer.bias.assign(rng.normal(size=16).astype(np.float32))
    x = tf.constant(rng.normal(size=(5, 24)).astype(np.float32))
    weights = rng.normal(size=(5, 16)).astype(np.float32)  # a loss that weighs every output

    def reference(inputs):
        return tf.matmul(inputs, tf.clip_by_norm(layer.kernel, 1.0)) + layer.bias

    results = []
    for function in (layer, reference):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            loss = tf.reduce_sum(function(x) * weights)
        results.append([function(x), *tape.gradient(loss, [x, layer.kernel, layer.bias])])
    for ours, expected in zip(*results):
        assert np.all(np.isfinite(ours))
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("streams", [[], ["gt", "gt"], ["rgb"]])
def test_bad_stream_lists_are_rejected(streams):
    with pytest.raises(ValueError, match="streams must be"):
        build_lifter(streams)


def test_protocol_errors():
    rng = np.random.default_rng(2)
    target = rng.normal(0, 300, (10, 17, 3))
    shifted = target + np.array([3.0, 4.0, 0.0])
    np.testing.assert_allclose(metrics.mpjpe(shifted, target), 5.0)
    np.testing.assert_allclose(metrics.pa_mpjpe(shifted, target), 0.0, atol=1e-3)
    action = np.array([0] * 9 + [1])
    predicted = target.copy()
    predicted[9] += np.array([0.0, 0.0, 17.0])
    report = metrics.per_action_report(predicted, target, action, ("a", "b"))
    assert report["per_action"]["a"]["p1"] == 0.0 and report["per_action"]["b"]["p1"] == 17.0
    assert report["average"]["p1"] == 8.5  # the mean over actions, not over frames
    assert set(report["average"]) == {"p1", "p2", "p3"}


def test_protocol_3_forgives_the_size_and_nothing_else():
    rng = np.random.default_rng(4)
    target = metrics.with_root(rng.normal(0, 300, (6, 16, 3)))
    np.testing.assert_allclose(metrics.n_mpjpe(1.2 * target, target), 0.0, atol=1e-6)
    assert metrics.mpjpe(1.2 * target, target).min() > 10
    turned = target @ np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert np.all(metrics.n_mpjpe(turned, target) > 0.5 * metrics.mpjpe(turned, target))


def test_keras_metric_matches_numpy():
    rng = np.random.default_rng(3)
    std = rng.uniform(10, 100, 48).astype(np.float32)
    y_true, y_pred = rng.normal(size=(4, 48)), rng.normal(size=(4, 48))
    keras_value = metrics.mpjpe_metric(std)(y_true.astype(np.float32), y_pred.astype(np.float32))
    as_mm = lambda y: metrics.with_root((y * std).reshape(-1, 16, 3))
    np.testing.assert_allclose(keras_value, metrics.mpjpe(as_mm(y_pred), as_mm(y_true)),
                               rtol=1e-5)


def test_serving_copy_folds_clip_and_batch_norm_without_changing_outputs():
    from lifting.model import serving_copy
    model = build_lifter(width=64)
    rng = np.random.default_rng(3)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.gamma.assign(rng.uniform(0.5, 2, n))
            layer.beta.assign(rng.normal(size=n))
            layer.moving_mean.assign(rng.normal(size=n))
            layer.moving_variance.assign(rng.uniform(0.2, 3, n))
    for layer in model.layers:
        if isinstance(layer, MaxNormDense):
            layer.kernel.assign(layer.kernel * 5.0)  # norms well above 1: the clip matters
    inputs = {name: rng.normal(size=(9, 32)).astype(np.float32) for name in model.input}
    served = serving_copy(model)
    np.testing.assert_allclose(served(inputs, training=False), model(inputs, training=False),
                               rtol=1e-4, atol=1e-5)
    kinds = {type(layer).__name__ for layer in served.layers}
    assert "MaxNormDense" not in kinds and "BatchNormalization" not in kinds
    assert served.count_params() < model.count_params()


def test_limb_length_variation_is_zero_for_a_rigid_body_and_grows_with_stretching():
    from datasets import synthetic
    from lifting.metrics import limb_length_variation

    poses = synthetic.generate(0).sequences.sequences[0].joints[:50].astype(np.float64)
    rigid = np.repeat(poses[:1], 50, axis=0)
    assert max(limb_length_variation(rigid).values()) < 1e-6
    stretched = rigid.copy()
    stretched[::2, 3] += (stretched[::2, 3] - stretched[::2, 2]) * 0.5  # right shin, +50%
    variation = limb_length_variation(stretched)
    assert variation["RKnee-RFoot"] > 0.15 and variation["LKnee-LFoot"] < 1e-6


def test_the_mpjpe_loss_has_a_finite_gradient_at_a_perfect_pose():
    import tensorflow as tf
    std = np.full(48, 50.0, np.float32)
    y_true = tf.zeros((2, 48))
    y_pred = tf.Variable(tf.zeros((2, 48)))
    with tf.GradientTape() as tape:
        value = tf.reduce_mean(metrics.mpjpe_metric(std)(y_true, y_pred))
    assert float(value) < 1e-3
    assert np.isfinite(tape.gradient(value, y_pred).numpy()).all()
