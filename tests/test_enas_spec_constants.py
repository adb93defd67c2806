"""ENAS_SPEC items that are constants or one-line formulas, each pinned here."""
import numpy as np
import pytest
import tensorflow as tf

from enas import arc as arc_lib
from enas.batch_norm import FusedBatchNorm
from enas.child import ChildConfig, SharedChild
from enas.controller import Controller, ControllerConfig
from enas.data import ImageSplits
from enas.fixed import build_fixed_model
from enas.searcher import Search, SearchConfig, clip_gradients, l2_of
from enas.schedule import CosineSchedule
from tests.test_enas_controller import numpy_statistics


def test_batch_norm_constants():
    child = SharedChild(ChildConfig(num_layers=2, out_filters=4, num_classes=3),
                        image_shape=(4, 4, 3))
    assert (child.stem_bn.momentum, child.stem_bn.epsilon) == (0.9, 1e-5)
    assert child.skip_bns[0].epsilon == 1e-5
    branch = child.branches[0][0]
    assert (branch.inp_bn.epsilon, branch.out_bn.epsilon) == (1e-5, 1e-3)
    assert child.branches[0][4].out_bn is None  # pooling branches end with the pool


def test_fused_batch_norm_follows_the_originals_formulas():
    rng = np.random.default_rng(4)
    x = (rng.normal(size=(6, 5, 5, 3)) * [1.0, 3.0, 0.5] + [2.0, -1.0, 0.0]).astype(np.float32)
    layer = FusedBatchNorm(momentum=0.9, epsilon=1e-3, zero_debias=False)
    layer.build(x.shape)
    layer.gamma.assign([1.0, 2.0, 0.5])
    layer.beta.assign([0.0, 1.0, -1.0])
    trained = layer(x, training=True).numpy()
    mean, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
    expected = (x - mean) / np.sqrt(var + 1e-3) * [1.0, 2.0, 0.5] + [0.0, 1.0, -1.0]
    np.testing.assert_allclose(trained, expected, rtol=1e-4, atol=1e-4)
    n = 6 * 5 * 5  # the fused kernel hands the moving average the unbiased variance
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * var * n / (n - 1),
                               rtol=1e-5)
    inferred = layer(x, training=False).numpy()
    expected = ((x - layer.moving_mean.numpy()) / np.sqrt(layer.moving_variance.numpy() + 1e-3)
                * [1.0, 2.0, 0.5] + [0.0, 1.0, -1.0])
    np.testing.assert_allclose(inferred, expected, rtol=1e-4, atol=1e-4)


def test_zero_debiased_moving_averages_read_the_data_from_the_first_update():
    """TF1's assign_moving_average(zero_debias=True): biased EMA from 0 over 1 - decay^t."""
    rng = np.random.default_rng(5)
    batches = [(rng.normal(size=(4, 3, 3, 2)) * 2 + 5).astype(np.float32) for _ in range(3)]
    layer = FusedBatchNorm(momentum=0.9)
    layer.build(batches[0].shape)
    biased_mean, biased_variance, n = np.zeros(2), np.zeros(2), 4 * 3 * 3
    for t, x in enumerate(batches, 1):
        layer(x, training=True)
        biased_mean = 0.9 * biased_mean + 0.1 * x.mean((0, 1, 2))
        biased_variance = 0.9 * biased_variance + 0.1 * x.var((0, 1, 2)) * n / (n - 1)
        np.testing.assert_allclose(layer.moving_mean.numpy(), biased_mean / (1 - 0.9 ** t),
                                   rtol=1e-5)
        np.testing.assert_allclose(layer.moving_variance.numpy(),
                                   biased_variance / (1 - 0.9 ** t), rtol=1e-5)


def test_only_the_branch_output_batch_norms_are_plain_averages():
    child = SharedChild(ChildConfig(num_layers=3, out_filters=4), image_shape=(8, 8, 3))
    plain = [layer.name for layer in _batch_norms(child) if not layer.zero_debias]
    assert plain and all(name == "out_bn" for name in plain)
    assert sum(1 for _ in _batch_norms(child)) > len(plain) + 10
    model = build_fixed_model(arc_lib.parse("0 | 3 1 | 4 0 1"), 3, 4, input_shape=(8, 8, 3))
    assert all(layer.zero_debias for layer in model.layers if isinstance(layer, FusedBatchNorm))


def _batch_norms(child):
    layers = [child.stem_bn, *child.skip_bns]
    layers += [layer for branches in child.branches for branch in branches
               for layer in (branch.inp_bn, branch.out_bn) if layer is not None]
    layers += [reduction.bn for reductions in child.reductions for reduction in reductions]
    assert all(isinstance(layer, FusedBatchNorm) for layer in layers)
    return layers


def test_temperature_divides_the_logits_before_tanh():
    controller = Controller(ControllerConfig(num_layers=3, temperature=5.0, tanh_constant=2.5),
                            seed=11)
    arc = arc_lib.parse("1 | 4 1 | 2 0 1")
    stats = controller.score(arc)
    # The numpy reference applies tanh_constant * tanh(logits); fold the temperature in.
    scaled = Controller(ControllerConfig(num_layers=3, tanh_constant=2.5), seed=11)
    for source, target in zip(controller.trainable_variables, scaled.trainable_variables):
        target.assign(source)
    scaled.w_soft.assign(controller.w_soft / 5.0)
    scaled.v_attn.assign(controller.v_attn / 5.0)
    log_prob, _, _ = numpy_statistics(scaled, arc, tanh_constant=2.5)
    assert stats["log_prob"].numpy() == pytest.approx(log_prob, rel=1e-5)


def test_l2_is_the_plain_sum_of_squares():
    variables = [tf.Variable([1.0, 2.0]), tf.Variable([[3.0]])]
    assert float(l2_of(variables)) == 14.0


def test_child_gradients_are_clipped_as_configured():
    """FIX: the original computed the clip and applied the raw gradients."""
    rng = np.random.default_rng(0)
    images = rng.normal(size=(16, 8, 8, 3)).astype(np.float32) * 10
    labels = rng.integers(0, 3, 16).astype(np.int32)
    data = ImageSplits((images, labels), (images, labels), (images, labels), 3,
                       np.zeros(3, np.float32), np.ones(3, np.float32))
    search = Search(SearchConfig(output_dir="", batch_size=16, grad_bound=1e-3, l2_reg=0.0,
                                 schedule=CosineSchedule(lr_max=0.05),
                                 child=ChildConfig(num_layers=2, out_filters=4)), data)
    before = [v.numpy().copy() for v in search.child.trainable_variables]
    stats = search.child_step(tf.constant(images), tf.constant(labels))
    moved = [np.sqrt(np.sum((v.numpy() - b) ** 2))
             for v, b in zip(search.child.trainable_variables, before)]
    assert float(stats["grad_norm"]) > 1e-2  # the raw gradient is far above the bound
    step = (1 + 0.9) * 0.05 * 1e-3  # the first Nesterov step of a gradient of norm 1e-3
    # Per tensor (the original's clip_mode="norm"): every tensor moves at most one clipped
    # step, and several move exactly that, so together they exceed a global-norm clip's step.
    assert max(moved) <= step * 1.001 and sum(m > step * 0.999 for m in moved) >= 2
    assert np.sqrt(np.sum(np.square(moved))) > step * 1.01


def test_the_clip_modes_bound_each_tensor_or_all_together():
    gradients = [tf.constant([3.0, 4.0]), tf.constant([0.3, 0.4])]
    per_tensor = clip_gradients(gradients, 1.0, "norm")
    np.testing.assert_allclose(per_tensor[0].numpy(), [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(per_tensor[1].numpy(), [0.3, 0.4], rtol=1e-6)  # under the bound
    joint = clip_gradients(gradients, 1.0, "global")
    np.testing.assert_allclose(np.sqrt(sum(np.sum(g.numpy() ** 2) for g in joint)), 1.0,
                               rtol=1e-6)
    with pytest.raises(ValueError, match="clip mode"):
        clip_gradients(gradients, 1.0, "value")


def test_kernels_start_from_tf1s_uncorrected_truncated_he_normal():
    child = SharedChild(ChildConfig(num_layers=2, out_filters=64), image_shape=(8, 8, 3))
    kernel = child.branches[1][2].out_op.kernel.numpy()  # a 5x5 conv, fan_in 25 * 64
    fan_in = 5 * 5 * 64
    # A normal of stddev sqrt(2 / fan_in) cut at two stddevs has 0.88 of that spread.
    assert kernel.std() == pytest.approx(0.8796 * np.sqrt(2 / fan_in), rel=0.02)
    assert np.abs(kernel).max() <= 2 * np.sqrt(2 / fan_in) + 1e-6
    other = child.branches[1][0].out_op.kernel.numpy()
    assert not np.allclose(other.ravel()[:100], kernel.ravel()[:100])  # not one repeated draw
