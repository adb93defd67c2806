"""Pictures of skeletons with OpenCV: the 3D skeleton from a fixed viewpoint, beside a frame.

Drawn with OpenCV on arrays (a frame in well under a millisecond), not with matplotlib's 3D
axes (tens of milliseconds a frame), so the video of a long clip is cheap.
"""
from __future__ import annotations

import cv2
import numpy as np

from common.atomic import atomic_path
from datasets.layouts import H36M_17, bones

_BONES = bones()
_LEFT = {i for i, name in enumerate(H36M_17.joints) if name.startswith("L")}
_RIGHT = {i for i, name in enumerate(H36M_17.joints) if name.startswith("R")}
_COLOURS = {"left": (40, 120, 230), "right": (230, 70, 50), "centre": (90, 90, 90)}
# The fixed viewpoint: 35 degrees round the vertical from the camera's own, 15 degrees above.
_AZIMUTH, _ELEVATION = np.deg2rad(35.0), np.deg2rad(15.0)
_HALF_EXTENT_MM = 1100.0


def _view_rotation() -> np.ndarray:
    """Camera frame (x right, y down, z away) -> the viewer's, turned and raised."""
    a, e = _AZIMUTH, _ELEVATION
    about_vertical = np.array([[np.cos(a), 0, -np.sin(a)], [0, 1, 0], [np.sin(a), 0, np.cos(a)]])
    raise_view = np.array([[1, 0, 0], [0, np.cos(e), np.sin(e)], [0, -np.sin(e), np.cos(e)]])
    return raise_view @ about_vertical


def skeleton_3d_image(pose: np.ndarray, size: int = 480, title: str = "") -> np.ndarray:
    """(size, size, 3) RGB picture of a (17, 3) root-relative pose in mm, H36M-17, or of
    several people placed together, (P x 17, 3) about their common centre (the view widened
    to hold them); a pose that is not finite (a frame nobody was lifted in) gives the empty
    canvas with a note."""
    people = np.asarray(pose).reshape(-1, H36M_17.num_joints, 3)
    canvas = np.full((size, size, 3), 250, np.uint8)
    scale = size / (2 * _HALF_EXTENT_MM * (1 + 0.5 * (len(people) - 1)))
    ground = int(size * 0.5 + 900 * scale)
    cv2.line(canvas, (size // 8, ground), (size - size // 8, ground), (200, 200, 200), 1)
    if not np.isfinite(people).all():
        cv2.putText(canvas, "not lifted", (size // 3, size // 2), cv2.FONT_HERSHEY_SIMPLEX,
                    0.7, (120, 120, 120), 2, cv2.LINE_AA)
    else:
        for person in people:
            _draw_person(canvas, person @ _view_rotation().T, scale)
    if title:
        cv2.putText(canvas, title, (10, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (20, 20, 20), 1,
                    cv2.LINE_AA)
    return canvas


def _draw_person(canvas: np.ndarray, viewed: np.ndarray, scale: float) -> None:
    size = canvas.shape[0]
    points = np.round(viewed[:, :2] * scale + size / 2).astype(int)
    order = sorted(_BONES, key=lambda bone: -viewed[list(bone), 2].mean())  # far first
    for parent, child in order:
        side = "left" if child in _LEFT else "right" if child in _RIGHT else "centre"
        cv2.line(canvas, tuple(points[parent]), tuple(points[child]), _COLOURS[side],
                 max(2, size // 120), cv2.LINE_AA)
    for point in points:
        cv2.circle(canvas, tuple(point), max(2, size // 160), (30, 30, 30), -1, cv2.LINE_AA)


def write_pose_strip(path: str, poses: np.ndarray, shown: np.ndarray, count: int = 4) -> None:
    """A PNG at PATH of up to COUNT frames, evenly spread over the frames SHOWN ((T,) bool)
    of POSES ((T, 17, 3), or (T, P x 17, 3) people placed together); the empty canvas when
    none is shown."""
    frames = np.flatnonzero(shown)
    picks = frames[np.linspace(0, len(frames) - 1, min(count, len(frames))).astype(int)]
    strip = [skeleton_3d_image(poses[i], 320, f"frame {i}") for i in picks]
    write_png(path, np.concatenate(strip, axis=1) if strip
              else skeleton_3d_image(np.full((17, 3), np.nan), 320))


def beside(frame: np.ndarray, picture: np.ndarray) -> np.ndarray:
    """FRAME scaled to PICTURE's height, then PICTURE on its right."""
    height = picture.shape[0]
    width = max(1, round(frame.shape[1] * height / frame.shape[0]))
    return np.concatenate([cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA),
                           picture], axis=1)


def enlarged(image: np.ndarray, side: int = 256) -> np.ndarray:
    """A small image (an Enhanced-SPMF picture) blown up with visible pixels."""
    return cv2.resize(image, (side, side), interpolation=cv2.INTER_NEAREST)


def write_png(path: str, rgb: np.ndarray) -> None:
    """RGB array -> PNG at PATH, written to a temporary name and renamed."""
    with atomic_path(path) as temporary:
        if not cv2.imwrite(temporary, np.ascontiguousarray(rgb[..., ::-1])):
            raise OSError(f"could not write {path}")
