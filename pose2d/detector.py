"""BlazePose's person detector: letterboxed frame in, scored person boxes with keypoints out.

The model sees the frame letterboxed into 224 x 224 (aspect ratio kept, padded) with pixels in
[-1, 1], and regresses for every anchor (`pose2d.anchors`) a box and four keypoints; the ones
the pose pipeline uses are keypoint 0, the mid-hip, and keypoint 1, a point on the circle that
encloses the whole body around it. Scores are logits. Overlapping boxes are merged by weighted
non-maximum suppression (the score-weighted mean of each cluster), as MediaPipe's pose graph
does, and everything is returned in the frame's pixels.
"""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from pose2d.anchors import INPUT_SIZE, anchor_centres
from pose2d.interpreter import TfliteModel

SCORE_THRESHOLD = 0.5
NMS_IOU = 0.3
_SCORE_CLIP = 100.0


@dataclasses.dataclass(frozen=True)
class Detection:
    """One person: a box (x0, y0, x1, y1) and 4 keypoints (4, 2), frame pixels; score 0..1."""

    box: np.ndarray
    keypoints: np.ndarray
    score: float


def letterbox(frame: np.ndarray, size: int) -> tuple[np.ndarray, float, np.ndarray]:
    """FRAME (H, W, 3) uint8 RGB scaled into a size x size square, centred, zero padded.

    Returns the square, the scale and the (x, y) offset: frame = (square - offset) / scale.
    """
    height, width = frame.shape[:2]
    scale = size / max(height, width)
    resized = cv2.resize(frame, (max(1, round(width * scale)), max(1, round(height * scale))),
                         interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    offset = np.array([(size - resized.shape[1]) // 2, (size - resized.shape[0]) // 2])
    square = np.zeros((size, size, 3), np.uint8)
    square[offset[1]:offset[1] + resized.shape[0], offset[0]:offset[0] + resized.shape[1]] = resized
    return square, scale, offset.astype(np.float32)


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one (4,) box with (N, 4) boxes, all (x0, y0, x1, y1)."""
    low = np.maximum(box[:2], boxes[:, :2])
    high = np.minimum(box[2:], boxes[:, 2:])
    overlap = np.prod(np.clip(high - low, 0, None), axis=1)
    area = lambda b: np.prod(np.clip(b[..., 2:] - b[..., :2], 0, None), axis=-1)
    return overlap / np.maximum(area(box) + area(boxes) - overlap, 1e-9)


def weighted_nms(boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray,
                 iou: float = NMS_IOU) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Clusters of boxes overlapping the best remaining one by more than IOU, each merged into
    its score-weighted mean box and keypoints with the best score, best cluster first."""
    order = np.argsort(-scores)
    remaining = order
    merged = []
    while len(remaining):
        best = remaining[0]
        cluster = remaining[box_iou(boxes[best], boxes[remaining]) > iou]
        weights = scores[cluster][:, None]
        merged.append(((boxes[cluster] * weights).sum(0) / weights.sum(),
                       (keypoints[cluster] * weights[..., None]).sum(0) / weights.sum(),
                       float(scores[best])))
        remaining = remaining[~np.isin(remaining, cluster)]
    return merged


class PersonDetector:
    """pose_detection.tflite with its decoding; `detect(frame)` -> detections, best first."""

    def __init__(self, model_path: str, score_threshold: float = SCORE_THRESHOLD,
                 num_threads: int | None = None):
        self.model = TfliteModel(model_path, num_threads)
        self.score_threshold = score_threshold
        self.anchors = anchor_centres()

    def detect(self, frame: np.ndarray) -> list[Detection]:
        square, scale, offset = letterbox(frame, INPUT_SIZE)
        pixels = square.astype(np.float32) / 127.5 - 1.0
        outputs = self.model.run(pixels[None])
        regressors = outputs[0][0]  # (2254, 12): box centre and size, then 4 keypoints
        logits = np.clip(outputs[1][0, :, 0], -_SCORE_CLIP, _SCORE_CLIP)
        scores = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
        keep = scores >= self.score_threshold
        if not keep.any():
            return []
        raw, anchors = regressors[keep] / INPUT_SIZE, self.anchors[keep]
        centre = raw[:, :2] + anchors
        half = raw[:, 2:4] / 2
        boxes = np.concatenate([centre - half, centre + half], axis=1) * INPUT_SIZE
        keypoints = (raw[:, 4:].reshape(-1, 4, 2) + anchors[:, None]) * INPUT_SIZE
        to_frame = lambda points: (points - offset) / scale
        return [Detection(box=to_frame(box.reshape(2, 2)).reshape(4), keypoints=to_frame(points),
                          score=score)
                for box, points, score in weighted_nms(boxes, keypoints, scores[keep])]
