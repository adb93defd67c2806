"""BlazePose's landmark model on one region: 33 body landmarks in frame pixels.

The region (`pose2d.roi`) is warped to the model's 256 x 256 input with pixels in [0, 1]. The
model returns 39 landmarks of (x, y, z, visibility, presence) in crop pixels, the last two as
logits, plus the probability that the crop holds a person. Landmarks 0-32 are the body
(BlazePose-33 order, `datasets.layouts.BLAZEPOSE_33`); 33 and 34 are the mid-hip and
body-circle points from which the next frame's region is made. MediaPipe's optional
heatmap refinement of the coordinates is not applied.
"""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from pose2d.interpreter import TfliteModel
from pose2d.roi import Region, region_from_points

BODY_LANDMARKS = 33


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -80, 80)))


@dataclasses.dataclass(frozen=True)
class Landmarks:
    """One person in one frame.

    Attributes:
      points: (33, 2) frame pixels.
      visibility: (33,) probability that the landmark is visible (not occluded).
      presence: (33,) probability that the landmark is inside the frame.
      score: probability that the crop holds a person at all.
      next_region: where to look in the next frame.
    """

    points: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    score: float
    next_region: Region

    @property
    def confidence(self) -> np.ndarray:
        """(33,) per-landmark confidence: visible and present."""
        return self.visibility * self.presence


class LandmarkModel:
    """pose_landmark_{lite,full}.tflite; `locate(frame, region)` -> Landmarks."""

    def __init__(self, model_path: str, num_threads: int | None = None):
        self.model = TfliteModel(model_path, num_threads)
        self.size = self.model.input_shape[1]

    def crop(self, frame: np.ndarray, region: Region) -> np.ndarray:
        """The region as the model's (size, size, 3) float32 input in [0, 1]."""
        patch = cv2.warpAffine(frame, region.crop_matrix(self.size), (self.size, self.size),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        return patch.astype(np.float32) / 255.0

    def locate(self, frame: np.ndarray, region: Region) -> Landmarks:
        outputs = self.model.run(self.crop(frame, region)[None])
        raw = outputs[0].reshape(-1, 5)
        uncrop = region.uncrop_matrix(self.size)
        points = raw[:, :2] @ uncrop[:, :2].T + uncrop[:, 2]
        return Landmarks(points=points[:BODY_LANDMARKS].astype(np.float32),
                         visibility=_sigmoid(raw[:BODY_LANDMARKS, 3]).astype(np.float32),
                         presence=_sigmoid(raw[:BODY_LANDMARKS, 4]).astype(np.float32),
                         score=float(outputs[1].ravel()[0]),  # already a probability
                         next_region=region_from_points(points[33], points[34]))
