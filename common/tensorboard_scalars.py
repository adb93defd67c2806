"""Scalars back out of TensorBoard event files: for reports that plot a run's curves and
for tests that check what a run logged."""
from __future__ import annotations

import os

import tensorflow as tf


def read_scalars(log_dir: str) -> dict[str, dict[int, float]]:
    """{tag: {step: value}} of every scalar in LOG_DIR's event files (later files win)."""
    scalars: dict[str, dict[int, float]] = {}
    if not os.path.isdir(log_dir):
        return scalars
    names = sorted(name for name in os.listdir(log_dir) if ".tfevents." in name)
    for name in names:
        for record in tf.data.TFRecordDataset(os.path.join(log_dir, name)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.HasField("tensor") and not value.tensor.string_val:
                    scalars.setdefault(value.tag, {})[event.step] = float(
                        tf.make_ndarray(value.tensor))
    return scalars
