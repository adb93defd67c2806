"""What a tracked person looks like: the colours of their torso, to tell whether someone the
detector finds again is a person lost a moment ago.

Position alone cannot say it: a person hidden behind another for a second comes out a body
width away, where the lost region no longer overlaps them, while a stranger may step into that
region. Clothes can: the torso (the box of shoulders and hips, where the landmarks are surest
and the background least) gives a hue-saturation histogram that stays put while its owner
moves, turns a little or changes size, and that brightness (value) is left out of, so that a
shadow does not change it. Two histograms are compared by their Bhattacharyya coefficient (1
for the same colours, 0 for none in common).
"""
from __future__ import annotations

import cv2
import numpy as np

HUE_BINS = 16
SATURATION_BINS = 4
SHOULDERS_AND_HIPS = (11, 12, 23, 24)  # BlazePose landmark indices
MIN_VISIBILITY = 0.5
MIN_TORSO_PIXELS = 64


def torso_colours(frame: np.ndarray, points: np.ndarray, visibility: np.ndarray
                  ) -> np.ndarray | None:
    """The (HUE_BINS * SATURATION_BINS,) hue-saturation histogram, summing to 1, of the box
    spanned by the shoulders and hips in FRAME (H, W, 3) uint8 RGB, taken from the landmarks
    POINTS (33, 2) px; None when fewer than three of them are seen or the box is too small
    (a person far away or cut off)."""
    torso = list(SHOULDERS_AND_HIPS)
    seen = visibility[torso] >= MIN_VISIBILITY
    if seen.sum() < 3:
        return None
    corners = points[torso][seen]
    height, width = frame.shape[:2]
    x0, y0 = np.clip(np.floor(corners.min(0)), 0, [width, height]).astype(int)
    x1, y1 = np.clip(np.ceil(corners.max(0)), 0, [width, height]).astype(int)
    if (x1 - x0) * (y1 - y0) < MIN_TORSO_PIXELS:
        return None
    hsv = cv2.cvtColor(np.ascontiguousarray(frame[y0:y1, x0:x1]), cv2.COLOR_RGB2HSV)
    histogram = cv2.calcHist([hsv], [0, 1], None, [HUE_BINS, SATURATION_BINS],
                             [0, 180, 0, 256]).ravel()
    return histogram / histogram.sum()


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """The Bhattacharyya coefficient of two histograms of `torso_colours` (0 to 1)."""
    return float(np.sum(np.sqrt(first * second)))


def remembered(previous: np.ndarray | None, current: np.ndarray | None, weight: float = 0.1
               ) -> np.ndarray | None:
    """A track's colours after a frame: CURRENT blended into PREVIOUS by WEIGHT, so that one
    frame where the torso is half hidden does not replace what the track looked like."""
    if current is None:
        return previous
    if previous is None:
        return current
    return (1 - weight) * previous + weight * current
