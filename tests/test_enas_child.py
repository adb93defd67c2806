"""The shared child: one graph for every arc, and only the sampled branches are used."""
import numpy as np
import pytest
import tensorflow as tf

from enas import arc as arc_lib
from enas.child import ChildConfig, SharedChild

CONFIG = ChildConfig(num_layers=4, out_filters=8, num_classes=5)


@pytest.fixture(scope="module")
def child():
    return SharedChild(CONFIG, image_shape=(8, 8, 3))


def _random_arc(rng, layers=4):
    values = []
    for k in range(layers):
        values += [int(rng.integers(0, 6))] + rng.integers(0, 2, k).tolist()
    return tf.constant(values, tf.int32)


def test_structure_follows_the_original(child):
    assert CONFIG.pool_layers == (0, 1)
    assert ChildConfig(num_layers=12).pool_layers == (3, 7)
    assert ChildConfig(num_layers=24).pool_layers == (7, 15)
    # One factorized reduction per live tensor: stem + layers 0..p.
    assert [len(r) for r in child.reductions] == [2, 3]
    assert not any("bias" in v.name for v in child.trainable_variables)
    assert child.classifier.use_bias is False


def test_twenty_arcs_one_trace_and_only_sampled_branches_get_gradients(child):
    images = tf.random.normal((4, 8, 8, 3))
    labels = tf.constant([0, 1, 2, 3])

    @tf.function
    def gradients(arc):
        with tf.GradientTape() as tape:
            logits = child(images, arc, training=True)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=labels, logits=logits))
        return tape.gradient(loss, child.trainable_variables)

    rng = np.random.default_rng(0)
    variables = child.trainable_variables
    for _ in range(20):
        arc = _random_arc(rng)
        grads = gradients(arc)
        chosen = {f"layer{k}_op{op}/" for k, (op, _) in enumerate(arc_lib.layers(arc.numpy()))}
        for variable, grad in zip(variables, grads):
            if "_op" not in variable.path:
                continue
            used = any(name in variable.path for name in chosen)
            nonzero = grad is not None and bool(tf.reduce_any(tf.not_equal(grad, 0)))
            assert nonzero == used, (variable.path, used)
    assert gradients.experimental_get_tracing_count() == 1


def test_a_numpy_arc_gives_the_same_outputs_as_the_tensor_arc(child):
    images = tf.random.normal((3, 8, 8, 3))
    arc = _random_arc(np.random.default_rng(7))
    dynamic = child(images, arc, training=False)
    static = child(images, arc.numpy(), training=False)
    np.testing.assert_allclose(dynamic, static, rtol=1e-5, atol=1e-5)


def _reference_logits(child, images, arc):
    """The child's forward pass written out from ENAS_SPEC.md s. 3 with the child's own layers:
    layer k runs its sampled branch on layer k-1's output, adds the earlier outputs its skip
    bits select (bit i: the stem for i = 0, layer i-1 after it), then its skip BN; after a
    pool layer every live tensor passes ITS OWN factorized reduction."""
    layers = [child.stem_bn(child.stem_conv(images))]
    position = 0
    for k in range(child.config.num_layers):
        out = child.branches[k][int(arc[position])](layers[-1])
        position += 1
        if k > 0:
            for i, bit in enumerate(arc[position:position + k]):
                if bit:
                    out = out + layers[i]
            out = child.skip_bns[k - 1](out)
            position += k
        layers.append(out)
        if k in child.config.pool_layers:
            reductions = child.reductions[child.config.pool_layers.index(k)]
            layers = [reductions[i](layer) for i, layer in enumerate(layers)]
    return child.classifier(tf.reduce_mean(layers[-1], axis=[1, 2]))


def test_skip_bits_select_the_specified_layers_and_each_source_has_its_own_reduction(child):
    """Fails when a skip bit reads the wrong layer, the skip BN is dropped, or one factorized
    reduction serves every source (each broken by hand once)."""
    rng = np.random.default_rng(3)
    images = tf.random.normal((3, 8, 8, 3), seed=1)
    for _ in range(4):
        arc = _random_arc(rng).numpy()
        arc[arc_lib.op_positions(4)[1:] + 1] = 1  # every layer after the first skips to the stem
        np.testing.assert_allclose(child(images, tf.constant(arc), training=False),
                                   _reference_logits(child, images, arc), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op", [0, 1, 2, 3])
def test_a_conv_branch_is_conv1x1_bn_relu_then_op_bn_relu(op):
    """Fails with the output ReLU moved before the branch's output BN."""
    from enas.child import Branch
    branch = Branch(op, 4, name="probe")
    x = tf.random.normal((2, 6, 6, 4), seed=op)
    branch(x)
    # BN statistics away from (0, 1) so that the order of ReLU and BN matters
    for variable in branch.out_bn.weights:
        if "moving_mean" in variable.path or "beta" in variable.path:
            variable.assign(tf.fill(variable.shape, 0.3))
    hidden = tf.nn.relu(branch.inp_bn(branch.inp_conv(x)))
    expected = tf.nn.relu(branch.out_bn(branch.out_op(hidden)))
    np.testing.assert_allclose(branch(x), expected, rtol=1e-6, atol=1e-6)


# The original: pool_distance = L // 3, reductions after layers pool_distance - 1 and
# 2 * pool_distance - 1; Python's 2 * L // 3 is (2 * L) // 3 and differs when L % 3 == 2.
@pytest.mark.parametrize("num_layers, expected", [(2, ()), (5, (0, 1)), (8, (1, 3)),
                                                  (11, (2, 5))])
def test_the_reductions_sit_where_the_original_puts_them(num_layers, expected):
    from enas.fixed import build_fixed_model
    assert arc_lib.reduction_layers(num_layers) == expected
    assert ChildConfig(num_layers=num_layers).pool_layers == expected
    shared = SharedChild(ChildConfig(num_layers=num_layers, out_filters=4, num_classes=3),
                         image_shape=(8, 8, 3))
    assert [len(r) for r in shared.reductions] == [p + 2 for p in expected]
    arc = np.concatenate([[0] + [0] * k for k in range(num_layers)])
    fixed = build_fixed_model(arc, 3, out_filters=4, input_shape=(8, 8, 3))
    reduced_after = sorted({int(layer.name.split("_")[2]) for layer in fixed.layers
                            if layer.name.startswith("pool_at_")})
    assert tuple(reduced_after) == expected
