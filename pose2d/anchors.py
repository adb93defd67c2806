"""The SSD anchors BlazePose's person detector regresses from (MediaPipe's anchor scheme).

`pose_detection.tflite` predicts, for each of 2,254 anchors, a box and four keypoints as
offsets from the anchor centre, in units of its 224-pixel input. The anchors are the centres
of feature-map cells at strides 8, 16, 32, 32 and 32; layers of equal stride share a grid, and
every layer puts two anchors on each cell (its aspect ratio 1 and the interpolated scale).
With fixed anchor sizes only the centres matter: 28 x 28 x 2 + 14 x 14 x 2 + 7 x 7 x 6.
"""
from __future__ import annotations

import functools
import itertools

import numpy as np

INPUT_SIZE = 224
STRIDES = (8, 16, 32, 32, 32)
ANCHORS_PER_LAYER = 2
ANCHOR_OFFSET = 0.5


@functools.lru_cache(maxsize=None)
def anchor_centres(input_size: int = INPUT_SIZE, strides: tuple[int, ...] = STRIDES
                   ) -> np.ndarray:
    """(N, 2) anchor centres (x, y) in [0, 1] of the input, in the model's output order."""
    centres = []
    layer = 0
    while layer < len(strides):
        stride = strides[layer]
        same = len(list(itertools.takewhile(lambda s: s == stride, strides[layer:])))
        cells = int(np.ceil(input_size / stride))
        y, x = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = (np.stack([x, y], -1).reshape(-1, 1, 2) + ANCHOR_OFFSET) / cells
        centres.append(np.repeat(grid, ANCHORS_PER_LAYER * same, axis=1).reshape(-1, 2))
        layer += same
    return np.concatenate(centres).astype(np.float32)
