"""Human3.6M protocols: MPJPE (#1), Procrustes-aligned PA-MPJPE (#2) and scale-aligned
N-MPJPE (#3, Rhodin et al. 2018; Pavllo et al.'s Protocol #3), per action.

Errors are averaged over the 17 joints of H36M-17 (the root's error is 0 by construction),
then over frames within an action, then over actions (the convention of Martinez et al.).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from datasets.geometry import procrustes_align
from datasets.layouts import H36M_17, bones


def with_root(pose_16: np.ndarray) -> np.ndarray:
    """(N, 16, 3) root-relative non-root joints -> (N, 17, 3) with the root at the origin."""
    return np.concatenate([np.zeros_like(pose_16[:, :1]), pose_16], axis=1)


def mpjpe(predicted: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(N,) mean per-joint position error of (N, 17, 3) poses, millimetres."""
    return np.linalg.norm(predicted - target, axis=-1).mean(axis=-1)


def pa_mpjpe(predicted: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(N,) MPJPE after the best similarity alignment of each prediction to its target."""
    return mpjpe(procrustes_align(predicted, target), target)


def n_mpjpe(predicted: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(N,) MPJPE after scaling each root-relative prediction by the factor that fits its
    target best: the part of Protocol #1 that is not the person's size. A lifter fed
    size-free input (`--input_normalization=skeleton`) cannot know the size; #1 minus #3 is
    what that costs."""
    scale = np.sum(predicted * target, axis=(-2, -1)) / np.maximum(
        np.sum(predicted * predicted, axis=(-2, -1)), 1e-12)
    return mpjpe(scale[:, None, None] * predicted, target)


PROTOCOLS = {"p1": mpjpe, "p2": pa_mpjpe, "p3": n_mpjpe}


def per_action_report(predicted: np.ndarray, target: np.ndarray, action: np.ndarray,
                      actions: tuple[str, ...]) -> dict:
    """{"per_action": {name: {p1, p2, p3, frames}}, "average": {p1, p2, p3}} in
    millimetres."""
    errors = {name: protocol(predicted, target) for name, protocol in PROTOCOLS.items()}
    per_action = {}
    for index, name in enumerate(actions):
        mask = action == index
        if mask.any():
            per_action[name] = {**{protocol: float(error[mask].mean())
                                   for protocol, error in errors.items()},
                                "frames": int(mask.sum())}
    return {"per_action": per_action,
            "average": {protocol: float(np.mean([v[protocol] for v in per_action.values()]))
                        for protocol in PROTOCOLS}}


# The lifters' training losses (`--loss`): mse of the z-scored coordinates (Martinez et al.)
# or mpjpe, the mean joint distance in mm (Pavllo et al.).
LIFTER_LOSSES = ("mse", "mpjpe")


def check_lifter_loss(name: str) -> None:
    """Refuses a NAME that is not one of LIFTER_LOSSES (the training settings call it when
    built, so a bad value fails before any data is read)."""
    if name not in LIFTER_LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose from {LIFTER_LOSSES}")


def lifter_loss(name: str, std_3d: np.ndarray):
    """The Keras loss called NAME (one of LIFTER_LOSSES) on normalised (B, 48) poses."""
    check_lifter_loss(name)
    return mpjpe_metric(std_3d) if name == "mpjpe" else "mse"


def mpjpe_metric(std_3d: np.ndarray):
    """A Keras metric (or loss, `--loss=mpjpe`): MPJPE in mm over 17 joints from normalised
    (B, 48) outputs.

    Only the scale is needed: the error is a difference, so the mean cancels. The distance
    is sqrt(d^2 + 1e-6 mm^2) so that its gradient stays finite at a perfect joint (1e-3 mm
    at most on the value).
    """
    std = tf.constant(std_3d, tf.float32)

    def mpjpe_mm(y_true, y_pred):
        difference = tf.reshape((y_pred - y_true) * std, (-1, 16, 3))
        distance = tf.sqrt(tf.reduce_sum(tf.square(difference), axis=-1) + 1e-6)
        return tf.reduce_sum(distance, axis=-1) / 17.0

    return mpjpe_mm


def limb_length_variation(poses: np.ndarray) -> dict[str, float]:
    """{"Parent-Child": std / mean of that bone's length over the frames} of (T, 17, 3)
    H36M-17 poses (non-finite frames left out): a body's bones keep their length, so a large
    value marks poses that are not anatomically plausible."""
    poses = poses[np.isfinite(poses).all(axis=(1, 2))]
    names = H36M_17.joints
    variation = {}
    for parent, child in bones():
        lengths = np.linalg.norm(poses[:, child] - poses[:, parent], axis=-1)
        if len(lengths) and lengths.mean() > 0:
            variation[f"{names[parent]}-{names[child]}"] = round(
                float(lengths.std() / lengths.mean()), 4)
    return variation
