"""From a video (or an OpenPose folder) to 3D poses and an action, per tracked person, and
an interaction per pair of people who come near each other.

    python -m pipeline.run --video=clip.mp4 --out_dir=runs/clip [--window=60 --model=lite]
    python -m pipeline.run --video=two.mp4 --out_dir=runs/two --max_people=2  # and pairs
    python -m pipeline.run --openpose_dir=json/ --out_dir=runs/clip --max_people=2 --pairs=none

The stages of the paper's unified framework: 2D keypoints (BlazePose on the frames, or the
OpenPose files) -> the two-stream lifter's deployable stream (camera-independent input) ->
Enhanced-SPMF -> the ENAS classifier. The models default to the shipped `pretrained/`.
OUT_DIR receives:
  keypoints_2d.json    every track, per frame, H36M-16 pixels and confidences
  overlay.mp4          (H.264) the video with each person's skeleton, track id and current
                       action, and a line joining each pair with its current interaction
  report.html          everything below, shown together
  config.json          the run's settings: a rerun with other settings into the same
                       OUT_DIR is refused unless --overwrite
  track_<id>/          per tracked person:
    keypoints_2d.json  that person's keypoints
    poses_3d.npz       poses (T, 17, 3) mm root-relative H36M-17 (NaN where not lifted),
                       lifted (T,) bool, joints, fps; plain arrays (allow_pickle=False)
    action.json        top-5 labels over the frames lifted, the label set, with
                       --window a label per sliding window, and each limb's length
                       variation (std / mean over the clip: anatomical plausibility)
    skeleton_3d.mp4    the 3D skeleton from a fixed viewpoint beside the frame
    skeleton_3d.png    a few of those frames, as a still
    spmf.png           the Enhanced-SPMF image the classifier saw (view 0, enlarged)
  pair_<a>_<b>/        per pair of interacting people (`pipeline.pairs`; --pairs=none: none):
    interaction.json   top-5 interactions (SBU's 8 with the shipped classifier) over the
                       frames both were lifted in, per window with --window, the frames used
                       and how near the two came
    poses_3d.npz       poses (T, 2, 17, 3) mm of both, placed together from their 2D
    skeleton_3d.png    the pair placed together, a few frames
(`pipeline.analysis`).
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json

from absl import app, flags

from common.run_record import exit_on_user_error
from lifting.deployed import DEFAULT_LIFTER_KIND, PRETRAINED_LIFTERS
from pipeline.analysis import PAIR_MODES, NobodyFound, RunSettings, run
from pipeline.pairs import PairRule
from pose2d.flags import define_front_end_flags, track_settings_from_flags
from pose2d.model_files import ModelFileError
from recognition.deployed import LayoutMismatch

FLAGS = flags.FLAGS


def define_flags() -> None:
    define_front_end_flags()  # the input, the 2D front-end's flags and --overlay (videos)
    flags.DEFINE_string("lifter", "", "Lifter: a lifting.train model_dir, a compact folder or "
                        "a SavedModel (default: the shipped lifter of --lifter_kind).")
    flags.DEFINE_enum("lifter_kind", DEFAULT_LIFTER_KIND, list(PRETRAINED_LIFTERS),
                      "The shipped lifter when --lifter is not given: frame (one frame at a "
                      "time, the paper's) or temporal (each track with its neighbouring frames).")
    flags.DEFINE_string("classifier", "", "Action classifier: an export/ of recognition.train "
                        "(default: pretrained/classifier).")
    flags.DEFINE_integer("window", 0, "Frames per sliding window for a label per window "
                         "(0: one label for the clip).", lower_bound=0)
    flags.DEFINE_float("openpose_fps", 30.0, "Frame rate of an --openpose_dir input.")
    flags.register_validator("openpose_fps", lambda fps: fps > 0,
                             "--openpose_fps must be a positive frame rate")
    flags.DEFINE_bool("rigid_bones", True, "Give each person's bones one length over the "
                      "track (their median); --norigid_bones keeps the lifter's own poses.")
    flags.DEFINE_enum("pairs", "auto", list(PAIR_MODES), "auto: find the people who interact "
                      "(pipeline.pairs) and label each pair with the interaction classifier; "
                      "none: label each person alone.")
    flags.DEFINE_string("interaction_classifier", "", "Two-person classifier: an export/ of "
                        "recognition.train or a compact folder (default: pretrained/interaction).")
    flags.DEFINE_integer("pair_min_common_frames", PairRule.min_common_frames,
                         "Frames in which two people must both be seen to form a pair.",
                         lower_bound=2)
    flags.DEFINE_float("pair_max_hip_distance", PairRule.max_hip_distance,
                       "Two people form a pair when their hips come within this many "
                       "hip-to-head lengths (pipeline.pairs).", lower_bound=0.0)
    flags.DEFINE_float("focal_px", 0.0, "The camera's focal length in pixels, to place a "
                       "pair's two people in depth (0: the image's larger side, about a "
                       "53-degree view; for an OpenPose folder, which does not state its "
                       "image size, the keypoints' extent).", lower_bound=0.0)
    flags.DEFINE_bool("overwrite", False, "Replace the outputs of an earlier run in --out_dir "
                      "made with other settings (without it such a folder is refused).")


def settings_from_flags() -> RunSettings:
    tracking = track_settings_from_flags()
    return RunSettings(video=tracking.video, openpose_dir=tracking.openpose_dir,
                       out_dir=tracking.out_dir, lifter=FLAGS.lifter,
                       lifter_kind=FLAGS.lifter_kind,
                       classifier=FLAGS.classifier, window=FLAGS.window,
                       front_end=tracking.front_end, openpose_fps=FLAGS.openpose_fps,
                       videos=tracking.overlay, rigid_bones=FLAGS.rigid_bones,
                       pairs=FLAGS.pairs, interaction_classifier=FLAGS.interaction_classifier,
                       pair_rule=PairRule(FLAGS.pair_min_common_frames,
                                          FLAGS.pair_max_hip_distance),
                       focal_px=FLAGS.focal_px)


def main(argv: list[str]) -> None:
    del argv
    settings = settings_from_flags()
    summary = exit_on_user_error(
        "pipeline.run", lambda: run(settings, overwrite=FLAGS.overwrite),
        also=(ModelFileError, NobodyFound, FileNotFoundError, LayoutMismatch))
    print(json.dumps(summary))


if __name__ == "__main__":
    define_flags()
    app.run(main)
