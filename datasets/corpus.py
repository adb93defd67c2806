"""Motion capture with cameras and 2D detections: what the lifter trains on.

Human3.6M (either release format) and the synthetic generator both produce a PoseCorpus, so
the lifting pipeline is written once. Detections are stored in H36M-16 order whatever the
detector's own layout was (the loader maps them on arrival through datasets.layouts).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from datasets.geometry import Camera
from datasets.sequences import Skipped


@dataclasses.dataclass(frozen=True, order=True)
class Take:
    """One recorded take: subject "S9", action "Directions", name "Directions 1"."""

    subject: str
    name: str
    action: str

    def __str__(self) -> str:
        return f"{self.subject}/{self.name}"


@dataclasses.dataclass
class PoseCorpus:
    """3D poses of many takes, the cameras that saw them, and per-camera 2D detections.

    Attributes:
      poses_3d: take -> (T, 17, 3) float32, WORLD millimetres, H36M-17 order.
      cameras: subject -> its cameras.
      detections_2d: (take, camera name) -> (T, 16, 2) float32 pixels, H36M-16 order, same T
        as the take's 3D poses.
      detector: which 2D detector produced the detections (e.g. "stacked_hourglass").
      skipped: what the loader left out (missing takes or cameras), with reasons.
    """

    poses_3d: dict[Take, np.ndarray]
    cameras: dict[str, tuple[Camera, ...]]
    detections_2d: dict[tuple[Take, str], np.ndarray]
    detector: str
    skipped: list[Skipped] = dataclasses.field(default_factory=list)

    @property
    def subjects(self) -> tuple[str, ...]:
        return tuple(sorted({take.subject for take in self.poses_3d},
                            key=lambda s: (len(s), s)))

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(sorted({take.action for take in self.poses_3d}))

    @property
    def num_frames(self) -> int:
        return int(sum(pose.shape[0] for pose in self.poses_3d.values()))

    def camera(self, subject: str, name: str) -> Camera:
        for camera in self.cameras[subject]:
            if camera.name == name:
                return camera
        raise KeyError(f"{subject} has no camera {name}")
