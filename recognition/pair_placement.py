"""Several lifted people in one frame of reference, recovered from their 2D keypoints.

The lifter gives each person's pose relative to their own hip, so two people lifted alone
stand on top of each other and an interaction (approaching, punching, hugging) loses what
makes it one. Their relative position comes from the image under weak perspective: a
person's millimetres per pixel is the ratio of their lifted body size across the image (RMS
distance of the joints from the hip in x and y, mm) to their 2D body size (px); the pair's mean ratio turns the hips'
pixel offsets into millimetres across and down, and each person's ratio against that mean
gives their depth offset, `focal_px x (ratio - mean ratio)`, with a nominal focal length (the
image's larger side: a 53-degree field of view; a Kinect's 640 x 480 has about 525-580 px).
"""
from __future__ import annotations

import numpy as np


def _rms_size(points: np.ndarray) -> np.ndarray:
    """(..., J, D) -> (...,) RMS distance of the joints from the first (the hip)."""
    return np.sqrt(np.mean(np.sum((points - points[..., :1, :]) ** 2, axis=-1), axis=-1))


def place_people(poses: np.ndarray, keypoints: np.ndarray, focal_px: float) -> np.ndarray:
    """(T, P, 17, 3) root-relative mm and (T, P, 16, 2) pixels of the same people -> the
    poses moved to their places around the people's common centre (mm, camera axes). A frame
    where someone is not lifted keeps everyone root-relative there (NaN stays NaN)."""
    poses = np.asarray(poses, np.float64)
    if poses.shape[1] < 2:
        return poses.astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        # across the image only: a body's depth extent does not show in its 2D size
        ratio = _rms_size(poses[..., :2]) / _rms_size(np.asarray(keypoints, np.float64))
        mean_ratio = ratio.mean(axis=1, keepdims=True)
        hips = keypoints[:, :, 0, :]
        across = (hips - hips.mean(axis=1, keepdims=True)) * mean_ratio[..., None]
        depth = focal_px * (ratio - mean_ratio)
    offset = np.concatenate([across, depth[..., None]], axis=-1)  # (T, P, 3)
    usable = np.isfinite(offset).all(axis=(1, 2))
    placed = poses.copy()
    placed[usable] += offset[usable][:, :, None, :]
    return placed.astype(np.float32)
