"""2D keypoint tracks from a video or an OpenPose folder, with an overlay to check them.

`track` writes keypoints_2d.json (per frame, per track: 16 x [x, y, score] in H36M-16 order,
the interpolated joints, the track id; frames with nobody listed), overlay.mp4 (skeletons and
track ids on the frames; black frames for OpenPose input) and config.json.
"""
from __future__ import annotations

import dataclasses
import os
import time
from typing import Iterator

import numpy as np
from absl import logging

from common.run_record import open_run
from pose2d import overlay, video
from pose2d.front_end import FrontEndSettings, track_openpose, track_video
from pose2d.smoothing import smooth_video
from pose2d.tracks import TrackedVideo, write_json
from pose2d.video_writer import write_mp4


@dataclasses.dataclass(frozen=True)
class TrackSettings:
    """One run of the tracker.

    Attributes:
      video: the input video, or None.
      openpose_dir: the input OpenPose JSON folder, or None.
      out_dir: where the outputs go.
      front_end: detection, tracking and cleaning.
      overlay: whether to write overlay.mp4.
    """

    video: str | None
    openpose_dir: str | None
    out_dir: str
    front_end: FrontEndSettings = FrontEndSettings()
    overlay: bool = True


class Progress:
    """Logs frames done, frames/s and the ETA every few seconds."""

    def __init__(self, total: int, every_seconds: float = 5.0):
        self.total, self.every, self.last = total, every_seconds, 0.0

    def __call__(self, done: int, elapsed: float) -> None:
        if elapsed - self.last >= self.every or done == self.total:
            self.last = elapsed
            rate = done / max(elapsed, 1e-9)
            eta = (self.total - done) / rate if self.total else 0.0
            logging.info("frame %d/%d, %.1f frames/s, ETA %.0f s", done, self.total, rate, eta)


def find_tracks(video_path: str | None, openpose_dir: str | None, front_end: FrontEndSettings,
                openpose_fps: float = 30.0) -> tuple[TrackedVideo, dict]:
    """The tracks of a video (with progress, and the front-end's speed in the summary) or of
    an OpenPose folder (whose files do not say their frame rate: OPENPOSE_FPS)."""
    if video_path:
        info = video.probe(video_path)
        tracked, stats = track_video(video_path, front_end, Progress(info.frame_count))
        summary = {"frames_per_s": round(stats.frames / max(stats.wall_seconds, 1e-9), 1),
                   "detector_runs": stats.detector_runs}
    else:
        tracked, summary = track_openpose(openpose_dir, front_end, openpose_fps), {}
    if front_end.smoothing == "on" or (front_end.smoothing == "auto" and video_path):
        tracked = smooth_video(tracked, front_end.one_euro)
    return tracked, summary


def frames_to_draw_on(video_path: str | None, tracked: TrackedVideo) -> Iterator[np.ndarray]:
    """The video's frames again, or black frames of its size for keypoint input."""
    return video.frames(video_path) if video_path else overlay.blank_frames(tracked)


def track(settings: TrackSettings) -> dict:
    """Tracks, writes the outputs of SETTINGS into its out_dir; a summary."""
    open_run(settings.out_dir, settings)
    start = time.perf_counter()
    tracked, summary = find_tracks(settings.video, settings.openpose_dir, settings.front_end)
    write_json(tracked, os.path.join(settings.out_dir, "keypoints_2d.json"))
    if settings.overlay:
        frames = frames_to_draw_on(settings.video, tracked)
        write_mp4(os.path.join(settings.out_dir, "overlay.mp4"),
                          (overlay.draw(f, tracked, i, settings.front_end.min_confidence)
                           for i, f in enumerate(frames)), tracked.fps)
    return {"frames": tracked.num_frames, "tracks": [t.track_id for t in tracked.tracks],
            "frames_with_nobody": len(tracked.empty_frames), **summary,
            "seconds": round(time.perf_counter() - start, 1), "out_dir": settings.out_dir}
