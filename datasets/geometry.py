"""Cameras, projection and rigid alignment, vectorised over any leading dimensions.

The projection follows the model of Martinez et al.'s 3d-pose-baseline (the Human3.6M camera
file's model): radial terms k1..k3 and two tangential terms, applied to the normalised image
coordinates before focal length and principal point. Using the same model as the release
keeps our ground-truth 2D identical to theirs, so accuracy numbers stay comparable.
"""
from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Camera:
    """A calibrated pinhole camera with distortion.

    Attributes:
      name: camera id (Human3.6M uses e.g. "54138969").
      rotation: (3, 3) world -> camera rotation, so X_cam = rotation @ (P - translation).
        (The Human3.6M file stores its transpose; the loader undoes that.)
      translation: (3,) camera centre in world millimetres.
      focal: (2,) fx, fy in pixels.
      center: (2,) principal point in pixels.
      radial: (3,) k1, k2, k3.
      tangential: (2,) p1, p2.
      resolution: (width, height) in pixels.
    """

    name: str
    rotation: np.ndarray
    translation: np.ndarray
    focal: np.ndarray
    center: np.ndarray
    radial: np.ndarray
    tangential: np.ndarray
    resolution: tuple[int, int] = (1000, 1000)


def world_to_camera(points: np.ndarray, camera: Camera) -> np.ndarray:
    """(..., 3) world points -> (..., 3) camera-frame points (same units)."""
    return (np.asarray(points) - camera.translation) @ camera.rotation.T


def camera_to_world(points: np.ndarray, camera: Camera) -> np.ndarray:
    """Inverse of world_to_camera."""
    return np.asarray(points) @ camera.rotation + camera.translation


def distort(normalised: np.ndarray, camera: Camera) -> np.ndarray:
    """Martinez's radial + tangential distortion of (..., 2) normalised coordinates."""
    x, y = normalised[..., 0], normalised[..., 1]
    r2 = x * x + y * y
    k1, k2, k3 = camera.radial
    p1, p2 = camera.tangential
    radial = 1.0 + k1 * r2 + k2 * r2 ** 2 + k3 * r2 ** 3
    tangential = p1 * y + p2 * x
    scale = (radial + tangential)[..., None]
    return normalised * scale + np.stack([p2 * r2, p1 * r2], axis=-1)


def project_camera_points(points_cam: np.ndarray, camera: Camera) -> np.ndarray:
    """(..., 3) camera-frame points -> (..., 2) distorted pixel coordinates."""
    points_cam = np.asarray(points_cam)
    normalised = points_cam[..., :2] / points_cam[..., 2:3]
    return distort(normalised, camera) * camera.focal + camera.center


def project(points_world: np.ndarray, camera: Camera) -> np.ndarray:
    """(..., 3) world points -> (..., 2) distorted pixel coordinates."""
    return project_camera_points(world_to_camera(points_world, camera), camera)


def root_relative(points: np.ndarray, root: int = 0) -> np.ndarray:
    """Subtracts the root joint from every joint of (..., J, D) points."""
    points = np.asarray(points)
    return points - points[..., root:root + 1, :]


def procrustes_align(predicted: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Aligns (..., J, 3) predictions to targets by the best rotation, scale and translation.

    The similarity transform minimising the squared error (Umeyama's solution), with the
    reflection removed so that the result is a proper rotation. This is the alignment of
    Protocol #2 (PA-MPJPE) on Human3.6M.
    """
    predicted = np.asarray(predicted, np.float64)
    target = np.asarray(target, np.float64)
    mu_p = predicted.mean(axis=-2, keepdims=True)
    mu_t = target.mean(axis=-2, keepdims=True)
    p0, t0 = predicted - mu_p, target - mu_t
    covariance = np.swapaxes(t0, -1, -2) @ p0                     # (..., 3, 3)
    u, s, vt = np.linalg.svd(covariance)
    sign = np.sign(np.linalg.det(u @ vt))
    correction = np.ones_like(s)
    correction[..., -1] = sign
    rotation = (u * correction[..., None, :]) @ vt                 # target <- predicted
    variance = np.sum(p0 ** 2, axis=(-2, -1))
    scale = np.sum(s * correction, axis=-1) / np.maximum(variance, 1e-12)
    aligned = scale[..., None, None] * p0 @ np.swapaxes(rotation, -1, -2) + mu_t
    return aligned.astype(np.float32)


def look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray = np.array([0.0, 0.0, 1.0])
            ) -> np.ndarray:
    """World -> camera rotation of a camera at `eye` looking at `target` (y down in image)."""
    forward = np.asarray(target, np.float64) - np.asarray(eye, np.float64)
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, up)
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    return np.stack([right, down, forward])
