"""Harder videos made from the NTU clip (one person, 1920 x 1080), for benchmarks and tests:
two people side by side (or close, one partly hidden), the clip at low resolution, a person
cut off at the waist."""
from __future__ import annotations

import cv2
import numpy as np

# Where the NTU clip's person stands: rows and columns of the crop that holds them.
_PERSON_ROWS, _PERSON_COLUMNS = slice(140, 780), slice(880, 1200)


def two_people(frames: list[np.ndarray], columns: tuple[int, int] = (200, 760)
               ) -> list[np.ndarray]:
    """The clip's person pasted twice into a 1280 x 720 scene, at COLUMNS: hips about 560 px
    apart, 2.2 hip-to-head lengths, near enough to pair (`pipeline.pairs`)."""
    scenes = []
    for frame in frames:
        scene = np.full((720, 1280, 3), 190, np.uint8)
        for x in columns:
            scene[40:680, x:x + 320] = frame[_PERSON_ROWS, _PERSON_COLUMNS]
        scenes.append(scene)
    return scenes


def two_people_close(frames: list[np.ndarray]) -> list[np.ndarray]:
    """The same, hips 240 px apart: one body covers the edge of the other and the regions
    round them overlap by more than half, as when two people hug or shake hands."""
    return two_people(frames, (200, 440))


def low_resolution(frames: list[np.ndarray]) -> list[np.ndarray]:
    return [cv2.resize(f, (320, 180), interpolation=cv2.INTER_AREA) for f in frames]


def cut_off_at_the_waist(frames: list[np.ndarray]) -> list[np.ndarray]:
    return [f[100:560, 760:1320] for f in frames]
