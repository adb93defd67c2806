"""Scalars back out of TensorBoard event files: for reports that plot a run's curves and
for tests that check what a run logged."""
from __future__ import annotations

import os
from typing import Iterator

import tensorflow as tf


def _values(log_dir: str) -> Iterator[tuple[int, tf.compat.v1.Summary.Value]]:
    """(step, summary value) of every event file in LOG_DIR, files in name order."""
    if not os.path.isdir(log_dir):
        return
    for name in sorted(name for name in os.listdir(log_dir) if ".tfevents." in name):
        for record in tf.data.TFRecordDataset(os.path.join(log_dir, name)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                yield event.step, value


def read_scalars(log_dir: str) -> dict[str, dict[int, float]]:
    """{tag: {step: value}} of every scalar in LOG_DIR's event files (later files win)."""
    scalars: dict[str, dict[int, float]] = {}
    for step, value in _values(log_dir):
        if value.HasField("tensor") and not value.tensor.string_val:
            scalars.setdefault(value.tag, {})[step] = float(tf.make_ndarray(value.tensor))
    return scalars


def summary_tags(log_dir: str) -> set[str]:
    """Every tag logged in LOG_DIR: scalars, text and the rest."""
    return {value.tag for _, value in _values(log_dir)}
