"""How much each shipped lifter's bones stretch over a track on harder videos, as one JSON line.

    python -m bench.bone_stability --pose_models_dir=../shared/data/models

The NTU clip and the scenes `bench.scenes` makes from it (two people close together, one
partly hidden; 320 x 180 pixels; a person cut off at the waist) go through pipeline.run with
the lite landmark model, once per shipped lifter kind. Per kind and scene, per track: the
worst bone's std / mean over the track (percent) of the lifter's own poses and of the poses
pipeline.run keeps (bones of one length by default), and the frames lifted.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json
import os
import tempfile

from absl import app, flags

from bench import scenes
from lifting.deployed import PRETRAINED_LIFTERS
from pipeline import analysis
from pose2d import video
from pose2d.front_end import FrontEndSettings
from pose2d.tracker import TrackerSettings
from pose2d.video_writer import write_mp4

FLAGS = flags.FLAGS
SCENES = {"ntu_clip": lambda frames: frames, "two_people_close": scenes.two_people_close,
          "low_resolution": scenes.low_resolution,
          "cut_off_at_the_waist": scenes.cut_off_at_the_waist}


def worst_bone_percent(variation: dict[str, float]) -> float | None:
    return round(100 * max(variation.values()), 2) if variation else None


def scene_tracks(path: str, kind: str, models_dir: str | None) -> list[dict]:
    """Per track of PATH through pipeline.run with the shipped lifter of KIND: the worst
    bone of the lifter's poses and of the kept ones, and the frames lifted."""
    with tempfile.TemporaryDirectory() as out_dir:
        summary = analysis.run(analysis.RunSettings(
            video=path, openpose_dir=None, out_dir=out_dir, videos=False, lifter_kind=kind,
            pairs="none", front_end=FrontEndSettings(
                model="lite", pose_models_dir=models_dir,
                tracker=TrackerSettings(max_people=2))))
        tracks = []
        for person in summary["people"]:
            folder = os.path.join(out_dir, f"track_{person['track_id']}")
            with open(os.path.join(folder, "action.json"), encoding="utf-8") as handle:
                action = json.load(handle)
            tracks.append({"track": person["track_id"],
                           "lifter_worst_bone_percent": worst_bone_percent(
                               action["limb_length_cv_of_the_lifter"]),
                           "kept_worst_bone_percent": worst_bone_percent(
                               action["limb_length_cv"]),
                           "frames_lifted": person["frames_lifted"]})
    return tracks


def measure(path: str, models_dir: str | None) -> dict:
    frames = list(video.frames(path))
    fps = video.probe(path).fps
    result = {}
    with tempfile.TemporaryDirectory() as folder:
        for scene, make in SCENES.items():
            clip = os.path.join(folder, f"{scene}.mp4")
            write_mp4(clip, make(frames), fps)
            result[scene] = {kind: scene_tracks(clip, kind, models_dir)
                             for kind, shipped in PRETRAINED_LIFTERS.items()
                             if os.path.isdir(shipped)}
    return result


def main(argv: list[str]) -> None:
    del argv
    print(json.dumps({**measure(FLAGS.video, FLAGS.pose_models_dir), "video": FLAGS.video}))


if __name__ == "__main__":
    flags.DEFINE_string("video", "../shared/data/videos/ntu_drink_water.avi", "The clip.")
    flags.DEFINE_string("pose_models_dir", None, "Folder of the BlazePose .tflite files.")
    app.run(main)
