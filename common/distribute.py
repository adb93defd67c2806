"""Choosing a tf.distribute strategy by name, as the --strategy flag of every trainer does."""
from __future__ import annotations

import tempfile

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi_worker")


def make_strategy(name: str) -> tf.distribute.Strategy:
    """default: one device (a GPU when present); mirrored: all local GPUs (or CPUs when
    there is none); multi_worker: the cluster described by TF_CONFIG."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multi_worker":
        return NestedReduceMultiWorkerStrategy()
    raise ValueError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}")


class NestedReduceMultiWorkerStrategy(tf.distribute.MultiWorkerMirroredStrategy):
    """MultiWorkerMirroredStrategy with the `reduce` Keras 3.15's `fit` expects of it.

    Two calls of Keras's multi-worker path fail on the collective strategy as TensorFlow
    ships it: the first distributed batch, a nest of dicts for our models, is reduced in one
    call ("Attempt to convert a value ({...: PerReplica}) to a Tensor"; MirroredStrategy
    accepts a nest), and every scalar metric is reduced along axis 0 ("Invalid reduction
    dimension 0 for input with 0 dimensions"). Here a nest is reduced leaf by leaf, one
    collective per leaf in a fixed order, and a scalar across replicas only.
    """

    def reduce(self, reduce_op, value, axis):
        parent = super()

        def leaf(item):
            values = getattr(item, "values", (item,))
            scalar = all(getattr(v, "shape", None) is not None and v.shape.rank == 0
                         for v in values)
            return parent.reduce(reduce_op, item, None if scalar else axis)

        return tf.nest.map_structure(leaf, value)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes the run folder: always outside a multi-worker cluster;
    inside, the "chief" task, or worker 0 of a cluster without one (TensorFlow's rule)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


def worker_folder(folder: str, strategy: tf.distribute.Strategy) -> str:
    """FOLDER for the chief; for any other worker a fresh temporary folder (its own logs and
    backups, which nobody reads; the caller removes it)."""
    if is_chief(strategy):
        return folder
    return tempfile.mkdtemp(prefix=f"worker{strategy.cluster_resolver.task_id}-")
