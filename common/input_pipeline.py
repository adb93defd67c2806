"""The tf.data settings every input pipeline of the project shares: no autotuner.

TensorFlow 2.21's tf.data autotuner runs a background thread that sleeps for a period
doubling from 10 ms (10, 20, 40 ms ...). Destroying an iterator, which
Keras does after every epoch, evaluation pass and `fit` call, sometimes waits for that
thread's next wake-up with the CPU idle: a short `fit` can return seconds after its work
is done (the measurements are in docs/EXPERIMENTS.md); with the autotuner off, never. Every
pipeline here gathers and normalises whole batches of arrays
already in memory, which leaves the autotuner nothing to tune, so it is turned off and the
parallelism is set explicitly instead. `model.predict` on arrays builds Keras's own pipeline,
autotuned and out of our reach, and stalls the same way; `array_batches` is its replacement.
"""
from __future__ import annotations

from typing import Any

import tensorflow as tf

# Batches made ahead of the train step: enough to hide a gather-and-normalise of
# microseconds behind a step of milliseconds.
PREFETCH_BATCHES = 2


def prefetch_without_autotuner(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """DATASET prefetched and with the autotuner off.

    With the autotuner off, a `num_parallel_calls=tf.data.AUTOTUNE` upstream stays at the
    number of schedulable cores (at most 16) instead of being tuned.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(PREFETCH_BATCHES).with_options(options)


def array_batches(arrays: Any, batch_size: int) -> tf.data.Dataset:
    """ARRAYS (an array, or a dict of equally long ones) in batches of BATCH_SIZE, in order,
    the last one partial: what `model.predict(arrays, batch_size=...)` feeds, without the
    autotuner."""
    return prefetch_without_autotuner(
        tf.data.Dataset.from_tensor_slices(arrays).batch(batch_size))
