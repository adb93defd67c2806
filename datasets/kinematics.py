"""Bone lengths of a skeleton and skeletons given other bone lengths, for any kinematic tree
(`datasets.layouts.bones`, `datasets.layouts.kinematic_bones`).

Two uses share this: a lifted track made rigid (each bone at its median length over the
track, `lifting.bone_lengths`) and a recorded skeleton given a reference body's proportions
before encoding (`spmf.skeleton`), so that subjects of different build draw the same image
for the same movement.
"""
from __future__ import annotations

import numpy as np

Tree = tuple[tuple[int, int], ...]


def bone_lengths(poses: np.ndarray, tree: Tree) -> np.ndarray:
    """(..., bones) length of each (parent, child) bone of TREE in (..., J, 3) POSES."""
    parents, children = np.array(tree).T
    return np.linalg.norm(poses[..., children, :] - poses[..., parents, :], axis=-1)


def with_bone_lengths(poses: np.ndarray, tree: Tree, lengths: np.ndarray) -> np.ndarray:
    """(..., J, 3) POSES with each bone of TREE (parents before children) set to LENGTHS
    ((bones,) or (..., bones)), every bone keeping its direction and the root its place;
    a bone of zero length leaves its child on its parent. Float64."""
    poses = np.asarray(poses, np.float64)
    lengths = np.broadcast_to(np.asarray(lengths, np.float64), (*poses.shape[:-2], len(tree)))
    out = poses.copy()
    for index, (parent, child) in enumerate(tree):
        direction = poses[..., child, :] - poses[..., parent, :]
        norm = np.linalg.norm(direction, axis=-1, keepdims=True)
        unit = np.divide(direction, norm, out=np.zeros_like(direction), where=norm > 0)
        out[..., child, :] = out[..., parent, :] + unit * lengths[..., index, None]
    return out
