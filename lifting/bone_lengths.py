"""Bones that keep their length over a track.

A single-frame lifter sees each frame alone, so a forearm's length wanders from frame to frame
(the shipped lifter: worst bone 15-17% std / mean per Human3.6M take). A body's bones do not
change: `rigid_bones` measures each bone once per track, as its median length over the lifted
frames, and rebuilds every frame from the root outwards along the kinematic tree, keeping each
bone's direction and giving it that length. The cost in Protocol #1 is measured by
`lifting.evaluate --rigid_bones` (BUILD_NOTES.md).
"""
from __future__ import annotations

import numpy as np

from datasets import kinematics
from datasets.layouts import bones


def bone_lengths(poses: np.ndarray) -> np.ndarray:
    """(frames, bones) length of each H36M-17 bone (`datasets.layouts.bones()` order)."""
    return kinematics.bone_lengths(poses, bones())


def rigid_bones(poses: np.ndarray) -> np.ndarray:
    """(T, 17, 3) poses of one track, each bone set to its median length over the finite
    frames, directions kept; frames that are not finite stay as they are (NaN)."""
    poses = np.asarray(poses, np.float64)
    finite = np.isfinite(poses).all(axis=(1, 2))
    out = poses.copy()
    if finite.any():
        lengths = np.median(bone_lengths(poses[finite]), axis=0)
        out[finite] = kinematics.with_bone_lengths(poses[finite], bones(), lengths)
    return out.astype(np.float32)
