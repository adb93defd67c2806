"""Choosing a tf.distribute strategy by name, as the --strategy flag of every trainer does."""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import tempfile
from typing import Iterator, Sequence

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi_worker")


@functools.cache
def make_strategy(name: str) -> tf.distribute.Strategy:
    """default: one device (a GPU when present); mirrored: all local GPUs (or CPUs when
    there is none); multi_worker: the cluster described by TF_CONFIG.

    One strategy per name and process: a collective strategy can be set up only once in a
    process, and recognition.experiment runs a search and several trainings in one."""
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


@contextlib.contextmanager
def worker_folder(folder: str, strategy: tf.distribute.Strategy) -> Iterator[str]:
    """FOLDER for the chief; for any other worker an empty temporary folder (its own logs and
    backups, which nobody reads), removed when the block ends. Its name follows from the
    worker and FOLDER, so the rerun of a killed cluster clears what the killed worker left."""
    if is_chief(strategy):
        yield folder
        return
    digest = hashlib.sha256(os.path.abspath(folder).encode()).hexdigest()[:12]
    temporary = os.path.join(tempfile.gettempdir(),
                             f"worker{strategy.cluster_resolver.task_id}-{digest}")
    shutil.rmtree(temporary, ignore_errors=True)
    os.makedirs(temporary)
    try:
        yield temporary
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


@tf.autograph.experimental.do_not_convert
def broadcast_from_chief(strategy: tf.distribute.Strategy, variables: Sequence) -> None:
    """Sets every worker's VARIABLES to the chief's values (those of global replica 0).

    Its loops run over a fixed list of variables while the graph is traced, so AutoGraph
    has nothing to convert; left to it, it fails on the closure and warns on every trace.

    For state that only the chief changes (the search's controller phase runs there once)
    or only the chief restored (a resumed run: no other worker needs a copy of the chief's
    checkpoint). One all-reduce in which every replica but replica 0 contributes zeros; a
    collective, so every worker calls it at the same point.
    """
    if strategy.num_replicas_in_sync == 1:
        return

    by_dtype: dict[tf.DType, list[int]] = {}
    for index, variable in enumerate(variables):  # one all-reduce packs one dtype only
        by_dtype.setdefault(variable.dtype, []).append(index)

    def chief_values():
        context = tf.distribute.get_replica_context()
        first = tf.equal(context.replica_id_in_sync_group, 0)
        shared = {}
        for indices in by_dtype.values():
            values = [tf.convert_to_tensor(variables[i]) for i in indices]
            summed = context.all_reduce(tf.distribute.ReduceOp.SUM,
                                        [tf.where(first, v, tf.zeros_like(v)) for v in values])
            shared.update(zip(indices, summed))
        return [shared[index] for index in range(len(variables))]

    for variable, value in zip(variables, strategy.run(chief_values)):
        variable.assign(strategy.experimental_local_results(value)[0])
