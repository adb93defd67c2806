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


def test_skips_add_the_selected_earlier_layers_before_bn():
    small = SharedChild(ChildConfig(num_layers=2, out_filters=4, num_classes=3),
                        image_shape=(4, 4, 3))
    images = tf.random.normal((2, 4, 4, 3))
    no_skip = small(images, tf.constant([0, 0, 0]), training=False)
    with_skip = small(images, tf.constant([0, 0, 1]), training=False)
    assert not np.allclose(no_skip, with_skip)


def test_a_numpy_arc_gives_the_same_outputs_as_the_tensor_arc(child):
    images = tf.random.normal((3, 8, 8, 3))
    arc = _random_arc(np.random.default_rng(7))
    dynamic = child(images, arc, training=False)
    static = child(images, arc.numpy(), training=False)
    np.testing.assert_allclose(dynamic, static, rtol=1e-5, atol=1e-5)
