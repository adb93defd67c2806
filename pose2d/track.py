"""2D keypoint tracks from a video or an OpenPose folder, with an overlay to check them.

    python -m pose2d.track --video=clip.mp4 --out_dir=runs/track [--max_people=2 --model=lite]
    python -m pose2d.track --openpose_dir=json/ --out_dir=runs/track

Writes keypoints_2d.json (per frame, per track: 16 x [x, y, score] in H36M-16 order, the
interpolated joints, the track id; frames with nobody listed), overlay.mp4 (skeletons and
track ids on the frames; black frames for OpenPose input) and config.json. Model files come
from --pose_models_dir, POSE_MODELS_DIR or the cache that `python -m pose2d.fetch_models`
fills.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import dataclasses
import json
import os
import time
from typing import Iterator

import numpy as np

from absl import app, flags, logging

from common.run_record import exit_on_user_error, write_config
from pose2d import overlay, video
from pose2d.front_end import FrontEndSettings, track_openpose, track_video
from pose2d.model_files import ModelFileError
from pose2d.tracker import TrackerSettings
from pose2d.tracks import TrackedVideo, write_json

FLAGS = flags.FLAGS


@dataclasses.dataclass(frozen=True)
class TrackSettings:
    """One run of the binary.

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
        return tracked, {"frames_per_s": round(stats.frames / max(stats.wall_seconds, 1e-9), 1),
                         "detector_runs": stats.detector_runs}
    return track_openpose(openpose_dir, front_end, openpose_fps), {}


def frames_to_draw_on(video_path: str | None, tracked: TrackedVideo) -> Iterator[np.ndarray]:
    """The video's frames again, or black frames of its size for keypoint input."""
    return video.frames(video_path) if video_path else overlay.blank_frames(tracked)


def run(settings: TrackSettings) -> dict:
    os.makedirs(settings.out_dir, exist_ok=True)
    start = time.perf_counter()
    tracked, summary = find_tracks(settings.video, settings.openpose_dir, settings.front_end)
    write_config(settings.out_dir, settings)
    write_json(tracked, os.path.join(settings.out_dir, "keypoints_2d.json"))
    if settings.overlay:
        frames = frames_to_draw_on(settings.video, tracked)
        overlay.write_mp4(os.path.join(settings.out_dir, "overlay.mp4"),
                          (overlay.draw(f, tracked, i, settings.front_end.min_confidence)
                           for i, f in enumerate(frames)), tracked.fps)
    return {"frames": tracked.num_frames, "tracks": [t.track_id for t in tracked.tracks],
            "frames_with_nobody": len(tracked.empty_frames), **summary,
            "seconds": round(time.perf_counter() - start, 1), "out_dir": settings.out_dir}


def define_flags() -> None:
    flags.DEFINE_string("video", None, "Input video file.")
    flags.DEFINE_string("openpose_dir", None, "Input folder of OpenPose *_keypoints.json.")
    flags.DEFINE_string("out_dir", None, "Where the outputs go.")
    flags.DEFINE_enum("model", "full", ["lite", "full"], "BlazePose landmark model.")
    flags.DEFINE_string("pose_models_dir", None, "Folder of the BlazePose .tflite files.")
    flags.DEFINE_integer("max_people", 1, "The most people tracked at once.", lower_bound=1)
    flags.DEFINE_integer("redetect_every", 15, "Frames between detector runs while fewer than "
                         "--max_people are tracked.", lower_bound=1)
    flags.DEFINE_float("presence_threshold", 0.5, "Pose presence below which a track is lost.")
    flags.DEFINE_float("min_confidence", 0.5, "Joints below it are interpolated over gaps.")
    flags.DEFINE_integer("max_gap", 10, "Longest gap (frames) that is interpolated.",
                         lower_bound=0)
    flags.DEFINE_bool("overlay", True, "Write overlay.mp4.")
    flags.mark_flag_as_required("out_dir")
    flags.register_multi_flags_validator(
        ["video", "openpose_dir"], lambda f: bool(f["video"]) != bool(f["openpose_dir"]),
        "give exactly one of --video and --openpose_dir")


def settings_from_flags() -> TrackSettings:
    try:
        tracker = TrackerSettings(max_people=FLAGS.max_people,
                                  presence_threshold=FLAGS.presence_threshold,
                                  redetect_every=FLAGS.redetect_every)
        front_end = FrontEndSettings(model=FLAGS.model, pose_models_dir=FLAGS.pose_models_dir,
                                     tracker=tracker, min_confidence=FLAGS.min_confidence,
                                     max_gap=FLAGS.max_gap)
    except ValueError as error:
        raise app.UsageError(str(error)) from None
    return TrackSettings(video=FLAGS.video, openpose_dir=FLAGS.openpose_dir,
                         out_dir=FLAGS.out_dir, front_end=front_end, overlay=FLAGS.overlay)


def main(argv: list[str]) -> None:
    del argv
    settings = settings_from_flags()
    summary = exit_on_user_error("pose2d.track", lambda: run(settings), also=(ModelFileError,))
    print(json.dumps(summary))


if __name__ == "__main__":
    define_flags()
    app.run(main)
