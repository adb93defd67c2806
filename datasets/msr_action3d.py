"""MSR Action3D skeletons (Li et al. 2010): 3D world files and 2D screen files.

Files are `aAA_sSS_eEE_skeleton3D.txt` (x y z c per joint, metres, Kinect-20) and
`aAA_sSS_eEE_skeleton.txt` (u v d c per joint: pixels of the mirrored 320x240 depth image,
depth value, confidence), 20 lines per frame. 3D coordinates are converted to millimetres, the
unit of the rest of the project. In 20 of the 2D files a raised hand leaves the depth image and
its v is written as 2^31 - 1, and in 19 sequences (both kinds) whole frames were written as
zeros where the sensor lost the skeleton: such joints are treated as missing and interpolated
over time (with a warning naming the file), as detector gaps are. Sequences that cannot be
used (all zeros, fewer than 2 frames, NaN) are skipped with a warning that names the file; a
malformed file raises DataFormatError.
"""
from __future__ import annotations

import dataclasses
import glob
import logging
import os
import re
from typing import Literal

import numpy as np

from common.errors import DataFormatError, require_dir
from datasets.layouts import KINECT_20
from datasets.sequences import (SequenceDataset, SkeletonSequence, Skipped, interpolate_missing,
                                keep_or_skip)
from datasets.textio import read_table

CLASS_NAMES = (
    "high arm wave", "horizontal arm wave", "hammer", "hand catch", "forward punch",
    "high throw", "draw x", "draw tick", "draw circle", "hand clap", "two hand wave",
    "side-boxing", "bend", "forward kick", "side kick", "jogging", "tennis swing",
    "tennis serve", "golf swing", "pick up & throw")
# Action subsets of Li et al. 2010 (1-based action numbers).
SUBSETS = {
    "AS1": (2, 3, 5, 6, 10, 13, 18, 20),
    "AS2": (1, 4, 7, 8, 9, 11, 12, 14),
    "AS3": (6, 14, 15, 16, 17, 18, 19, 20),
}
TRAIN_SUBJECTS = (1, 3, 5, 7, 9)
TEST_SUBJECTS = (2, 4, 6, 8, 10)
FOLDERS = {"3d": "MSRAction3DSkeletonReal3D", "2d": "MSRAction3DSkeleton(20joints)"}
_SUFFIX = {"3d": "_skeleton3D.txt", "2d": "_skeleton.txt"}
_NAME = re.compile(r"^a(?P<action>\d\d)_s(?P<subject>\d\d)_e(?P<take>\d\d)_skeleton(3D)?\.txt$")
JOINTS = KINECT_20.num_joints
# the depth camera's rate for these recordings (Li, Zhang and Liu, CVPR Workshops 2010)
FRAME_RATE_HZ = 15.0
_OFF_IMAGE = 1e6  # pixel magnitude beyond any image: the 2^31 - 1 sentinel of the 2D files


def _files(data_dir: str, kind: str) -> tuple[str, list[str]]:
    """The folder holding KIND's files (DATA_DIR itself or its standard sub-folder)."""
    for folder in (data_dir, os.path.join(data_dir, FOLDERS[kind])):
        files = sorted(glob.glob(os.path.join(glob.escape(folder), "*" + _SUFFIX[kind])))
        if files:
            return folder, files
    raise DataFormatError(data_dir, f"no MSR Action3D *{_SUFFIX[kind]} files here or in "
                                    f"{FOLDERS[kind]}/")


def read_sequence(path: str, kind: Literal["3d", "2d"] = "3d") -> SkeletonSequence:
    """Reads one file into a sequence: (T, 20, 3) mm for 3d, (T, 20, 2) pixels for 2d."""
    match = _NAME.match(os.path.basename(path))
    if not match:
        raise DataFormatError(path, "file name is not aAA_sSS_eEE_skeleton[3D].txt")
    table = read_table(path, num_columns=4)
    if table.shape[0] % JOINTS:
        raise DataFormatError(path, f"{table.shape[0]} lines is not a whole number of "
                                    f"{JOINTS}-joint frames", line=table.shape[0])
    frames = table.reshape(-1, JOINTS, 4).astype(np.float32)
    confidence = frames[..., 3].copy()
    if kind == "3d":
        joints = frames[..., :3] * 1000.0
    else:
        joints = frames[..., :2].copy()
        _repair(joints, confidence, path, np.abs(joints).max(axis=-1) > _OFF_IMAGE,
                "joint positions outside the image")
    untracked = (joints == 0).all(axis=-1)
    if not untracked.all():  # an all-zero file is skipped by the loader, not repaired
        _repair(joints, confidence, path, untracked, "untracked joint positions (all zero)")
    action = int(match["action"])
    if not 1 <= action <= len(CLASS_NAMES):
        raise DataFormatError(path, f"action number {action} outside 1..{len(CLASS_NAMES)}")
    return SkeletonSequence(joints=joints, label=action - 1, subject=int(match["subject"]),
                            source=path, confidence=confidence)


def _repair(points: np.ndarray, confidence: np.ndarray, path: str, missing: np.ndarray,
            what: str) -> None:
    """Interpolates the MISSING (T, J) joints over time in place, with a warning."""
    if missing.any():
        filled = interpolate_missing(points, ~missing)
        confidence[missing] = 0.0
        logging.getLogger(__name__).warning("%s: %d %s, %d filled by interpolation", path,
                                            int(missing.sum()), what, filled)


def load(data_dir: str | os.PathLike, kind: Literal["3d", "2d"] = "3d") -> SequenceDataset:
    """Loads every sequence of one kind; degenerate ones are skipped and reported."""
    if kind not in FOLDERS:
        raise ValueError(f"kind must be '3d' or '2d', got {kind!r}")
    _, files = _files(require_dir(data_dir), kind)
    skipped: list[Skipped] = []
    sequences = []
    for path in files:
        sequence = read_sequence(path, kind)
        if keep_or_skip(sequence.joints, path, skipped):
            sequences.append(sequence)
    return SequenceDataset(name=f"msr_action3d_{kind}", layout=KINECT_20,
                           class_names=CLASS_NAMES, sequences=tuple(sequences),
                           skipped=tuple(skipped), units="mm" if kind == "3d" else "px",
                           frame_rate_hz=FRAME_RATE_HZ)


def subset(dataset: SequenceDataset, name: str, other_actions: bool = False) -> SequenceDataset:
    """Keeps the actions of AS1/AS2/AS3 (or all 20 for "all"), relabelled 0..n-1 in order.

    OTHER_ACTIONS keeps every action instead, the subset's first (labels 0..n-1 as above) and
    the remaining ones after them (n..19), so that a classifier can be trained on the others
    as extra classes and scored among the subset's n alone."""
    if name == "all":
        return dataset
    if name not in SUBSETS:
        raise ValueError(f"unknown subset {name!r}; choose from all, {', '.join(SUBSETS)}")
    labels = [action - 1 for action in SUBSETS[name]]
    if other_actions:
        labels += [label for label in range(len(dataset.class_names)) if label not in labels]
    relabel = {old: new for new, old in enumerate(labels)}
    sequences = tuple(dataclasses.replace(s, label=relabel[s.label])
                      for s in dataset.sequences if s.label in relabel)
    return dataclasses.replace(dataset, name=f"{dataset.name}_{name}", sequences=sequences,
                               class_names=tuple(dataset.class_names[i] for i in labels))


def cross_subject(dataset: SequenceDataset) -> tuple[SequenceDataset, SequenceDataset]:
    """(train, test): odd subjects train, even subjects test (the standard protocol)."""
    return (dataset.select(lambda s: s.subject in TRAIN_SUBJECTS),
            dataset.select(lambda s: s.subject in TEST_SUBJECTS))
