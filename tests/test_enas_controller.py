"""The controller against an independent numpy computation of ENAS's formulas."""
import numpy as np
import pytest
import tensorflow as tf

from enas import arc as arc_lib
from enas.controller import Controller, ControllerConfig
from enas.reinforce import ControllerTrainer, ReinforceConfig


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _cross_entropy(logits, label):
    shifted = logits - logits.max()
    return np.log(np.exp(shifted).sum()) - shifted[label]


def numpy_statistics(controller: Controller, arc: np.ndarray, tanh_constant=1.5,
                     skip_target=0.4):
    """log_prob, entropy and skip penalty of ARC, written from the spec, in float64."""
    w = {v.name.split(":")[0].split("/")[-1]: v.numpy().astype(np.float64)
         for v in controller.trainable_variables}
    size = w["g_emb"].shape[1]
    def lstm(x, c, h):
        i, f, o, g = np.split(np.concatenate([x, h], axis=1) @ w["w_lstm"], 4, axis=1)
        c = _sigmoid(i) * np.tanh(g) + _sigmoid(f) * c
        return c, _sigmoid(o) * np.tanh(c)
    c = h = np.zeros((1, size))
    x = w["g_emb"]
    anchors, ces, penalties = [], [], []
    for layer, (op, skips) in enumerate(arc_lib.layers(arc)):
        c, h = lstm(x, c, h)
        logits = tanh_constant * np.tanh((h @ w["w_soft"])[0])
        ces.append(_cross_entropy(logits, op))
        c, h = lstm(w["w_emb"][op:op + 1], c, h)
        if layer > 0:
            bits = np.array(skips)
            for j, bit in enumerate(bits):
                q = (np.tanh(anchors[j] @ w["w_attn_1"] + h @ w["w_attn_2"]) @ w["v_attn"]).item()
                pair = tanh_constant * np.tanh(np.array([-q, q]))
                ces.append(_cross_entropy(pair, bit))
                p = _sigmoid(pair)
                penalties.append((p * np.log(p / np.array([1 - skip_target, skip_target]))).sum())
            x = (bits @ np.concatenate(anchors)) [None] / (1 + bits.sum())
        else:
            x = w["g_emb"]
        anchors.append(h)
    ces = np.array(ces)
    per_layer = [sum(penalties[k * (k - 1) // 2:k * (k + 1) // 2]) for k in range(1, len(anchors))]
    return ces.sum(), (ces * np.exp(-ces)).sum(), np.mean(per_layer)


@pytest.fixture(scope="module")
def controller():
    return Controller(ControllerConfig(num_layers=6), seed=3)


def test_variables_have_the_original_shapes_and_init(controller):
    shapes = {v.name.split(":")[0].split("/")[-1]: tuple(v.shape)
              for v in controller.trainable_variables}
    assert shapes == {"w_lstm": (128, 256), "g_emb": (1, 64), "w_emb": (6, 64),
                      "w_soft": (64, 6), "w_attn_1": (64, 64), "w_attn_2": (64, 64),
                      "v_attn": (64, 1)}
    for variable in controller.trainable_variables:
        assert np.abs(variable.numpy()).max() <= 0.1


def test_score_matches_numpy_for_a_fixed_arc(controller):
    arc = arc_lib.parse("2 | 5 1 | 0 0 1 | 3 1 1 0 | 1 0 0 0 1 | 4 1 0 1 0 1")
    stats = controller.score(arc)
    log_prob, entropy, penalty = numpy_statistics(controller, arc)
    assert stats["log_prob"].numpy() == pytest.approx(log_prob, rel=1e-5)
    assert stats["entropy"].numpy() == pytest.approx(entropy, rel=1e-5)
    assert stats["skip_penalty"].numpy() == pytest.approx(penalty, rel=1e-5)
    assert stats["skip_count"].numpy() == 8


def test_sampled_arcs_are_valid_and_their_statistics_agree_with_scoring(controller):
    for _ in range(5):
        sample = controller.sample()
        arc = arc_lib.validate(sample["arc"].numpy(), num_layers=6)
        scored = controller.score(arc)
        assert sample["log_prob"].numpy() == pytest.approx(scored["log_prob"].numpy(), rel=1e-5)
    assert controller.sample.experimental_get_tracing_count() == 1


def test_sampling_resumes_from_the_generator_state():
    first, second = Controller(ControllerConfig(num_layers=4), seed=1), None
    state = first.rng.state.numpy()
    arcs = [first.sample()["arc"].numpy() for _ in range(3)]
    second = Controller(ControllerConfig(num_layers=4), seed=1)
    second.rng.reset(state)
    assert [second.sample()["arc"].numpy().tolist() for _ in range(3)] == [a.tolist() for a in arcs]


def test_reinforce_step_moves_the_baseline_through_each_arcs_reward_in_turn():
    controller = Controller(ControllerConfig(num_layers=3), seed=5)
    rewards = iter(np.linspace(0.1, 0.9, 4))
    fixed = tf.Variable(0.0)
    def reward_fn(arc, images, labels):
        return fixed + tf.reduce_mean(images)  # accuracy is whatever the batch says
    config = ReinforceConfig(num_aggregate=4, entropy_weight=0.0)
    trainer = ControllerTrainer(controller, reward_fn, config)
    images = tf.constant(np.array([next(rewards) for _ in range(4)])[:, None, None, None, None]
                         * np.ones((4, 2, 1, 1, 1)), tf.float32)
    before = [v.numpy().copy() for v in controller.trainable_variables]
    out = trainer.update(images, tf.zeros((4, 2), tf.int32))
    expected_baseline = 0.0
    for reward in np.linspace(0.1, 0.9, 4):
        expected_baseline -= (1 - 0.99) * (expected_baseline - reward)
    assert out["baseline"].numpy() == pytest.approx(expected_baseline, rel=1e-5)
    assert out["reward"].numpy() == pytest.approx(0.5, rel=1e-5)
    changed = [np.abs(v.numpy() - b).max() for v, b in zip(controller.trainable_variables, before)]
    assert max(changed) > 0
    assert trainer.optimizer.beta_1 == 0.0 and trainer.optimizer.epsilon == 1e-3
