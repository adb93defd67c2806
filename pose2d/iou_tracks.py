"""Tracking people given per frame (OpenPose JSON): boxes matched frame to frame by IoU.

Each person's box is the bounds of their confident keypoints. A frame's people are assigned
to the tracks seen within the last `remember_frames` frames by maximum total IoU (Hungarian
assignment), pairs under `min_iou` excepted; an unassigned person starts a new track while
fewer than `max_people` tracks are live. With `max_people=1` the most prominent person (the
largest box) of the first frame with anyone in it is the one followed.
"""
from __future__ import annotations

import numpy as np
from scipy import optimize

from pose2d.detector import box_iou


def keypoint_box(person: np.ndarray) -> np.ndarray | None:
    """(x0, y0, x1, y1) of the keypoints of (J, 3) x, y, confidence with confidence > 0."""
    seen = person[:, 2] > 0
    if seen.sum() < 2:
        return None
    points = person[seen, :2]
    return np.concatenate([points.min(0), points.max(0)])


def assign_tracks(people: list[np.ndarray], max_people: int, min_iou: float = 0.1,
                  remember_frames: int = 30) -> list[dict[int, int]]:
    """Per frame, {track id: index of the person in that frame's (n, J, 3) array}."""
    last_box: dict[int, np.ndarray] = {}
    last_frame: dict[int, int] = {}
    assignments = []
    next_id = 0
    for index, frame_people in enumerate(people):
        boxes = [keypoint_box(person) for person in frame_people]
        candidates = [i for i, box in enumerate(boxes) if box is not None]
        recent = [t for t in last_box if index - last_frame[t] <= remember_frames]
        assigned: dict[int, int] = {}
        if recent and candidates:
            overlap = np.array([box_iou(boxes[i], np.stack([last_box[t] for t in recent]))
                                for i in candidates])
            rows, columns = optimize.linear_sum_assignment(-overlap)
            for row, column in zip(rows, columns):
                if overlap[row, column] >= min_iou:
                    assigned[recent[column]] = candidates[row]
        live = sum(1 for t in recent if t in assigned) + sum(
            1 for t in recent if t not in assigned and index - last_frame[t] <= 1)
        spare = sorted((i for i in candidates if i not in assigned.values()),
                       key=lambda i: -np.prod(boxes[i][2:] - boxes[i][:2]))
        for person in spare:
            if live >= max_people:
                break
            assigned[next_id] = person
            next_id += 1
            live += 1
        for track, person in assigned.items():
            last_box[track], last_frame[track] = boxes[person], index
        assignments.append(assigned)
    return assignments
