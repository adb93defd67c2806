"""The order of a training epoch as a pure function of (seed, epoch), so that a resumed run
trains on exactly the batches an uninterrupted one would have seen.

tf.data's `shuffle(reshuffle_each_iteration=True)` and `Dataset.random` draw each epoch from
a generator that restarts with the process: a run resumed from its backup at epoch E would
see epoch 0's order again. Keras tells callbacks, not datasets, which epoch begins, and it
opens a finite dataset's iterator after `on_epoch_begin`; so this callback keeps the epoch,
and the generator behind `index_dataset()` reads it when the epoch's iterator opens.
Outside `fit`, call `on_epoch_begin(E)` before iterating epoch E.
"""
from __future__ import annotations

from typing import Iterator

import keras
import numpy as np
import tensorflow as tf

from common.run_record import SettingConflict


class EpochOrder(keras.callbacks.Callback):
    """Full batches of indices into COUNT examples, epoch E permuted by (seed, E)."""

    def __init__(self, count: int, batch_size: int, seed: int):
        super().__init__()
        if batch_size > count:
            raise SettingConflict(f"batch_size {batch_size} is larger than the {count} training "
                                  "examples")
        self.count, self.batch_size, self.seed = count, batch_size, seed
        self.epoch = 0

    @property
    def batches_per_epoch(self) -> int:
        return self.count // self.batch_size  # the remainder is dropped, as drop_remainder

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch

    def batch_indices(self) -> Iterator[np.ndarray]:
        """The current epoch's batches of example indices."""
        order = np.random.default_rng([self.seed, self.epoch]).permutation(self.count)
        for start in range(0, self.batches_per_epoch * self.batch_size, self.batch_size):
            yield order[start:start + self.batch_size]

    def index_dataset(self) -> tf.data.Dataset:
        """(indices (B,), key) per batch; KEY = [seed, a counter unique to the epoch and the
        batch], a stateless random seed for per-batch augmentation that a resume repeats."""
        def generate():
            first = self.epoch * self.batches_per_epoch
            for number, indices in enumerate(self.batch_indices()):
                yield indices, np.array([self.seed, first + number], np.int64)

        generated = tf.data.Dataset.from_generator(generate, output_signature=(
            tf.TensorSpec((self.batch_size,), tf.int64), tf.TensorSpec((2,), tf.int64)))
        return generated.apply(tf.data.experimental.assert_cardinality(self.batches_per_epoch))
