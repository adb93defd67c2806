"""A video or an OpenPose folder -> H36M-16 keypoint tracks (`pose2d.tracks.TrackedVideo`).

The library behind `python -m pose2d.track` and the video pipeline: BlazePose (detector ->
region -> landmarks, tracked by `pose2d.tracker`) on video frames, or OpenPose's people
tracked by IoU (`pose2d.iou_tracks`), both mapped to H36M-16 and gap-filled the same way
(`pose2d.tracks`).
"""
from __future__ import annotations

import dataclasses
import time
from typing import Callable, Iterable

import numpy as np
from absl import logging

from datasets import openpose
from datasets.layouts import BLAZEPOSE_33
from pose2d import model_files, video
from pose2d.detector import PersonDetector
from pose2d.iou_tracks import assign_tracks
from pose2d.landmarks import BODY_LANDMARKS, LandmarkModel
from pose2d.tracker import PoseTracker, TrackerSettings
from pose2d.smoothing import SMOOTHING, OneEuroSettings
from pose2d.tracks import TrackedVideo, make_track


@dataclasses.dataclass(frozen=True)
class FrontEndSettings:
    """How keypoints are found and cleaned.

    Attributes:
      model: BlazePose landmark model, "lite" or "full".
      pose_models_dir: folder of the .tflite files (else POSE_MODELS_DIR, else the cache).
      tracker: how people are followed.
      min_confidence: joints below it are interpolated over short gaps.
      max_gap: the longest gap (frames) that is interpolated.
      num_threads: TFLite interpreter threads (None: all cores).
      smoothing: One-Euro smoothing over time (`pose2d.smoothing`): "auto" (videos only),
        "on" or "off".
      one_euro: the filter's parameters.
    """

    model: str = "full"
    pose_models_dir: str | None = None
    tracker: TrackerSettings = TrackerSettings()
    min_confidence: float = 0.5
    max_gap: int = 10
    num_threads: int | None = None
    smoothing: str = "auto"
    one_euro: OneEuroSettings = OneEuroSettings()

    def __post_init__(self):
        if self.model not in model_files.LANDMARKS:
            raise ValueError(f"model must be one of {', '.join(model_files.LANDMARKS)}, "
                             f"got {self.model!r}")
        if self.smoothing not in SMOOTHING:
            raise ValueError(f"smoothing must be one of {', '.join(SMOOTHING)}, got "
                             f"{self.smoothing!r}")
        if self.max_gap < 0 or not 0 <= self.min_confidence <= 1:
            raise ValueError("max_gap must be >= 0 and min_confidence in [0, 1]")


@dataclasses.dataclass
class FrontEndStats:
    """Where the time went: frames, detector runs, seconds of decode wait and of models."""

    frames: int = 0
    detector_runs: int = 0
    wall_seconds: float = 0.0


def load_models(settings: FrontEndSettings) -> tuple[PersonDetector, LandmarkModel]:
    detector = PersonDetector(model_files.locate(model_files.DETECTOR, settings.pose_models_dir),
                              num_threads=settings.num_threads)
    landmarks = LandmarkModel(model_files.locate(model_files.LANDMARKS[settings.model],
                                                 settings.pose_models_dir), settings.num_threads)
    return detector, landmarks


def _tracks_from_landmarks(per_frame: list[dict], settings: FrontEndSettings):
    ids = sorted({track for frame in per_frame for track in frame})
    tracks = []
    for track_id in ids:
        points = np.full((len(per_frame), BODY_LANDMARKS, 2), np.nan, np.float32)
        confidence = np.zeros((len(per_frame), BODY_LANDMARKS), np.float32)
        for index, frame in enumerate(per_frame):
            if track_id in frame:
                points[index] = frame[track_id].points
                confidence[index] = frame[track_id].confidence
        tracks.append(make_track(track_id, points, confidence, BLAZEPOSE_33,
                                 settings.min_confidence, settings.max_gap))
    return tuple(tracks)


def track_frames(frames: Iterable[np.ndarray], tracker: PoseTracker,
                 progress: Callable[[int, float], None] | None = None) -> list[dict]:
    """Runs TRACKER over FRAMES; per frame {track id: Landmarks}."""
    per_frame, start = [], time.perf_counter()
    for frame in frames:
        per_frame.append(tracker.step(frame))
        if progress is not None:
            progress(len(per_frame), time.perf_counter() - start)
    return per_frame


def track_video(path: str, settings: FrontEndSettings,
                progress: Callable[[int, float], None] | None = None
                ) -> tuple[TrackedVideo, FrontEndStats]:
    """Every person of the video at PATH, tracked."""
    info = video.probe(path)
    detector, landmarks = load_models(settings)
    tracker = PoseTracker(detector, landmarks, settings.tracker)
    start = time.perf_counter()
    per_frame = track_frames(video.frames(path, info), tracker, progress)
    stats = FrontEndStats(len(per_frame), tracker.detector_runs, time.perf_counter() - start)
    empty = tuple(i for i, frame in enumerate(per_frame) if not frame)
    if len(empty) == len(per_frame):
        logging.warning("%s: nobody was found in any of its %d frames", path, len(per_frame))
    return TrackedVideo(source=path, num_frames=len(per_frame),
                        image_size=(info.width, info.height), fps=info.fps,
                        tracks=_tracks_from_landmarks(per_frame, settings),
                        empty_frames=empty), stats


def track_openpose(folder: str, settings: FrontEndSettings, fps: float = 30.0) -> TrackedVideo:
    """Every person of an OpenPose JSON folder, tracked by IoU."""
    paths, layout, people = openpose.read_people(folder)
    assignments = assign_tracks(people, settings.tracker.max_people,
                                remember_frames=settings.tracker.remember_frames)
    ids = sorted({track for frame in assignments for track in frame})
    tracks = []
    for track_id in ids:
        values = np.full((len(paths), layout.num_joints, 3), np.nan, np.float32)
        for index, frame in enumerate(assignments):
            if track_id in frame:
                values[index] = people[index][frame[track_id]]
        points, confidence = values[..., :2].copy(), np.nan_to_num(values[..., 2])
        points[confidence <= 0] = np.nan  # OpenPose writes (0, 0, 0) for a joint it missed
        tracks.append(make_track(track_id, points, confidence, layout, settings.min_confidence,
                                 settings.max_gap))
    seen = np.stack([t.seen for t in tracks]).any(0) if tracks else np.zeros(len(paths), bool)
    all_points = np.concatenate([p[..., :2].reshape(-1, 2) for p in people if len(p)])
    extent = np.ceil(all_points.max(0)).astype(int) if len(all_points) else (0, 0)
    return TrackedVideo(source=folder, num_frames=len(paths),
                        image_size=(int(extent[0]), int(extent[1])), fps=fps,
                        tracks=tuple(tracks), empty_frames=tuple(np.flatnonzero(~seen).tolist()))
