"""REINFORCE training of the controller, as the original does it (ENAS_SPEC.md s. 2).

Per sampled arc: reward R = accuracy on one validation minibatch + entropy_weight * entropy;
the baseline moves first, b <- b - (1 - bl_dec)(b - R); then the loss is
log_prob * (R - b) + skip_weight * skip_penalty, where log_prob is the sum of the decisions'
cross-entropies. Gradients of `num_aggregate` arcs are averaged into one Adam step
(beta1 = 0, epsilon = 1e-3, no clipping). One `update` call is one such step, in one graph.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import keras
import tensorflow as tf

from enas.controller import Controller

# (arc, images, labels) -> accuracy of the child with ARC on the minibatch, a scalar tensor.
RewardFn = Callable[[tf.Tensor, tf.Tensor, tf.Tensor], tf.Tensor]


@dataclasses.dataclass(frozen=True)
class ReinforceConfig:
    """The controller's REINFORCE update (ENAS_SPEC.md s. 2).

    Attributes:
      learning_rate: Adam's (`--controller_lr`).
      entropy_weight: weight of the sampled arc's entropy in the reward.
      bl_dec: the moving baseline's decay.
      skip_weight: weight of the skip-probability KL penalty.
      num_aggregate: arcs whose gradients are averaged into one update.
    """

    learning_rate: float = 0.001
    entropy_weight: float = 1e-4
    bl_dec: float = 0.99
    skip_weight: float = 0.8
    num_aggregate: int = 20


class ControllerTrainer(tf.Module):
    """Holds the baseline and the optimiser; `update` performs one aggregated Adam step."""

    def __init__(self, controller: Controller, reward_fn: RewardFn,
                 config: ReinforceConfig = ReinforceConfig()):
        super().__init__(name="controller_trainer")
        self.controller = controller
        self.reward_fn = reward_fn
        self.config = config
        self.baseline = tf.Variable(0.0, trainable=False, name="baseline")
        self.optimizer = keras.optimizers.Adam(config.learning_rate, beta_1=0.0, beta_2=0.999,
                                               epsilon=1e-3)
        self.optimizer.build(controller.trainable_variables)

    def _one_arc(self, images: tf.Tensor, labels: tf.Tensor):
        """Samples an arc, rewards it, moves the baseline; returns (gradients, statistics)."""
        variables = self.controller.trainable_variables
        with tf.GradientTape() as tape:
            sample = self.controller._unroll()
            accuracy = tf.stop_gradient(self.reward_fn(sample["arc"], images, labels))
            reward = accuracy + self.config.entropy_weight * sample["entropy"]
            self.baseline.assign_sub((1.0 - self.config.bl_dec) * (self.baseline - reward))
            loss = (sample["log_prob"] * (reward - self.baseline)
                    + self.config.skip_weight * sample["skip_penalty"])
        stats = tf.stack([loss, reward, accuracy, sample["entropy"], sample["log_prob"],
                          sample["skip_count"]])
        return tape.gradient(loss, variables), stats

    @tf.function
    def update(self, images: tf.Tensor, labels: tf.Tensor) -> dict[str, tf.Tensor]:
        """One Adam step from NUM_AGGREGATE arcs; IMAGES (n, B, H, W, C), LABELS (n, B)."""
        variables = self.controller.trainable_variables
        totals = [tf.zeros_like(v) for v in variables]
        stats_sum = tf.zeros([6])
        for index in tf.range(self.config.num_aggregate):
            gradients, stats = self._one_arc(images[index], labels[index])
            totals = [t + g for t, g in zip(totals, gradients)]
            stats_sum += stats
        count = float(self.config.num_aggregate)
        self.optimizer.apply_gradients([(t / count, v) for t, v in zip(totals, variables)])
        mean = stats_sum / count
        num_skips = self.controller.config.num_layers * (self.controller.config.num_layers - 1) / 2
        return {"loss": mean[0], "reward": mean[1], "valid_acc": mean[2], "entropy": mean[3],
                "log_prob": mean[4], "skip_rate": mean[5] / num_skips,
                "baseline": tf.identity(self.baseline)}
