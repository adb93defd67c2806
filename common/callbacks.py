"""Keras callbacks for long runs: progress with rate and ETA, and the learning rate in logs."""
from __future__ import annotations

import math
import time

import keras
from absl import logging

from common.run_record import NonFiniteLoss


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
    """Logs each epoch with its metrics, examples per second and the ETA of the run, and, inside
    an epoch, the step, rate and time to the epoch's end every `every_seconds` (a pass over
    Human3.6M takes twenty minutes on two cores: silence that long looks like a hang)."""

    def __init__(self, total_epochs: int, examples_per_epoch: int, batch_size: int,
                 every_seconds: float = 60.0, clock=time.perf_counter):
        super().__init__()
        self.total_epochs = total_epochs
        self.examples_per_epoch = examples_per_epoch
        self.steps_per_epoch = max(1, math.ceil(examples_per_epoch / batch_size))
        self.batch_size = batch_size
        self.every_seconds = every_seconds
        self._clock = clock
        self._epoch = 0
        self._epoch_start = self._last_report = 0.0
        self._durations: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch
        self._epoch_start = self._last_report = self._clock()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        now = self._clock()
        if now - self._last_report < self.every_seconds:
            return
        self._last_report = now
        steps = batch + 1
        rate = steps / (now - self._epoch_start)
        logging.info("epoch %d/%d step %d/%d (%.0f examples/s, epoch ends in %.1f min)",
                     self._epoch + 1, self.total_epochs, steps, self.steps_per_epoch,
                     rate * self.batch_size, (self.steps_per_epoch - steps) / rate / 60)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        seconds = self._clock() - self._epoch_start
        self._durations.append(seconds)
        eta = (self.total_epochs - epoch - 1) * sum(self._durations) / len(self._durations)
        metrics = " ".join(f"{k}={v:.4g}" for k, v in sorted((logs or {}).items()))
        logging.info("epoch %d/%d %.0fs (%.0f examples/s, ETA %.0f min) %s", epoch + 1,
                     self.total_epochs, seconds, self.examples_per_epoch / seconds, eta / 60,
                     metrics)


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raises NonFiniteLoss at the first batch whose loss is not finite.

    Keras's TerminateOnNaN only stops `fit`, after which a binary would go on to save the
    weights and export a NaN model; raising stops the binary before any of that, and the
    last good backup stays the one a rerun resumes from.
    """

    def __init__(self):
        super().__init__()
        self.epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            raise NonFiniteLoss(f"the training loss became {float(loss)} at epoch "
                                f"{self.epoch + 1}, batch {batch + 1}: the data or the "
                                "learning rate is at fault; nothing of this run was saved")
