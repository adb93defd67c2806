"""The whole pipeline's speed on a video, per stage, printed as one JSON line.

    python -m bench.pipeline_bench --video=../shared/data/videos/ntu_drink_water.avi \
        --pose_models_dir=../shared/data/models [--lifter=... --classifier=...]

  decode_ms, detector_ms, landmark_ms_<model>   the 2D front-end (bench.pose2d_bench)
  lift_ms_<kind>                                 each shipped lifter (frame, temporal) on
                                                the same track
  lift_ms, encode_ms, classify_ms               per frame of the clip: the lifter on the
                                                whole track in one call, the Enhanced-SPMF
                                                encoding of its K views, the classifier
  end_to_end_fps_<model>                        the 2D front-end alone (bench.pose2d_bench)
  pipeline_fps_<model>                          pipeline.run without its videos (reading,
                                                tracking, lifting, recognising, writing the
                                                JSON, npz and PNG outputs)
  lift_and_classify_share_<model>               (lift + encode + classify) / end-to-end time
  pairs_ms_per_frame                            pipeline.run's pair stage (`pipeline.pairs`)
  two_people_pipeline_fps_lite, two_people_pairs_ms_per_frame, two_people_pair
                                                the same on the clip's person pasted twice
                                                side by side (`bench.scenes`, an H.264 file
                                                decoded like any video; the second run, once
                                                the interaction classifier's graph is traced),
                                                and the pair found
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json
import os
import tempfile
import time

import numpy as np
from absl import app, flags

from bench import front_end_speed, scenes
from bench.timing import ms_per_call
from lifting.deployed import DEFAULT_LIFTER_KIND, PRETRAINED_LIFTERS, DeployedLifter
from pipeline import analysis
from pose2d import model_files, video
from pose2d.front_end import FrontEndSettings, track_video
from pose2d.tracker import TrackerSettings
from pose2d.video_writer import write_mp4

FLAGS = flags.FLAGS


def measure(path: str, models_dir: str | None, lifter_path: str, classifier_path: str,
            lifter_kind: str = DEFAULT_LIFTER_KIND) -> dict:
    result = front_end_speed.measure(path, models_dir)
    settings = analysis.RunSettings(video=path, openpose_dir=None, out_dir="",
                                    lifter=lifter_path, lifter_kind=lifter_kind,
                                    classifier=classifier_path, videos=False)
    models = analysis.load_models(settings)
    lifter, classifier = models.lifter, models.classifier
    tracked, _ = track_video(path, FrontEndSettings(model="lite", pose_models_dir=models_dir))
    keypoints = tracked.tracks[0].keypoints
    frames = len(keypoints)
    poses = lifter.lift(keypoints)
    result["lift_ms"] = round(ms_per_call(lambda: lifter.lift(keypoints), 5) / frames, 3)
    result.update(_shipped_lifters_ms(keypoints))
    images = classifier.images
    encode = lambda: classifier.encode(poses)  # noqa: E731
    result["encode_ms"] = round(ms_per_call(encode, 5) * images.eval_views / frames, 3)
    classify_all = ms_per_call(lambda: classifier.classify(poses), 5) / frames
    result["classify_ms"] = round(max(classify_all - result["encode_ms"], 0.0), 3)
    for model in model_files.LANDMARKS:
        seconds, summary = _timed_run(path, model, models_dir, models)
        result[f"pipeline_fps_{model}"] = round(frames / seconds, 1)
        result["pairs_ms_per_frame"] = summary["pairs_ms_per_frame"]
        models_ms = result["lift_ms"] + result["encode_ms"] + result["classify_ms"]
        result[f"lift_and_classify_share_{model}"] = round(models_ms * frames / 1000 / seconds, 4)
    result["lifted_frames"] = int(np.isfinite(poses).all(axis=(1, 2)).sum())
    with tempfile.TemporaryDirectory() as folder:
        clip = os.path.join(folder, "two_people.mp4")
        write_mp4(clip, scenes.two_people(list(video.frames(path))), tracked.fps)
        first_seconds, _ = _timed_run(clip, "lite", models_dir, models, max_people=2)
        seconds, summary = _timed_run(clip, "lite", models_dir, models, max_people=2)
    result["two_people_first_run_s"] = round(first_seconds, 2)  # the interaction graph traced
    result["two_people_pipeline_fps_lite"] = round(frames / seconds, 1)
    result["two_people_pairs_ms_per_frame"] = summary["pairs_ms_per_frame"]
    result["two_people_pair"] = summary["pairs"]
    return result


def _shipped_lifters_ms(keypoints) -> dict[str, float]:
    """{lift_ms_<kind>: ms per frame} of each shipped lifter on the track KEYPOINTS."""
    timings = {}
    for kind, folder in PRETRAINED_LIFTERS.items():
        if os.path.isdir(folder):
            lifter = DeployedLifter.load(folder)
            timings[f"lift_ms_{kind}"] = round(
                ms_per_call(lambda: lifter.lift(keypoints), 5) / len(keypoints), 3)
    return timings


def _timed_run(path: str, model: str, models_dir: str | None, models: analysis.Models,
               max_people: int = 1) -> tuple[float, dict]:
    """Seconds of pipeline.run on PATH without its videos, and its summary."""
    with tempfile.TemporaryDirectory() as out_dir:
        began = time.perf_counter()
        summary = analysis.run(analysis.RunSettings(
            video=path, openpose_dir=None, out_dir=out_dir, videos=False,
            front_end=FrontEndSettings(model=model, pose_models_dir=models_dir,
                                       tracker=TrackerSettings(max_people=max_people))),
            models)
        return time.perf_counter() - began, summary


def main(argv: list[str]) -> None:
    del argv
    print(json.dumps({**measure(FLAGS.video, FLAGS.pose_models_dir, FLAGS.lifter,
                                FLAGS.classifier, FLAGS.lifter_kind), "video": FLAGS.video,
                      "lifter_kind": FLAGS.lifter_kind}))


if __name__ == "__main__":
    flags.DEFINE_string("video", "../shared/data/videos/ntu_drink_water.avi", "Video to time.")
    flags.DEFINE_string("pose_models_dir", None, "Folder of the BlazePose .tflite files.")
    flags.DEFINE_string("lifter", "", "Lifter (default: the shipped one of --lifter_kind).")
    flags.DEFINE_enum("lifter_kind", DEFAULT_LIFTER_KIND, list(PRETRAINED_LIFTERS),
                      "The shipped lifter used when --lifter is not given.")
    flags.DEFINE_string("classifier", "", "Classifier export (default: pretrained/classifier).")
    app.run(main)
