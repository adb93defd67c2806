"""A PNG grid to eyeball a trained lifter on one take: 2D input | 3D ground truth | 3D
prediction.

One row per frame (evenly spaced over the take), seen by the first camera with detections.
The 3D panels are in the camera frame (x right, y down, z forward), drawn with y up.
"""
from __future__ import annotations


import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from common.atomic import atomic_path  # noqa: E402
from datasets.corpus import PoseCorpus  # noqa: E402
from datasets.layouts import H36M_16, H36M_17, bones  # noqa: E402
from datasets.visualize import RIGHT_JOINTS, draw_pose_2d  # noqa: E402
from lifting.config import load_trained  # noqa: E402
from lifting.data import build_examples  # noqa: E402
from lifting.evaluation import predict_mm, stream_feed, training_mode  # noqa: E402
from lifting.metrics import mpjpe, with_root  # noqa: E402

# Where each H36M-16 joint sits in H36M-17 (Neck/Nose is missing from 2D inputs).
_16_IN_17 = [H36M_17.joints.index(name) for name in H36M_16.joints]


def _draw_3d(axes, pose: np.ndarray, title: str) -> None:
    for parent, child in bones():
        xs, ys, zs = pose[[parent, child]].T
        axes.plot(xs, zs, -ys, color="tab:red" if child in RIGHT_JOINTS else "tab:blue")
    axes.set_title(title, fontsize=9)
    for setter in (axes.set_xlim, axes.set_ylim, axes.set_zlim):
        setter(-900, 900)
    axes.set_xticklabels([])
    axes.set_yticklabels([])
    axes.set_zticklabels([])


def _as_17(points_16: np.ndarray) -> np.ndarray:
    """Places (16, 2) H36M-16 points into H36M-17 slots, Neck/Nose midway Thorax-Head."""
    full = np.zeros((17, points_16.shape[-1]))
    full[_16_IN_17] = points_16
    full[9] = (full[8] + full[10]) / 2
    return full


def plot_take(model_dir: str, corpus: PoseCorpus, subject: str, take_name: str,
              path: str, frames: int = 4, mode: str | None = None) -> None:
    """Writes the grid for one take of CORPUS to PATH; MODE defaults to the inputs the model
    was trained on, and the 2D column shows what the (first) stream received."""
    model, norm, config = load_trained(model_dir)
    mode = mode or training_mode(config.streams)
    take = next(t for t in corpus.poses_3d if t.subject == subject and t.name == take_name)
    camera = min(name for (seen, name) in corpus.detections_2d if seen == take)
    one_view = PoseCorpus({take: corpus.poses_3d[take]}, corpus.cameras,
                          {(take, camera): corpus.detections_2d[(take, camera)]},
                          corpus.detector)
    examples = build_examples(one_view, [subject])
    predicted = predict_mm(model, norm, config, examples, mode)
    truth = with_root(examples.pose_3d)
    first_stream_gets = stream_feed(mode, config.streams)[config.streams[0]]
    shown_2d = examples.keypoints_2d(first_stream_gets)
    shown_label = "GT 2D" if first_stream_gets == "gt" else "detected 2D"
    rows = np.linspace(0, len(examples) - 1, frames).astype(int)
    figure = plt.figure(figsize=(9, 3 * frames))
    for row, index in enumerate(rows):
        axes = figure.add_subplot(frames, 3, 3 * row + 1)
        draw_pose_2d(axes, _as_17(shown_2d[index]))
        axes.set_title(f"frame {index}: {shown_label}", fontsize=9)
        axes.invert_yaxis()
        axes.set_aspect("equal")
        _draw_3d(figure.add_subplot(frames, 3, 3 * row + 2, projection="3d"), truth[index],
                 "ground truth 3D")
        error = float(mpjpe(predicted[index:index + 1], truth[index:index + 1])[0])
        _draw_3d(figure.add_subplot(frames, 3, 3 * row + 3, projection="3d"), predicted[index],
                 f"prediction ({error:.0f} mm)")
    figure.suptitle(f"{subject} {take_name}, camera {camera}, input {mode}")
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=80, bbox_inches="tight")
    plt.close(figure)
