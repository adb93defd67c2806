"""One prediction per sequence from the predictions of its images.

Recognition scores a sequence, not an image: each test sequence is shown as K views (the
unaugmented encoding and K - 1 augmented ones) and its prediction is the mean of their
softmax outputs. Shared by the ENAS trainer's evaluation and the encoding's probes.
"""
from __future__ import annotations

import numpy as np


def per_sequence(probabilities: np.ndarray, labels: np.ndarray, ids: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(S, C) mean probabilities and (S,) labels of sequences 0..S-1, from per-image
    PROBABILITIES (N, C) and LABELS (N,) of images showing sequence IDS (N,)."""
    count = int(ids.max()) + 1
    summed = np.zeros((count, probabilities.shape[1]))
    np.add.at(summed, ids, probabilities)
    sequence_labels = np.zeros(count, np.int64)
    sequence_labels[ids] = labels
    return summed / np.maximum(np.bincount(ids, minlength=count), 1)[:, None], sequence_labels
