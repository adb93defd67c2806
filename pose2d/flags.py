"""The 2D front-end's flags: the input (a video or an OpenPose folder), the output folder,
detection, tracking and cleaning; shared by `pose2d.track` and `pipeline.run`."""
from __future__ import annotations

from absl import app, flags

from pose2d.front_end import FrontEndSettings
from pose2d.smoothing import SMOOTHING, OneEuroSettings
from pose2d.tracker import TrackerSettings
from pose2d.tracking import TrackSettings

FLAGS = flags.FLAGS


def define_front_end_flags() -> None:
    flags.DEFINE_string("video", None, "Input video file.")
    flags.DEFINE_string("openpose_dir", None, "Input folder of OpenPose *_keypoints.json.")
    flags.DEFINE_string("out_dir", None, "Where the outputs go.")
    flags.DEFINE_enum("model", "full", ["lite", "full"], "BlazePose landmark model.")
    flags.DEFINE_string("pose_models_dir", None, "Folder of the BlazePose .tflite files.")
    flags.DEFINE_integer("max_people", 1, "The most people tracked at once.", lower_bound=1)
    flags.DEFINE_integer("redetect_every", 15, "Frames between detector runs while fewer than "
                         "--max_people are tracked.", lower_bound=1)
    flags.DEFINE_float("presence_threshold", 0.5, "Pose presence below which a track is lost.")
    flags.DEFINE_float("rejoin_reach", TrackerSettings.rejoin_reach, "How far (region sides) "
                       "a person may move while lost and still take their track back on the "
                       "colours of their torso.")
    flags.DEFINE_float("same_appearance", TrackerSettings.same_appearance, "Least torso colour "
                       "similarity (0-1) at which a person found again is a lost track's.")
    flags.DEFINE_float("min_confidence", 0.5, "Joints below it are interpolated over gaps.")
    flags.DEFINE_integer("max_gap", 10, "Longest gap (frames) that is interpolated.",
                         lower_bound=0)
    flags.DEFINE_enum("smooth_2d", "auto", list(SMOOTHING), "One-Euro smoothing of the 2D "
                      "keypoints over time (pose2d.smoothing); auto: videos yes, OpenPose "
                      "folders no.")
    flags.DEFINE_float("one_euro_min_cutoff", OneEuroSettings.min_cutoff, "Cutoff (Hz) of a "
                       "still joint: lower smooths more.")
    flags.DEFINE_float("one_euro_beta", OneEuroSettings.beta, "Cutoff growth per body scale "
                       "a second of speed: higher lags less.")
    flags.DEFINE_float("one_euro_d_cutoff", OneEuroSettings.d_cutoff, "Cutoff (Hz) of the "
                       "speed estimate.")
    flags.DEFINE_bool("overlay", True, "Write overlay.mp4.")
    flags.mark_flag_as_required("out_dir")
    flags.register_multi_flags_validator(
        ["video", "openpose_dir"], lambda f: bool(f["video"]) != bool(f["openpose_dir"]),
        "give exactly one of --video and --openpose_dir")


def track_settings_from_flags() -> TrackSettings:
    try:
        tracker = TrackerSettings(max_people=FLAGS.max_people,
                                  presence_threshold=FLAGS.presence_threshold,
                                  redetect_every=FLAGS.redetect_every,
                                  rejoin_reach=FLAGS.rejoin_reach,
                                  same_appearance=FLAGS.same_appearance)
        one_euro = OneEuroSettings(min_cutoff=FLAGS.one_euro_min_cutoff,
                                   beta=FLAGS.one_euro_beta, d_cutoff=FLAGS.one_euro_d_cutoff)
        front_end = FrontEndSettings(model=FLAGS.model, pose_models_dir=FLAGS.pose_models_dir,
                                     tracker=tracker, min_confidence=FLAGS.min_confidence,
                                     max_gap=FLAGS.max_gap, smoothing=FLAGS.smooth_2d,
                                     one_euro=one_euro)
    except ValueError as error:
        raise app.UsageError(str(error)) from None
    return TrackSettings(video=FLAGS.video, openpose_dir=FLAGS.openpose_dir,
                         out_dir=FLAGS.out_dir, front_end=front_end, overlay=FLAGS.overlay)
