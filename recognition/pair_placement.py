"""Several lifted people in one frame of reference, recovered from their 2D keypoints.

The lifter gives each person's pose relative to their own hip, so two people lifted alone
stand on top of each other and an interaction (approaching, punching, hugging) loses what
makes it one. Their relative position comes from the image under weak perspective: a
person's millimetres per pixel is the ratio of their lifted body size across the image (RMS
distance of the joints from the hip in x and y, mm) to their 2D body size (px); the pair's
mean ratio turns the hips' pixel offsets into millimetres across and down, and each
person's ratio against that mean gives their depth offset, `focal_px x (ratio - mean
ratio)`, with a nominal focal length (the image's larger side: a 53-degree field of view; a
Kinect's 640 x 480 has about 525-580 px).
"""
from __future__ import annotations

import warnings

import numpy as np


def _rms_size(points: np.ndarray) -> np.ndarray:
    """(..., J, D) -> (...,) RMS distance of the joints from the first (the hip), over the
    joints that are known (a detector may leave some NaN)."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a frame with no joint: NaN
        return np.sqrt(np.nanmean(np.sum((points - points[..., :1, :]) ** 2, axis=-1),
                                  axis=-1))


def placement_offsets(poses: np.ndarray, keypoints: np.ndarray, focal_px: float) -> np.ndarray:
    """(T, P, 17, 3) root-relative mm and (T, P, 16, 2) pixels of the same people -> (T, P, 3)
    mm from the people's common centre to each one's hip (camera axes); NaN in a frame where
    anyone is not lifted or has no hip in 2D; zero for one person."""
    poses = np.asarray(poses, np.float64)
    keypoints = np.asarray(keypoints, np.float64)
    if poses.shape[1] < 2:
        return np.zeros((*poses.shape[:2], 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        # across the image only: a body's depth extent does not show in its 2D size
        ratio = _rms_size(poses[..., :2]) / _rms_size(keypoints)
        mean_ratio = ratio.mean(axis=1, keepdims=True)
        hips = keypoints[:, :, 0, :]
        across = (hips - hips.mean(axis=1, keepdims=True)) * mean_ratio[..., None]
        depth = focal_px * (ratio - mean_ratio)
    offsets = np.concatenate([across, depth[..., None]], axis=-1)
    offsets[~np.isfinite(offsets).all(axis=(1, 2))] = np.nan
    return offsets


def place_people(poses: np.ndarray, keypoints: np.ndarray, focal_px: float) -> np.ndarray:
    """(T, P, 17, 3) root-relative mm and (T, P, 16, 2) pixels of the same people -> the
    poses moved to their places around the people's common centre (mm, camera axes). A frame
    where someone is not lifted keeps everyone root-relative there (NaN stays NaN)."""
    offsets = placement_offsets(poses, keypoints, focal_px)
    usable = np.isfinite(offsets).all(axis=(1, 2))
    placed = np.asarray(poses, np.float64).copy()
    placed[usable] += offsets[usable][:, :, None, :]
    return placed.astype(np.float32)
