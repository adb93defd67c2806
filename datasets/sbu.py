"""SBU Kinect Interaction (Yun et al. 2012): two-person interactions, 8 classes, 21 sets.

Layout on disk: `<set>/<class 01..08>/<sequence>/skeleton_pos.txt`, one line per frame:
the frame number, then 15 joints x (x, y, z) of person A (left) and 15 x 3 of person B.
The release normalises x, y to [0, 1] and z to [0, 7.8125]; by default we undo that with the
equations of the dataset's README so that the encoders see a metric-like, isotropic space.
Both persons are kept together as 30 joints (person A first), which is how Enhanced-SPMF
encodes two-person data.
"""
from __future__ import annotations

import glob
import os
import re

import numpy as np

from common.errors import DataFormatError, require_dir
from datasets.layouts import SBU_15
from datasets.sequences import SequenceDataset, SkeletonSequence, Skipped, keep_or_skip
from datasets.textio import read_table

# Names of the class folders 01..08, in folder order.
CLASS_NAMES = ("approaching", "departing", "kicking", "punching", "pushing", "hugging",
               "shaking hands", "exchanging")
FOLDS = (
    ("s01s02", "s03s04", "s05s02", "s06s04"),
    ("s02s03", "s02s07", "s03s05", "s05s03"),
    ("s01s03", "s01s07", "s07s01", "s07s03"),
    ("s02s01", "s02s06", "s03s02", "s03s06"),
    ("s04s02", "s04s03", "s04s06", "s06s02", "s06s03"),
)
FILE_NAME = "skeleton_pos.txt"
# the Kinect's rate for these recordings (Yun et al., CVPR Workshops 2012)
FRAME_RATE_HZ = 15.0
_VALUES_PER_LINE = 1 + 2 * SBU_15.num_joints * 3
_SET_NAME = re.compile(r"^s\d\ds\d\d$")


def denormalise(normalised: np.ndarray) -> np.ndarray:
    """The README's inverse normalisation of (..., 3) coordinates."""
    x, y, z = normalised[..., 0], normalised[..., 1], normalised[..., 2]
    return np.stack([1280.0 - x * 2560.0, 960.0 - y * 1920.0, z * 10000.0 / 7.8125],
                    axis=-1).astype(np.float32)


def read_joints(path: str) -> np.ndarray:
    """Reads one skeleton_pos.txt into (T, 30, 3) normalised coordinates, as released."""
    table = read_table(path, num_columns=_VALUES_PER_LINE, separator=",")
    return table[:, 1:].reshape(-1, 2 * SBU_15.num_joints, 3).astype(np.float32)


def load(data_dir: str | os.PathLike, metric: bool = True) -> SequenceDataset:
    """Loads every set under DATA_DIR; degenerate sequences are skipped and reported."""
    data_dir = require_dir(data_dir)
    paths = sorted(glob.glob(os.path.join(glob.escape(data_dir), "*", "*", "*", FILE_NAME)))
    if not paths:
        raise DataFormatError(data_dir, f"no <set>/<class>/<sequence>/{FILE_NAME} files found")
    skipped: list[Skipped] = []
    sequences = []
    for path in paths:
        sequence_dir = os.path.dirname(path)
        class_dir = os.path.dirname(sequence_dir)
        group = os.path.basename(os.path.dirname(class_dir))
        class_name = os.path.basename(class_dir)
        if not _SET_NAME.match(group):
            raise DataFormatError(path, f"set folder {group!r} is not named sNNsNN")
        if not (class_name.isdigit() and 1 <= int(class_name) <= len(CLASS_NAMES)):
            raise DataFormatError(path, f"class folder {class_name!r} is not 01..08")
        joints = read_joints(path)  # degeneracy is judged on the values as released
        if keep_or_skip(joints, path, skipped):
            sequences.append(SkeletonSequence(
                joints=denormalise(joints) if metric else joints, label=int(class_name) - 1,
                subject=0, source=path, group=group))
    return SequenceDataset(name="sbu", layout=SBU_15, class_names=CLASS_NAMES,
                           sequences=tuple(sequences), skipped=tuple(skipped),
                           units="sbu-metric" if metric else "normalised",
                           frame_rate_hz=FRAME_RATE_HZ)


def fold_split(dataset: SequenceDataset, fold: int) -> tuple[SequenceDataset, SequenceDataset]:
    """(train, test) of the standard 5-fold protocol; `fold` counts from 1."""
    if not 1 <= fold <= len(FOLDS):
        raise ValueError(f"fold must be 1..{len(FOLDS)}, got {fold}")
    test_sets = FOLDS[fold - 1]
    return (dataset.select(lambda s: s.group not in test_sets),
            dataset.select(lambda s: s.group in test_sets))
