"""Drawing skeletons with matplotlib: one helper for a pose, one figure of a whole dataset."""
from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from common.atomic import atomic_path  # noqa: E402
from datasets.corpus import PoseCorpus  # noqa: E402
from datasets.geometry import project  # noqa: E402
from datasets.layouts import H36M_17, bones  # noqa: E402

# H36M-17 joints drawn in red (the subject's right side); the left side is blue.
RIGHT_JOINTS = frozenset(j for j, name in enumerate(H36M_17.joints) if name.startswith("R"))


def draw_pose_2d(axes, pose: np.ndarray, alpha: float = 1.0) -> None:
    """Draws a (17, 2) H36M-17 pose in image coordinates (right side red, left blue)."""
    for parent, child in bones():
        colour = "tab:red" if child in RIGHT_JOINTS else "tab:blue"
        axes.plot(pose[[parent, child], 0], pose[[parent, child], 1], color=colour,
                  alpha=alpha, linewidth=2)


def plot_actions(corpus: PoseCorpus, path: str | os.PathLike, frames_per_action: int = 5
                 ) -> None:
    """One panel per action: a take of the first subject seen by its first camera."""
    subject = corpus.subjects[0]
    camera = corpus.cameras[subject][0]
    actions = corpus.actions
    figure, grid = plt.subplots(1, len(actions), figsize=(2.2 * len(actions), 3.2))
    for axes, action in zip(np.atleast_1d(grid), actions):
        take = min(t for t in corpus.poses_3d if t.subject == subject and t.action == action)
        poses = project(corpus.poses_3d[take], camera)
        for step, frame in enumerate(np.linspace(0, len(poses) - 1, frames_per_action)):
            draw_pose_2d(axes, poses[int(frame)], alpha=0.25 + 0.75 * step / frames_per_action)
        axes.set_title(action, fontsize=9)
        axes.set_aspect("equal")
        axes.invert_yaxis()
        axes.axis("off")
    figure.suptitle(f"{subject}, camera {camera.name}: {frames_per_action} frames per take")
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=90, bbox_inches="tight")
    plt.close(figure)
