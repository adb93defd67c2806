"""OpenPose JSON output: a folder of per-frame `*_keypoints.json` files -> one 2D track.

Each frame keeps the most confident person (largest summed keypoint confidence). A joint with
confidence 0 is filled by linear interpolation over time from the frames where it was seen;
a frame with nobody in it is NOT filled: its keypoints are NaN and its index is reported in
`empty_frames`, so a caller decides what to do instead of receiving invented poses.
"""
from __future__ import annotations

import dataclasses
import glob
import json
import os
import re

import numpy as np

from common.atomic import write_text
from common.errors import DataFormatError, require_dir
from datasets.layouts import BODY_25, COCO_18, H36M_17, JointLayout
from datasets.sequences import interpolate_missing

_LAYOUT_BY_VALUES = {COCO_18.num_joints * 3: COCO_18, BODY_25.num_joints * 3: BODY_25}
_NUMBER = re.compile(r"(\d+)")


@dataclasses.dataclass(frozen=True)
class KeypointTrack:
    """2D keypoints of one person over a video.

    Attributes:
      keypoints: (T, J, 2) float32 pixels; NaN in empty frames and for joints never seen.
      confidence: (T, J) float32 detector confidence (0 where interpolated or missing).
      layout: the detector's joint layout.
      frames: the file each frame came from, in time order.
      empty_frames: indices of frames in which no person was detected.
      interpolated: number of (frame, joint) values filled by interpolation.
    """

    keypoints: np.ndarray
    confidence: np.ndarray
    layout: JointLayout
    frames: tuple[str, ...]
    empty_frames: tuple[int, ...]
    interpolated: int


def _natural_key(path: str) -> list:
    return [int(part) if part.isdigit() else part for part in _NUMBER.split(path)]


def _read_people(path: str) -> list[np.ndarray]:
    """The (n_values,) keypoint arrays of every person in one JSON file."""
    try:
        with open(path, "r", encoding="utf-8") as handle:
            document = json.load(handle)
    except json.JSONDecodeError as error:
        raise DataFormatError(path, f"invalid JSON ({error.msg})", line=error.lineno) from None
    except UnicodeDecodeError:
        raise DataFormatError(path, "not text (binary bytes where JSON was expected)") from None
    except RecursionError:
        raise DataFormatError(path, "JSON nested deeper than Python's parser can follow "
                                    "(not OpenPose keypoint output)") from None
    people = document.get("people") if isinstance(document, dict) else None
    if not isinstance(people, list):
        raise DataFormatError(path, "no 'people' list (not OpenPose keypoint output)")
    arrays = []
    for index, person in enumerate(people):
        values = person.get("pose_keypoints_2d") if isinstance(person, dict) else None
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise DataFormatError(path, f"person {index}: pose_keypoints_2d is not a list "
                                        "of numbers") from None
        if array.ndim != 1 or array.size not in _LAYOUT_BY_VALUES:
            raise DataFormatError(path, f"person {index}: {array.size} values; expected 54 "
                                        "(COCO-18) or 75 (BODY-25)")
        if arrays and array.size != arrays[0].size:
            raise DataFormatError(path, f"person {index} has {array.size} values, person 0 "
                                        f"{arrays[0].size}: one file holds one layout")
        triples = array.reshape(-1, 3)
        if not np.isfinite(triples).all():
            raise DataFormatError(path, f"person {index}: NaN or infinite values")
        if (triples[:, 2] < 0).any() or (triples[:, 2] > 1).any():
            raise DataFormatError(path, f"person {index}: confidences outside [0, 1]")
        arrays.append(array)
    return arrays


def read_people(folder: str | os.PathLike) -> tuple[tuple[str, ...], JointLayout, list[np.ndarray]]:
    """Every `*_keypoints.json` of FOLDER in natural frame order: the files, the layout, and
    per frame a (people, J, 3) array of x, y, confidence (no person: shape (0, J, 3))."""
    folder = require_dir(folder)
    paths = sorted(glob.glob(os.path.join(glob.escape(folder), "*_keypoints.json")),
                   key=_natural_key)
    if not paths:
        raise DataFormatError(folder, "no *_keypoints.json files")
    per_frame: list[list[np.ndarray]] = []
    layout: JointLayout | None = None
    for path in paths:
        people = _read_people(path)
        if people:
            frame_layout = _LAYOUT_BY_VALUES[people[0].size]
            if layout is not None and frame_layout != layout:
                raise DataFormatError(path, f"layout {frame_layout.name} differs from earlier "
                                            f"frames ({layout.name})")
            layout = frame_layout
        per_frame.append(people)
    if layout is None:
        raise DataFormatError(folder, "no person detected in any frame")
    arrays = [np.stack(people).reshape(len(people), layout.num_joints, 3) if people
              else np.zeros((0, layout.num_joints, 3)) for people in per_frame]
    return tuple(paths), layout, arrays


def load_folder(folder: str | os.PathLike) -> KeypointTrack:
    """The most confident person of every frame of FOLDER, as one track."""
    paths, layout, people = read_people(folder)
    chosen = [p[int(np.argmax(p[..., 2].sum(-1)))] if len(p) else None for p in people]
    values = np.stack([np.full((layout.num_joints, 3), np.nan) if c is None else c
                       for c in chosen])
    keypoints = values[..., :2].copy()
    confidence = np.nan_to_num(values[..., 2])
    empty = tuple(i for i, c in enumerate(chosen) if c is None)
    interpolated = interpolate_missing(keypoints, confidence > 0)
    return KeypointTrack(keypoints=keypoints.astype(np.float32),
                         confidence=confidence.astype(np.float32), layout=layout,
                         frames=paths, empty_frames=empty, interpolated=interpolated)


# Where each BODY-25 joint sits for a pose known only in H36M-17: the joints both share,
# and for the face and feet the nearest H36M joint (the ears placed so that the H36M-16
# mapping's Head = 1.5 x mid-ears - 0.5 x Neck gives H36M's Head back; eyes at the nose).
# Approximate by nature: it writes synthetic people in the real input format for demos and
# tests, it is not a model of OpenPose's detections.
_BODY25_FROM_H36M17 = {
    "Nose": "Neck/Nose", "Neck": "Thorax", "MidHip": "Hip", "REye": "Neck/Nose",
    "LEye": "Neck/Nose", "RAnkle": "RFoot", "LAnkle": "LFoot", "LBigToe": "LFoot",
    "LSmallToe": "LFoot", "LHeel": "LFoot", "RBigToe": "RFoot", "RSmallToe": "RFoot",
    "RHeel": "RFoot",
}


def body25_from_h36m17(points: np.ndarray) -> np.ndarray:
    """(..., 17, 2) H36M-17 pixels -> (..., 25, 2) BODY-25 (see _BODY25_FROM_H36M17)."""
    points = np.asarray(points, np.float32)
    out = np.empty((*points.shape[:-2], BODY_25.num_joints, 2), np.float32)
    for index, joint in enumerate(BODY_25.joints):
        if joint in ("REar", "LEar"):
            continue
        out[..., index, :] = points[..., H36M_17.index(_BODY25_FROM_H36M17.get(joint, joint)), :]
    ear = (points[..., H36M_17.index("Head"), :]
           + 0.5 * points[..., H36M_17.index("Thorax"), :]) / 1.5
    out[..., BODY_25.index("REar"), :] = out[..., BODY_25.index("LEar"), :] = ear
    return out


def write_folder(folder: str | os.PathLike, people_per_frame: list[list[np.ndarray]],
                 confidence: float = 0.9, stem: str = "frame") -> tuple[str, ...]:
    """Writes one `<stem>_<n>_keypoints.json` per frame, each person a (25, 2) BODY-25 array
    of pixels (an empty list: nobody in that frame), as OpenPose does; returns the paths."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for index, people in enumerate(people_per_frame):
        document = {"version": 1.3, "people": [
            {"person_id": [-1], "pose_keypoints_2d": [
                round(float(v), 2) for point in person
                for v in (point[0], point[1], confidence)]} for person in people]}
        path = os.path.join(folder, f"{stem}_{index:012d}_keypoints.json")
        write_text(path, json.dumps(document))
        paths.append(path)
    return tuple(paths)
