"""Labelled skeleton sequences: what every action-recognition loader returns.

MSR Action3D, SBU and the synthetic set all reduce to "a (T, J, D) array with an action
label and a subject", so the encoders and the protocol code never see a file format.
"""
from __future__ import annotations

import dataclasses
import logging

import numpy as np

from datasets.layouts import H36M_16, JointLayout, to_h36m16


@dataclasses.dataclass(frozen=True)
class Skipped:
    """A file or item a loader left out on purpose, and why (reported, never silent)."""

    source: str
    reason: str


@dataclasses.dataclass(frozen=True)
class SkeletonSequence:
    """One labelled sequence.

    Attributes:
      joints: (T, J, D) float32; D = 3 for 3D (millimetres unless the dataset says otherwise)
        or 2 for image coordinates (pixels).
      label: 0-based action class.
      subject: subject number as the dataset counts them (1-based for MSR Action3D).
      source: the file (or generator id) the sequence came from.
      confidence: (T, J) per-joint confidence where the format has one, else None.
      group: dataset-specific grouping id (SBU's set name, e.g. "s01s02"), else "".
    """

    joints: np.ndarray
    label: int
    subject: int
    source: str
    confidence: np.ndarray | None = None
    group: str = ""

    @property
    def num_frames(self) -> int:
        return int(self.joints.shape[0])


@dataclasses.dataclass(frozen=True)
class SequenceDataset:
    """The usable sequences of one dataset, its class names and what was skipped.

    `frame_rate_hz` is the rate the sequences were recorded at, None when the format does not
    say: a temporal lifter needs it to see a sequence's motion at the speed it learnt from.
    """

    name: str
    layout: JointLayout
    class_names: tuple[str, ...]
    sequences: tuple[SkeletonSequence, ...]
    skipped: tuple[Skipped, ...] = ()
    units: str = "mm"
    frame_rate_hz: float | None = None

    def select(self, keep) -> "SequenceDataset":
        """A copy holding only the sequences for which `keep(sequence)` is true."""
        return dataclasses.replace(self, sequences=tuple(s for s in self.sequences if keep(s)))


def in_h36m16(dataset: SequenceDataset) -> SequenceDataset:
    """DATASET with every person of every sequence mapped to the 16 joints of Human3.6M
    (`datasets.layouts.to_h36m16`): datasets of different sensors then share one joint order,
    hence one meaning of every image row, and a network trained on one can start another.
    Per-joint confidences do not survive the mapping (None)."""
    if dataset.layout == H36M_16:
        return dataset
    joints_per_person = dataset.layout.num_joints

    def mapped(joints: np.ndarray) -> np.ndarray:
        frames, joints_in_all, dims = joints.shape
        people = joints_in_all // joints_per_person
        persons = joints.reshape(frames, people, joints_per_person, dims)
        return to_h36m16(persons, dataset.layout).reshape(frames, people * 16, dims)

    return dataclasses.replace(dataset, layout=H36M_16, sequences=tuple(
        dataclasses.replace(s, joints=mapped(s.joints), confidence=None)
        for s in dataset.sequences))


def degenerate_reason(joints: np.ndarray) -> str | None:
    """Why a (T, J, D) sequence cannot be used, or None when it can."""
    if joints.shape[0] < 2:
        return f"fewer than 2 frames ({joints.shape[0]})"
    if not np.all(np.isfinite(joints)):
        return "contains NaN or infinite values"
    if not np.any(joints):
        return "all coordinates are zero"
    return None


def keep_or_skip(joints: np.ndarray, source: str, skipped: list[Skipped]) -> bool:
    """True when usable; otherwise records the reason in `skipped` and logs a warning."""
    reason = degenerate_reason(joints)
    if reason is None:
        return True
    logging.getLogger(__name__).warning("skipping %s: %s", source, reason)
    skipped.append(Skipped(source, reason))
    return False


def interpolate_missing(points: np.ndarray, seen: np.ndarray) -> int:
    """Fills unseen joints in place by linear interpolation over time; returns the count.

    points: (T, J, D), modified in place; frames that are entirely NaN (nobody there) stay
    NaN. seen: (T, J) bool. A joint never seen in any frame becomes NaN everywhere, so a
    caller can tell "interpolated" from "unknown".
    """
    frames = np.arange(points.shape[0])
    present = ~np.isnan(points).all(axis=(1, 2))
    filled = 0
    for joint in range(points.shape[1]):
        observed = seen[:, joint]
        if not observed.any():
            points[:, joint] = np.nan
            continue
        missing = present & ~observed
        for axis in range(points.shape[2]):
            points[missing, joint, axis] = np.interp(
                frames[missing], frames[observed], points[observed, joint, axis])
        filled += int(missing.sum())
    return filled
