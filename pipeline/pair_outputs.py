"""The files a pipeline run writes for one pair of interacting people (`pair_<a>_<b>/`)."""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from common.atomic import atomic_path, write_text
from datasets import skeleton_drawing as drawing
from datasets.layouts import H36M_17
from pipeline.pairs import Pair


@dataclasses.dataclass(frozen=True)
class PairResult:
    """What the pipeline found for one pair."""

    pair: Pair
    poses: np.ndarray          # (T, 2, 17, 3) mm about the pair's centre, NaN where unused
    used: np.ndarray           # (T,) bool: both lifted and placed
    interaction: dict          # interaction.json
    labels_per_frame: list[str]


def write_pair(result: PairResult, out_dir: str, fps: float) -> dict[str, str]:
    """interaction.json, poses_3d.npz and skeleton_3d.png in OUT_DIR/pair_<a>_<b>/; returns
    {kind: path}."""
    folder = os.path.join(out_dir, result.pair.name)
    os.makedirs(folder, exist_ok=True)
    paths = {name: os.path.join(folder, name)
             for name in ("interaction.json", "poses_3d.npz", "skeleton_3d.png")}
    write_text(paths["interaction.json"], json.dumps(result.interaction, indent=1) + "\n")
    with atomic_path(paths["poses_3d.npz"]) as temporary:
        with open(temporary, "wb") as handle:
            np.savez(handle, poses=result.poses, used=result.used,
                     track_ids=np.array(result.pair.track_ids), joints=np.array(H36M_17.joints),
                     fps=np.float32(fps))
    frames = len(result.poses)
    drawing.write_pose_strip(paths["skeleton_3d.png"], result.poses.reshape(frames, -1, 3),
                             result.used)
    return paths
