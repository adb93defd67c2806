"""`model.fit` that survives a kill: the one training harness of the Keras trainers.

Every Keras trainer of the project (the lifter, the fixed-arc ENAS network) trains through
this function, so that both resume the same way (atomic per-epoch backups, restored random
state), stop the same way on a non-finite loss, and log the same learning rate, TensorBoard
scalars and progress with ETA.
"""
from __future__ import annotations

import os
from typing import Sequence

import keras
import tensorflow as tf

from common.backup import AtomicBackupAndRestore
from common.callbacks import LearningRateLogger, ProgressLogger, StopOnNonFiniteLoss


def fit_resumable(model: keras.Model, train_data: tf.data.Dataset, *, epochs: int,
                  run_dir: str, write_dir: str, examples_per_epoch: int, global_batch: int,
                  validation_data: tf.data.Dataset | None = None, validation_freq: int = 1,
                  callbacks: Sequence[keras.callbacks.Callback] = ()) -> keras.callbacks.History:
    """Trains MODEL to EPOCHS, resuming from RUN_DIR/backup.

    Backups and TensorBoard logs are written below WRITE_DIR: RUN_DIR itself, or a worker's
    temporary folder on a worker of a multi-worker cluster other than the chief (every worker
    resumes from the chief's backups). CALLBACKS come first; the data's own epoch order
    (`common.epoch_order.EpochOrder`) is one of them, so `shuffle` is off.
    """
    harness = [*callbacks, StopOnNonFiniteLoss(),
               AtomicBackupAndRestore(os.path.join(run_dir, "backup"),
                                      write_dir=os.path.join(write_dir, "backup")),
               LearningRateLogger(), keras.callbacks.TensorBoard(os.path.join(write_dir, "logs")),
               ProgressLogger(epochs, examples_per_epoch, global_batch)]
    return model.fit(train_data, validation_data=validation_data,
                     validation_freq=validation_freq, epochs=epochs, verbose=0, shuffle=False,
                     callbacks=harness)
