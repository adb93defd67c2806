"""The search's two losses, term by term: REINFORCE against the same loss written out
independently (baseline before the loss, the sign, the entropy's stop-gradient, the mean over
arcs, inference-mode rewards), the child's L2 over every trainable variable, the order of an
epoch's phases and the head's dropout."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from enas.child import ChildConfig, SharedChild
from enas.controller import Controller, ControllerConfig
from enas.data import load
from enas.reinforce import ControllerTrainer, ReinforceConfig
from enas.searcher import Search, SearchConfig, run_epoch

ACCURACIES = (0.3, 0.8)


def _trainer(entropy_weight=0.5):
    controller = Controller(ControllerConfig(num_layers=3), seed=7)

    def reward_fn(arc, images, labels):  # the "accuracy" each arc's minibatch says
        return tf.reduce_mean(images)

    config = ReinforceConfig(num_aggregate=len(ACCURACIES), entropy_weight=entropy_weight)
    return ControllerTrainer(controller, reward_fn, config)


def _expected_gradients(controller, state, baseline, config):
    """Per arc, from the generator STATE on: the gradient of log_prob (R - b) + w skip, with b
    moved BEFORE the loss and the entropy in R held constant."""
    controller.rng.reset(state)
    variables = controller.trainable_variables
    gradients = []
    for accuracy in ACCURACIES:
        with tf.GradientTape() as tape:
            sample = controller._unroll()
            reward = accuracy + config.entropy_weight * tf.stop_gradient(sample["entropy"])
            baseline = baseline - (1 - config.bl_dec) * (baseline - reward)
            loss = (sample["log_prob"] * tf.stop_gradient(reward - baseline)
                    + config.skip_weight * sample["skip_penalty"])
        gradients.append(tape.gradient(loss, variables))
    return [np.mean([tf.convert_to_tensor(g[i]).numpy() for g in gradients], axis=0)
            for i in range(len(variables))]


def test_one_update_applies_the_mean_reinforce_gradient_of_its_arcs():
    trainer = _trainer()
    trainer.baseline.assign(0.6)  # away from the rewards, so that (R - b) matters
    trainer.optimizer = keras.optimizers.SGD(1.0)  # the applied step is then -gradient
    variables = trainer.controller.trainable_variables
    trainer.optimizer.build(variables)
    state = trainer.controller.rng.state.numpy()
    before = [v.numpy().copy() for v in variables]
    minibatches = tf.reshape(tf.constant(ACCURACIES, tf.float32), (2, 1, 1, 1, 1))
    trainer.update(minibatches, tf.zeros((2, 1), tf.int32))
    applied = [b - v.numpy() for v, b in zip(variables, before)]
    after = [v.numpy().copy() for v in variables]
    for variable, value in zip(variables, before):
        variable.assign(value)
    expected = _expected_gradients(trainer.controller, state, 0.6, trainer.config)
    for got, want, variable in zip(applied, expected, variables):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=1e-7, err_msg=variable.name)
    assert any(np.abs(a - b).max() > 0 for a, b in zip(after, before))


def test_the_reward_uses_moving_statistics_and_leaves_them_untouched():
    data = load("synthetic_images")
    search = Search(SearchConfig(output_dir="", batch_size=16,
                                 child=ChildConfig(num_layers=2, out_filters=4)), data)
    images, labels = (tf.constant(a[:16]) for a in data.valid)
    search.child_step(*(tf.constant(a[:16]) for a in data.train))  # statistics move off (0, 1)
    moving = {v.path: v.numpy().copy() for v in search.child.non_trainable_variables}
    arc = search.controller.sample()["arc"]
    reward = search.minibatch_accuracy(arc, images, labels).numpy()
    inference = np.mean(np.argmax(search.child(images, arc, training=False).numpy(), -1)
                        == labels.numpy())
    assert reward == pytest.approx(inference)
    search.controller_step()
    for variable in search.child.non_trainable_variables:
        np.testing.assert_array_equal(variable.numpy(), moving[variable.path])


def test_the_child_loss_adds_l2_over_every_trainable_variable():
    data = load("synthetic_images")
    search = Search(SearchConfig(output_dir="", batch_size=16, l2_reg=0.01,
                                 child=ChildConfig(num_layers=2, out_filters=4)), data)
    every = sum(float(np.sum(v.numpy() ** 2)) for v in search.child.trainable_variables)
    kernels = sum(float(np.sum(v.numpy() ** 2)) for v in search.child.trainable_variables
                  if "kernel" in v.path)
    assert every - kernels > 1.0  # BN scales (ones) and unused branches count too
    stats = search.child_step(*(tf.constant(a[:16]) for a in data.train))
    assert float(stats["loss"] - stats["cross_entropy"]) == pytest.approx(0.01 * every, rel=1e-4)


def test_an_epoch_trains_the_child_before_the_controller_phase(tmp_path):
    config = SearchConfig(output_dir=str(tmp_path), batch_size=128, controller_train_steps=2,
                          reinforce=ReinforceConfig(num_aggregate=1),
                          child=ChildConfig(num_layers=2, out_filters=4))
    search = Search(config, load("synthetic_images"))
    calls = []
    child_step, controller_step = search.child_step, search.controller_step
    search.child_step = lambda *a: (calls.append("child"), child_step(*a))[1]
    search.controller_step = lambda: (calls.append("controller"), controller_step())[1]
    run_epoch(search, tf.summary.create_noop_writer(), 0)
    assert calls == ["child"] * 3 + ["controller"] * 2  # 432 images: 3 batches of 128


def test_the_heads_dropout_acts_in_training_only():
    child = SharedChild(ChildConfig(num_layers=2, out_filters=8, keep_prob=0.5),
                        image_shape=(8, 8, 3))
    images = tf.random.stateless_normal((4, 8, 8, 3), seed=(1, 2))
    arc = tf.constant([0, 1, 1])
    inference = [child(images, arc, training=False).numpy() for _ in range(2)]
    np.testing.assert_array_equal(inference[0], inference[1])
    training = [child(images, arc, training=True).numpy() for _ in range(2)]
    assert not np.allclose(training[0], training[1])
