"""The ENAS search's state and its epoch (ENAS_SPEC.md s. 6), logged to TensorBoard; the run
around it, checkpoints and the final choice of arcs, is `enas.search_run`.

Per epoch: one SGD step per training minibatch, each with a freshly sampled arc; then the
controller phase (controller_train_steps aggregated REINFORCE updates, each arc rewarded on
one validation minibatch); then 10 sampled arcs are logged with their one-minibatch accuracy,
and validation and test accuracy are measured with a fresh arc per batch. A checkpoint after
every epoch holds the child, the controller, both optimisers, the baseline, the epoch and the
random generators, so a killed search resumes exactly. At the end, as the paper describes
(the original never does it), N sampled arcs are scored on the whole validation set and the
best is written to arc.txt, the top 10 to arcs.jsonl.

Under a tf.distribute strategy (`strategy`), the child and its optimiser are mirrored; each
child step samples ONE arc, every replica runs it on its slice of the minibatch, and the
replicas' gradients are summed before the clip, so the step equals the one-device step on the
whole minibatch. The controller stays on the host: its work is tiny and serial.

Under MultiWorkerMirroredStrategy every worker runs the child steps (each step's gradient sum
is a collective) and samples each step's arc from its own copy of the controller and its
generator, which hold the same state on every worker: the controller phase, the logged arcs
and the evaluations run once, on the chief, and the chief's whole state is then broadcast
(`common.distribute.broadcast_from_chief`), as it is after the chief restores a checkpoint.
Only the chief writes the run folder; the others write nothing that is kept.
"""
from __future__ import annotations

import dataclasses
import hashlib
import time
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from common import input_pipeline
from common.distribute import broadcast_from_chief, is_chief, make_strategy
from enas import arc as arc_lib
from enas.child import ChildConfig, SharedChild
from enas.controller import Controller, ControllerConfig
from enas.data import EpochFeed, ImageSplits
from enas.reinforce import ControllerTrainer, ReinforceConfig
from enas.schedule import CosineSchedule


@dataclasses.dataclass(frozen=True)
class SearchConfig:
    """One search, as config.json records it (flag names in ENAS_SPEC.md s. 5).

    Attributes:
      output_dir: checkpoints, logs, arc.txt, arcs.jsonl and config.json.
      child, controller, reinforce: the shared child, the LSTM controller, its REINFORCE.
      batch_size: child minibatch (split over the replicas of `strategy`).
      num_epochs: search epochs; the only setting a resumed search may change (raise).
      l2_reg, schedule, grad_bound, clip_mode: the child's SGD.
      controller_training: False trains the child on arcs of the untrained controller.
      controller_train_every, controller_train_steps: the controller phase's rhythm.
      eval_every_epochs: validation and test accuracy every N epochs.
      num_arcs_to_score: arcs scored on the whole validation set at the end.
      strategy: tf.distribute strategy of the child step.
      seed: every random draw of the search.
      data: the data settings (enas.data.BuiltinImages or recognition's RecognitionData),
        recorded so that a resumed search cannot silently continue on other data.
      image_shape, data_fingerprint: what the data turned out to be; `resolved` fills them
        in, with the child's classes and the controller's layers and ops, before the search
        is recorded, so that config.json describes the search that ran.
    """

    output_dir: str
    child: ChildConfig = ChildConfig()
    controller: ControllerConfig = ControllerConfig()
    reinforce: ReinforceConfig = ReinforceConfig()
    batch_size: int = 128
    num_epochs: int = 310
    l2_reg: float = 2.5e-4
    schedule: CosineSchedule = CosineSchedule()
    grad_bound: float = 5.0
    clip_mode: str = "norm"
    controller_training: bool = True
    controller_train_every: int = 1
    controller_train_steps: int = 50
    eval_every_epochs: int = 1
    num_arcs_to_score: int = 100
    strategy: str = "default"
    seed: int = 0
    data: Any = None
    image_shape: tuple[int, ...] = ()
    data_fingerprint: str = ""


def controller_of(config: SearchConfig) -> ControllerConfig:
    """The controller of CONFIG, sampling arcs of its child's layers and ops."""
    return dataclasses.replace(config.controller, num_layers=config.child.num_layers,
                               num_ops=config.child.num_branches)


def resolved(config: SearchConfig, data: ImageSplits) -> SearchConfig:
    """CONFIG with every value the data or the child decides filled in."""
    child = dataclasses.replace(config.child, num_classes=data.num_classes)
    return dataclasses.replace(config, child=child, controller=controller_of(config),
                               image_shape=tuple(int(v) for v in data.train[0].shape[1:]),
                               data_fingerprint=data.fingerprint())


CLIP_MODES = ("norm", "global")


def clip_gradients(gradients: list[tf.Tensor], bound: float, mode: str) -> list[tf.Tensor]:
    """The original's clip: "norm" bounds each tensor's norm (`clip_mode="norm"` in its
    main.py); "global" bounds the norm of all of them together (an option, not the original).
    FIX: the original computes the clip and then applies the unclipped gradients."""
    if mode == "norm":
        return [tf.clip_by_norm(gradient, bound) for gradient in gradients]
    if mode == "global":
        return tf.clip_by_global_norm(gradients, bound)[0]
    raise ValueError(f"clip mode must be one of {', '.join(CLIP_MODES)}, got {mode!r}")


def accuracy_of(logits: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, -1, tf.int32), labels), tf.float32))


def l2_of(variables) -> tf.Tensor:
    """sum ||v||^2 over all given variables (the original's L2 term, not halved)."""
    return tf.add_n([tf.reduce_sum(tf.square(v)) for v in variables])


class Search(tf.Module):
    """All state of one search, with the graph-compiled steps that change it."""

    def __init__(self, config: SearchConfig, data: ImageSplits):
        super().__init__(name="search")
        config = resolved(config, data)
        self.config = config
        self.data = data
        self.strategy = make_strategy(config.strategy)
        replicas = self.strategy.num_replicas_in_sync
        if config.batch_size % replicas:
            raise ValueError(f"batch_size {config.batch_size} does not split evenly over "
                             f"{replicas} replicas")
        with self.strategy.scope():
            self.child = SharedChild(config.child, image_shape=config.image_shape)
            self.child_optimizer = keras.optimizers.SGD(config.schedule.lr_max, momentum=0.9,
                                                        nesterov=True)
            self.child_optimizer.build(self.child.trainable_variables)
            # tf.train.Checkpoint follows tf.Module attributes, and Keras keeps the child's
            # branches, skip BNs and reductions in nested lists it does not expose to it:
            # without this map only the stem's moving statistics were saved, and a resumed
            # search restarted every other BatchNorm from (0, 1). `variables`, not `weights`:
            # the head dropout's seed-generator state is not a weight, and without it a
            # resumed search drew other dropout masks than an uninterrupted one.
            # (Keras numbers seed generators process-wide, so that one gets a fixed key.)
            self.child_state = {variable.path.replace("/", "."): variable
                                for variable in self.child.weights}
            self.child_state["dropout.seed_state"] = self.child.dropout.seed_generator.state
            if len(self.child_state) != len(self.child.variables):
                raise ValueError("the child's variables do not map one to one onto checkpoint "
                                 "keys; the checkpoint would miss some of them")
        self.controller = Controller(config.controller, seed=config.seed)
        self.trainer = ControllerTrainer(self.controller, self.minibatch_accuracy,
                                         config.reinforce)
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self.data_rng = tf.random.Generator.from_seed(config.seed + 1)
        self.feed = EpochFeed(data, config.batch_size, config.seed)
        self.valid_images = tf.constant(data.valid[0])
        self.valid_labels = tf.constant(data.valid[1])

    def state_variables(self) -> list:
        """Every variable of the search in a fixed order: the child's weights, moving
        statistics and dropout seed, both optimisers, the controller, the baseline, the epoch
        and both random generators (what a checkpoint holds and the chief broadcasts)."""
        return [*self.child.variables, *self.child_optimizer.variables,
                *self.controller.trainable_variables, *self.trainer.optimizer.variables,
                self.trainer.baseline, self.epoch, self.controller.rng.state,
                self.data_rng.state]

    @tf.function
    def share_chief_state(self) -> None:
        """Every worker's state set to the chief's (nothing to do on one worker)."""
        broadcast_from_chief(self.strategy, self.state_variables())

    def minibatch_accuracy(self, arc, images, labels) -> tf.Tensor:
        return accuracy_of(self.child(images, arc, training=False), labels)

    @tf.function
    def child_step(self, images, labels) -> dict[str, tf.Tensor]:
        """One SGD step with a newly sampled arc, the same on every replica."""
        arc = self.controller.sample()["arc"]
        per_replica = self.strategy.run(self._replica_share, args=(arc, images, labels))
        totals = self.strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)
        gradients = totals.pop("gradients")
        clipped = clip_gradients(gradients, self.config.grad_bound, self.config.clip_mode)
        self.child_optimizer.apply_gradients(zip(clipped, self.child.trainable_variables))
        return {**totals, "grad_norm": tf.linalg.global_norm(gradients), "arc": arc}

    def _replica_share(self, arc, images, labels) -> dict:
        """This replica's slice of the minibatch: its gradients and statistics, each divided
        by the number of replicas so that their sum over replicas is the whole-batch value."""
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync
        size = tf.shape(labels)[0] // replicas
        begin = context.replica_id_in_sync_group * size
        images, labels = images[begin:begin + size], labels[begin:begin + size]
        variables = self.child.trainable_variables
        with tf.GradientTape() as tape:
            logits = self.child(images, arc, training=True)
            cross_entropy = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=labels, logits=logits))
            loss = cross_entropy + self.config.l2_reg * l2_of(variables)
            share = loss / replicas
        return {"gradients": tape.gradient(share, variables), "loss": share,
                "cross_entropy": cross_entropy / replicas,
                "accuracy": accuracy_of(logits, labels) / replicas}

    def _valid_minibatches(self, count: int):
        """COUNT random validation minibatches (with replacement across minibatches)."""
        size = min(self.config.batch_size, int(self.valid_labels.shape[0]))
        index = self.data_rng.uniform([count, size], 0, self.valid_labels.shape[0], tf.int32)
        return tf.gather(self.valid_images, index), tf.gather(self.valid_labels, index)

    @tf.function
    def controller_step(self) -> dict[str, tf.Tensor]:
        images, labels = self._valid_minibatches(self.config.reinforce.num_aggregate)
        return self.trainer.update(images, labels)

    @tf.function
    def sampled_arc_accuracy(self) -> tuple[tf.Tensor, tf.Tensor]:
        """A sampled arc and its accuracy on one validation minibatch."""
        arc = self.controller.sample()["arc"]
        images, labels = self._valid_minibatches(1)
        return arc, self.minibatch_accuracy(arc, images[0], labels[0])

    @tf.function
    def fresh_arc_accuracy(self, images, labels) -> tf.Tensor:
        return self.minibatch_accuracy(self.controller.sample()["arc"], images, labels)

    @tf.function
    def arc_accuracy(self, arc, images, labels) -> tf.Tensor:
        return self.minibatch_accuracy(arc, images, labels)


def evaluate_accuracy(search: Search, arrays, batch_size: int, arc=None) -> float:
    """Accuracy over EVERY example (the last batch partial, as the original evaluates); a
    fresh arc per batch unless ARC is given. Batch accuracies are weighted by batch size."""
    correct = total = 0.0
    for x, y in input_pipeline.array_batches(arrays, batch_size):
        score = (search.fresh_arc_accuracy(x, y) if arc is None
                 else search.arc_accuracy(arc, x, y))
        correct += float(score.numpy()) * int(y.shape[0])
        total += int(y.shape[0])
    return correct / total


def _write_scalars(writer, step: int, values: dict[str, float]) -> None:
    with writer.as_default(step=step):
        for name, value in values.items():
            tf.summary.scalar(name, value)


def run_epoch(search: Search, writer, epoch: int) -> dict[str, float]:
    """One epoch of child training, the controller phase and the evaluations (the last two on
    the chief only, whose state the caller then broadcasts); the chief's summary."""
    config = search.config
    lr = config.schedule(epoch)
    search.child_optimizer.learning_rate = lr
    began = time.perf_counter()
    search.feed.on_epoch_begin(epoch)
    child_stats = [search.child_step(x, y) for x, y in search.feed.dataset()]
    child_seconds = time.perf_counter() - began
    arcs = np.stack([stats.pop("arc").numpy() for stats in child_stats])
    # every worker logs this: equal digests show that all trained the same arcs
    logging.info("epoch %d: %d child steps, arcs digest %s", epoch + 1, len(arcs),
                 hashlib.sha256(arcs.astype(np.int32).tobytes()).hexdigest()[:16])
    if not is_chief(search.strategy):
        return {}
    # The original trains the controller after epochs that are multiples of train_every.
    trains_controller = (config.controller_training
                         and (epoch + 1) % config.controller_train_every == 0)
    controller_stats = [search.controller_step()
                        for _ in range(config.controller_train_steps if trains_controller else 0)]
    controller_seconds = time.perf_counter() - began - child_seconds
    logged_arcs = [search.sampled_arc_accuracy() for _ in range(10)]
    summary = {"child/lr": lr, "time/child_epoch_s": child_seconds,
               "time/controller_phase_s": controller_seconds}
    for name in child_stats[0]:
        summary[f"child/{name}"] = float(np.mean([s[name].numpy() for s in child_stats]))
    for name in controller_stats[0] if controller_stats else ():
        summary[f"controller/{name}"] = float(np.mean([s[name].numpy()
                                                       for s in controller_stats]))
    if (epoch + 1) % config.eval_every_epochs == 0 or epoch + 1 == config.num_epochs:
        summary["child/valid_acc"] = evaluate_accuracy(search, search.data.valid, config.batch_size)
        if len(search.data.test[1]):  # a recognition search is given no test data at all
            summary["child/test_acc"] = evaluate_accuracy(search, search.data.test, config.batch_size)
    _write_scalars(writer, epoch + 1, summary)
    with writer.as_default(step=epoch + 1):
        tf.summary.text("sampled_arcs", "\n\n".join(
            f"acc {float(acc):.3f}: `{arc_lib.format_flat(arc.numpy())}`"
            for arc, acc in logged_arcs))
    return summary
