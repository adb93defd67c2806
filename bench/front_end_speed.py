"""The 2D front-end's speed on a video: decoding, detector and landmark calls, end to end."""
from __future__ import annotations

import time

from bench.timing import ms_per_call
from pose2d import model_files, video
from pose2d.front_end import FrontEndSettings, load_models, track_video
from pose2d.roi import region_from_points


def measure(path: str, models_dir: str | None, calls: int = 30) -> dict:
    """Per-frame and per-call times of every landmark model on the video at PATH."""
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
