"""The rotated square a landmark pass looks at, from two body points, and its pixel mapping.

BlazePose frames a person by two points: the mid-hip and a point on the circle that encloses
the whole body around it (the detector's keypoints 0 and 1, or the landmark model's
auxiliary landmarks 33 and 34 on later frames). The region is a square centred on the
mid-hip, its side 2.5 times the circle's radius (the radius doubled, then scaled by 1.25 for
margin), turned so that the hip-to-circle direction points up in the crop: a lying or
tilted person is seen upright by the landmark model.
"""
from __future__ import annotations

import dataclasses

import numpy as np

ROI_SCALE = 1.25


@dataclasses.dataclass(frozen=True)
class Region:
    """A square of the frame: centre (x, y) and side in pixels, rotation in radians."""

    centre: np.ndarray
    side: float
    rotation: float

    def crop_matrix(self, size: int) -> np.ndarray:
        """(2, 3) affine map from frame pixels to the SIZE x SIZE crop (for cv2.warpAffine)."""
        return np.linalg.inv(np.vstack([self.uncrop_matrix(size), [0, 0, 1]]))[:2]

    def uncrop_matrix(self, size: int) -> np.ndarray:
        """(2, 3) affine map from crop pixels back to frame pixels."""
        cosine, sine = np.cos(self.rotation), np.sin(self.rotation)
        scale = self.side / size
        linear = scale * np.array([[cosine, -sine], [sine, cosine]])
        return np.hstack([linear, (self.centre - linear @ np.full(2, size / 2))[:, None]])

    def box(self) -> np.ndarray:
        """The axis-aligned bounds (x0, y0, x1, y1) of the rotated square."""
        corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * self.side / 2
        cosine, sine = np.cos(self.rotation), np.sin(self.rotation)
        turned = corners @ np.array([[cosine, sine], [-sine, cosine]]) + self.centre
        return np.concatenate([turned.min(0), turned.max(0)])


def region_from_points(hip: np.ndarray, circle: np.ndarray, scale: float = ROI_SCALE) -> Region:
    """The region around HIP whose radius reaches CIRCLE, turned so that CIRCLE is up."""
    direction = np.asarray(circle, np.float64) - np.asarray(hip, np.float64)
    radius = float(np.hypot(*direction))
    # Image y grows downwards: "up" is (0, -1); the crop is turned so that DIRECTION maps to it.
    rotation = np.pi / 2 + np.arctan2(direction[1], direction[0])
    rotation = (rotation + np.pi) % (2 * np.pi) - np.pi
    return Region(centre=np.asarray(hip, np.float64), side=2 * radius * scale,
                  rotation=float(rotation))
