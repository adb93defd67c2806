"""Keras callbacks for long runs: progress with rate and ETA, and the learning rate in logs."""
from __future__ import annotations

import time

import keras
from absl import logging


class LearningRateLogger(keras.callbacks.Callback):
    """Adds the optimiser's current learning rate to the epoch logs (so TensorBoard plots it).

    Must come before the TensorBoard callback in the callback list.
    """

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            # Keras evaluates a schedule at the optimiser's current step here.
            logs["learning_rate"] = float(keras.ops.convert_to_numpy(
                self.model.optimizer.learning_rate))


class ProgressLogger(keras.callbacks.Callback):
    """Logs each epoch with its metrics, examples per second and the ETA of the run."""

    def __init__(self, total_epochs: int, examples_per_epoch: int):
        super().__init__()
        self.total_epochs = total_epochs
        self.examples_per_epoch = examples_per_epoch
        self._epoch_start = 0.0
        self._durations: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        seconds = time.perf_counter() - self._epoch_start
        self._durations.append(seconds)
        eta = (self.total_epochs - epoch - 1) * sum(self._durations) / len(self._durations)
        metrics = " ".join(f"{k}={v:.4g}" for k, v in sorted((logs or {}).items()))
        logging.info("epoch %d/%d %.0fs (%.0f examples/s, ETA %.0f min) %s", epoch + 1,
                     self.total_epochs, seconds, self.examples_per_epoch / seconds, eta / 60,
                     metrics)
