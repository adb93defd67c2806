"""Human3.6M as labelled action windows: the only large motion corpus here, for pretraining a
recognition network before it meets the few sequences of MSR Action3D or SBU.

Each take's 3D poses (50 Hz, world millimetres, H36M-17) are thinned to about the frame rate
of the Kinect datasets (every third frame: 16.7 Hz against MSR Action3D's 15) and cut into
overlapping windows about as long as an MSR Action3D sequence; a window's label is its take's
action (15 classes) and its subject the take's ("S9" is subject 9), so that the
cross-subject split of the lifter (S9 and S11 held out) applies unchanged.
"""
from __future__ import annotations

import os

import numpy as np

from datasets import h36m
from datasets.layouts import H36M_17
from datasets.sequences import SequenceDataset, SkeletonSequence

NAME = "h36m_actions"
# 50 Hz / 3 = 16.7 Hz, the Kinect datasets' rate (MSR Action3D 15 Hz, SBU 15 Hz)
FRAME_STEP = 3
# frames per window at that rate: MSR Action3D's median sequence is 39 frames
WINDOW_FRAMES = 40
# a new window every half window
WINDOW_STRIDE = 20


def windows(poses: np.ndarray, frame_step: int = FRAME_STEP, length: int = WINDOW_FRAMES,
            stride: int = WINDOW_STRIDE) -> list[np.ndarray]:
    """The (length, J, 3) windows of one take's (T, J, 3) POSES after keeping every
    FRAME_STEP-th frame; a take shorter than one window gives none."""
    thinned = poses[::frame_step]
    return [thinned[start:start + length]
            for start in range(0, len(thinned) - length + 1, stride)]


def load(data_dir: str | os.PathLike) -> SequenceDataset:
    """Every take of the Human3.6M release in DATA_DIR as action windows."""
    corpus = h36m.load(data_dir)
    sequences = []
    for take in sorted(corpus.poses_3d, key=str):
        label = h36m.ACTIONS.index(take.action)
        subject = int(take.subject.lstrip("S"))
        for number, joints in enumerate(windows(corpus.poses_3d[take])):
            sequences.append(SkeletonSequence(joints=joints, label=label, subject=subject,
                                              source=f"{data_dir}:{take}#{number}"))
    if not sequences:
        raise ValueError(f"{data_dir}: no Human3.6M take is long enough for one "
                         f"{WINDOW_FRAMES}-frame window")
    return SequenceDataset(name=NAME, layout=H36M_17, class_names=h36m.ACTIONS,
                           sequences=tuple(sequences), skipped=tuple(corpus.skipped),
                           frame_rate_hz=h36m.FRAME_RATE_HZ / FRAME_STEP)
