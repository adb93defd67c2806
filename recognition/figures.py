"""The recognition experiment's figures: confusion matrices and the controller's curves."""
from __future__ import annotations

import os

import matplotlib
import numpy as np

matplotlib.use("Agg")
from matplotlib import pyplot  # noqa: E402  (after the headless backend is chosen)

from common.atomic import atomic_path  # noqa: E402
from common.tensorboard_scalars import read_scalars  # noqa: E402


def draw_confusion(confusion: list[list[int]], class_names, title: str, path: str) -> None:
    matrix = np.array(confusion)
    figure, axes = pyplot.subplots(figsize=(1.0 + 0.55 * len(matrix), 0.8 + 0.5 * len(matrix)))
    axes.imshow(matrix, cmap="Blues")
    for (row, column), count in np.ndenumerate(matrix):
        if count:
            axes.text(column, row, str(count), ha="center", va="center", fontsize=8,
                      color="white" if count > matrix.max() / 2 else "black")
    ticks = range(len(class_names))
    axes.set_xticks(ticks, class_names, rotation=60, ha="right", fontsize=8)
    axes.set_yticks(ticks, class_names, fontsize=8)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(f"{title} (per sequence)", fontsize=9)
    figure.tight_layout()
    with atomic_path(path) as staging:
        figure.savefig(staging, format="png", dpi=110)
    pyplot.close(figure)


def draw_reward_curve(search_dir: str, title: str) -> None:
    scalars = read_scalars(os.path.join(search_dir, "logs"))
    figure, axes = pyplot.subplots(figsize=(6, 3.5))
    for tag, label in (("controller/reward", "reward (mean over the phase)"),
                       ("controller/baseline", "baseline"),
                       ("child/valid_acc", "validation accuracy, fresh arc per batch")):
        if tag in scalars:
            steps = sorted(scalars[tag])
            axes.plot(steps, [scalars[tag][s] for s in steps], label=label)
    axes.set_xlabel("search epoch")
    axes.set_title(f"{title}: controller", fontsize=9)
    axes.legend(fontsize=8)
    figure.tight_layout()
    with atomic_path(os.path.join(search_dir, "reward_curve.png")) as staging:
        figure.savefig(staging, format="png", dpi=110)
    pyplot.close(figure)
