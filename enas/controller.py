"""The ENAS macro controller: an LSTM that samples an arc, and its REINFORCE update.

Faithful to the original's general controller (constants in shared/docs/ENAS_SPEC.md, s. 2):
one 64-unit LSTM layer without biases, all variables U(-0.1, 0.1); per layer an op decision
(logits h W_soft, tanh-squashed) and, from layer 1 on, one independent skip decision per
earlier layer through additive attention over the anchors; 2L LSTM steps in all.

One code path serves sampling and scoring: `_unroll` either samples each decision or takes it
from a given arc (teacher forcing). The log-probability of an arc depends only on the arc and
the weights, so differentiating the scoring pass gives the same REINFORCE gradient as the
original's sampling graph, and the sampling pass needs no tape.

Kept quirks of the original: the entropy is that of the sampled actions
(sum of stop_grad(CE * exp(-CE))); the skip penalty applies `sigmoid` to the two-way logits
(while sampling uses their softmax) and averages over layers 1..L-1.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from enas.arc import NUM_OPS, arc_length


@dataclasses.dataclass(frozen=True)
class ControllerConfig:
    """The LSTM controller (ENAS_SPEC.md s. 2).

    Attributes:
      num_layers, num_ops: the arc it samples (the child's layers and branches).
      lstm_size: units of its one LSTM layer.
      tanh_constant: logits = c tanh(logits) (`--controller_tanh_constant`; None: off).
      temperature: logits / temperature before the tanh (None: off).
      skip_target: the skip probability the KL penalty pulls towards.
    """

    num_layers: int = 12
    num_ops: int = NUM_OPS
    lstm_size: int = 64
    tanh_constant: float | None = 1.5
    temperature: float | None = None
    skip_target: float = 0.4


class Controller(tf.Module):
    """The controller's variables and its unrolled LSTM."""

    def __init__(self, config: ControllerConfig = ControllerConfig(), seed: int = 0):
        super().__init__(name="controller")
        self.config = config
        size = config.lstm_size
        init = tf.random_uniform_initializer(-0.1, 0.1, seed=seed)
        self.w_lstm = tf.Variable(init([2 * size, 4 * size]), name="w_lstm")
        self.g_emb = tf.Variable(init([1, size]), name="g_emb")
        self.w_emb = tf.Variable(init([config.num_ops, size]), name="w_emb")
        self.w_soft = tf.Variable(init([size, config.num_ops]), name="w_soft")
        self.w_attn_1 = tf.Variable(init([size, size]), name="w_attn_1")
        self.w_attn_2 = tf.Variable(init([size, size]), name="w_attn_2")
        self.v_attn = tf.Variable(init([size, 1]), name="v_attn")
        self.rng = tf.random.Generator.from_seed(seed)

    def _lstm(self, x, c, h):
        gates = tf.matmul(tf.concat([x, h], axis=1), self.w_lstm)
        i, f, o, g = tf.split(gates, 4, axis=1)
        c = tf.sigmoid(i) * tf.tanh(g) + tf.sigmoid(f) * c
        return c, tf.sigmoid(o) * tf.tanh(c)

    def _squash(self, logits):
        if self.config.temperature is not None:
            logits = logits / self.config.temperature
        if self.config.tanh_constant is not None:
            logits = self.config.tanh_constant * tf.tanh(logits)
        return logits

    def _decide(self, logits, forced):
        """The decision per row of LOGITS: sampled, or FORCED when given; int32 (rows,)."""
        if forced is not None:
            return tf.cast(forced, tf.int32)
        seed = self.rng.make_seeds(1)[:, 0]
        return tf.cast(tf.random.stateless_categorical(logits, 1, seed)[:, 0], tf.int32)

    def _unroll(self, forced_arc: tf.Tensor | None = None) -> dict[str, tf.Tensor]:
        """Runs the 2L LSTM steps; returns arc, log_prob, entropy, skip_penalty, skip_count."""
        size, layers = self.config.lstm_size, self.config.num_layers
        skip_targets = tf.constant([1.0 - self.config.skip_target, self.config.skip_target])
        c = h = tf.zeros([1, size])
        inputs = self.g_emb
        anchors, anchors_w1, arc = [], [], []
        cross_entropies, penalties, skip_counts = [], [], []
        position = 0
        for layer in range(layers):
            c, h = self._lstm(inputs, c, h)
            logits = self._squash(tf.matmul(h, self.w_soft))
            op = self._decide(logits, None if forced_arc is None else forced_arc[position:position + 1])
            cross_entropies.append(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=op, logits=logits))
            arc.append(op)
            inputs = tf.gather(self.w_emb, op)
            position += 1
            c, h = self._lstm(inputs, c, h)
            if layer > 0:
                query = tf.tanh(tf.concat(anchors_w1, axis=0) + tf.matmul(h, self.w_attn_2))
                query = tf.matmul(query, self.v_attn)                      # (layer, 1)
                logits = self._squash(tf.concat([-query, query], axis=1))  # (layer, 2)
                skips = self._decide(logits, None if forced_arc is None
                                     else forced_arc[position:position + layer])
                cross_entropies.append(tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=skips, logits=logits))
                probs = tf.sigmoid(logits)
                penalties.append(tf.reduce_sum(probs * tf.math.log(probs / skip_targets)))
                arc.append(skips)
                position += layer
                weights = tf.cast(skips, tf.float32)[None, :]
                skip_counts.append(tf.reduce_sum(weights))
                inputs = tf.matmul(weights, tf.concat(anchors, axis=0)) / (
                    1.0 + tf.reduce_sum(weights))
            else:
                inputs = self.g_emb
            anchors.append(h)
            anchors_w1.append(tf.matmul(h, self.w_attn_1))
        cross_entropy = tf.concat(cross_entropies, axis=0)
        return {
            "arc": tf.concat(arc, axis=0),
            "log_prob": tf.reduce_sum(cross_entropy),
            "entropy": tf.reduce_sum(tf.stop_gradient(cross_entropy * tf.exp(-cross_entropy))),
            "skip_penalty": tf.reduce_mean(tf.stack(penalties)) if penalties else tf.zeros([]),
            "skip_count": tf.add_n(skip_counts) if skip_counts else tf.zeros([]),
        }

    @tf.function
    def sample(self) -> dict[str, tf.Tensor]:
        """A new arc with its statistics (one graph for every call)."""
        return self._unroll()

    def score(self, arc: tf.Tensor) -> dict[str, tf.Tensor]:
        """The statistics of a given ARC (differentiable: use under a GradientTape)."""
        arc = tf.convert_to_tensor(arc, tf.int32)
        tf.debugging.assert_equal(tf.size(arc), arc_length(self.config.num_layers))
        return self._unroll(arc)


def untrained_arc(config: ControllerConfig, seed: int) -> np.ndarray:
    """An arc of a freshly initialised controller: the random-search control ENAS is judged
    against (its draws follow the controller's own tanh squashing and skip attention)."""
    controller = Controller(config, seed=seed + 10_007)  # held: sample() is a tf.function
    return controller.sample()["arc"].numpy()            # that refers to it weakly

