"""The recognition figures: confusion matrices, the controller's curves, the arc spread."""
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
    """reward_curve.png in SEARCH_DIR: reward, baseline, validation accuracy and the
    controller's entropy over the search's epochs."""
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
    axes.legend(fontsize=8, loc="upper left")
    if "controller/entropy" in scalars:  # on its own scale: nats summed over the decisions
        entropy = scalars["controller/entropy"]
        steps = sorted(entropy)
        twin = axes.twinx()
        twin.plot(steps, [entropy[s] for s in steps], color="grey", linestyle=":",
                  label="sampled arcs' entropy")
        twin.set_ylabel("entropy", fontsize=8)
        twin.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    with atomic_path(os.path.join(search_dir, "reward_curve.png")) as staging:
        figure.savefig(staging, format="png", dpi=110)
    pyplot.close(figure)


def draw_spread(result: dict, title: str, path: str) -> None:
    """The random arcs' figures as dots, the found arc's seeds as stars, the floor as a line."""
    figure, axes = pyplot.subplots(figsize=(6, 2.2))
    random = result["random_percent"]
    spread_rows = np.linspace(-0.2, 0.2, len(random))  # arcs with equal figures stay visible
    axes.scatter(random, spread_rows, color="grey", label="random arcs")
    found = list(result["found_percent"].values())
    axes.scatter(found, np.full(len(found), 0.5), marker="*", s=120, color="tab:red",
                 label="found arc (seeds)")
    axes.axvline(result["floor_percent"], color="tab:blue", linestyle="--", label="floor")
    axes.set_yticks([])
    axes.set_ylim(-0.5, 1.0)
    axes.set_xlabel(f"per-sequence accuracy on {result['scored']} (%)")
    axes.set_title(f"{title}: found arc against random arcs", fontsize=9)
    axes.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    with atomic_path(path) as staging:
        figure.savefig(staging, format="png", dpi=110)
    pyplot.close(figure)
