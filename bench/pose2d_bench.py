"""The 2D front-end's speed on a video, printed as one JSON line.

    python -m bench.pose2d_bench --video=../shared/data/videos/ntu_drink_water.avi \
        --pose_models_dir=../shared/data/models

  decode_ms                 per frame, decoding alone (the reader thread, nothing else running)
  detector_ms               per detector call on a frame of the video
  landmark_ms_<model>       per landmark call on the tracked region
  end_to_end_fps_<model>    `pose2d.front_end.track_video`, decoding in its thread included
  detector_runs_<model>     how many of the frames the detector ran on
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json
import time

from absl import app, flags

from bench.timing import ms_per_call
from pose2d import model_files, video
from pose2d.front_end import FrontEndSettings, load_models, track_video
from pose2d.roi import region_from_points

FLAGS = flags.FLAGS


def measure(path: str, models_dir: str | None, calls: int = 30) -> dict:
    start = time.perf_counter()
    frames = list(video.frames(path))
    result = {"frames": len(frames),
              "decode_ms": round(1000 * (time.perf_counter() - start) / len(frames), 2)}
    for model in model_files.LANDMARKS:
        settings = FrontEndSettings(model=model, pose_models_dir=models_dir)
        detector, landmarks = load_models(settings)
        frame = frames[len(frames) // 2]
        detection = detector.detect(frame)[0]
        region = region_from_points(detection.keypoints[0], detection.keypoints[1])
        result["detector_ms"] = round(ms_per_call(lambda: detector.detect(frame), calls), 2)
        result[f"landmark_ms_{model}"] = round(
            ms_per_call(lambda: landmarks.locate(frame, region), calls), 2)
        tracked, stats = track_video(path, settings)
        result[f"end_to_end_fps_{model}"] = round(stats.frames / stats.wall_seconds, 1)
        result[f"end_to_end_ms_{model}"] = round(1000 * stats.wall_seconds / stats.frames, 2)
        result[f"detector_runs_{model}"] = stats.detector_runs
        result[f"frames_tracked_{model}"] = int(sum(t.seen.sum() for t in tracked.tracks))
    return result


def main(argv: list[str]) -> None:
    del argv
    print(json.dumps({**measure(FLAGS.video, FLAGS.pose_models_dir), "video": FLAGS.video}))


if __name__ == "__main__":
    flags.DEFINE_string("video", "../shared/data/videos/ntu_drink_water.avi", "Video to time.")
    flags.DEFINE_string("pose_models_dir", None, "Folder of the BlazePose .tflite files.")
    app.run(main)
