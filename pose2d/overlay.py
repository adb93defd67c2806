"""Drawing tracks on frames: the H36M-16 skeleton, low-confidence joints hollow, track ids."""
from __future__ import annotations

from typing import Iterator

import cv2
import numpy as np

from datasets.layouts import H36M_16
from pose2d.tracks import TrackedVideo

_NAMES = H36M_16.joints
_BONES = [(_NAMES.index(a), _NAMES.index(b)) for a, b in (
    ("Hip", "RHip"), ("RHip", "RKnee"), ("RKnee", "RFoot"), ("Hip", "LHip"), ("LHip", "LKnee"),
    ("LKnee", "LFoot"), ("Hip", "Spine"), ("Spine", "Thorax"), ("Thorax", "Head"),
    ("Thorax", "LShoulder"), ("LShoulder", "LElbow"), ("LElbow", "LWrist"),
    ("Thorax", "RShoulder"), ("RShoulder", "RElbow"), ("RElbow", "RWrist"))]
_COLOURS = [(230, 80, 40), (40, 160, 240), (60, 200, 90), (200, 60, 200), (240, 200, 40)]


def draw(frame: np.ndarray, video: TrackedVideo, index: int, min_confidence: float = 0.5,
         labels: dict[int, str] | None = None,
         pairs: list[tuple[int, int, str]] | None = None) -> np.ndarray:
    """A copy of RGB FRAME with every track seen at frame INDEX drawn on it, with LABELS by
    track id; PAIRS, (track a, track b, the pair's label) each, are joined hip to hip by a
    line with their label at its middle."""
    canvas = frame.copy()
    thickness = max(2, round(max(canvas.shape[:2]) / 400))
    by_id = {track.track_id: track for track in video.tracks}
    for a, b, label in pairs or ():
        hips = np.array([by_id[a].keypoints[index, 0], by_id[b].keypoints[index, 0]])
        if not np.isfinite(hips).all():
            continue
        ends = [tuple(p) for p in np.round(hips).astype(int)]
        cv2.line(canvas, ends[0], ends[1], (255, 255, 255), thickness, cv2.LINE_AA)
        middle = np.round(hips.mean(axis=0)).astype(int)
        cv2.putText(canvas, f"#{a}+#{b} {label}".strip(), (middle[0] - 40, middle[1] - 12),
                    cv2.FONT_HERSHEY_SIMPLEX, thickness / 3, (255, 255, 255), thickness,
                    cv2.LINE_AA)
    for track in video.tracks:
        if not track.seen[index]:
            continue
        colour = _COLOURS[track.track_id % len(_COLOURS)]
        points = track.keypoints[index]
        for a, b in _BONES:
            if np.isfinite(points[[a, b]]).all():
                cv2.line(canvas, tuple(np.round(points[a]).astype(int)),
                         tuple(np.round(points[b]).astype(int)), colour, thickness, cv2.LINE_AA)
        for point, confidence in zip(points, track.confidence[index]):
            if np.isfinite(point).all():
                cv2.circle(canvas, tuple(np.round(point).astype(int)), 2 * thickness, colour,
                           -1 if confidence >= min_confidence else thickness, cv2.LINE_AA)
        if np.isfinite(points[_NAMES.index("Head")]).all():
            head = np.round(points[_NAMES.index("Head")]).astype(int)
            text = f"#{track.track_id}" + (f" {labels[track.track_id]}" if labels and
                                           track.track_id in labels else "")
            cv2.putText(canvas, text, (head[0] + 8, head[1] - 8), cv2.FONT_HERSHEY_SIMPLEX,
                        thickness / 3, colour, thickness, cv2.LINE_AA)
    return canvas


def blank_frames(video: TrackedVideo) -> Iterator[np.ndarray]:
    """Black frames of the video's size, for keypoint input without pictures (OpenPose)."""
    width, height = (max(16, v + 16) for v in video.image_size)
    for _ in range(video.num_frames):
        yield np.zeros((height, width, 3), np.uint8)
