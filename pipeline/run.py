"""From a video (or an OpenPose folder) to 3D poses and an action, per tracked person.

    python -m pipeline.run --video=clip.mp4 --out_dir=runs/clip [--window=60 --model=lite]
    python -m pipeline.run --openpose_dir=json/ --out_dir=runs/clip

The stages of the paper's unified framework: 2D keypoints (BlazePose on the frames, or the
OpenPose files) -> the two-stream lifter's deployable stream (camera-independent input) ->
Enhanced-SPMF -> the ENAS classifier. The models default to the shipped `pretrained/`.
OUT_DIR receives:
  keypoints_2d.json    every track, per frame, H36M-16 pixels and confidences
  overlay.mp4          the video with each person's skeleton, track id and current action
  report.html          everything below, shown together
  config.json          the run's settings
  track_<id>/          per tracked person:
    keypoints_2d.json  that person's keypoints
    poses_3d.npz       poses (T, 17, 3) mm root-relative H36M-17 (NaN where not lifted),
                       lifted (T,) bool, joints, fps; plain arrays (allow_pickle=False)
    action.json        top-5 labels over the frames lifted, the label set, with
                       --window a label per sliding window, and each limb's length
                       variation (std / mean over the clip: anatomical plausibility)
    skeleton_3d.mp4    the 3D skeleton from a fixed viewpoint beside the frame
    skeleton_3d.png    a few of those frames, for a report viewer that cannot play mp4v
    spmf.png           the Enhanced-SPMF image the classifier saw (view 0, enlarged)
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import dataclasses
import json
import os
import time

import numpy as np
from absl import app, flags, logging

from common.run_record import exit_on_user_error, write_config
from datasets import skeleton_drawing as drawing
from datasets.atomic import atomic_path, write_text
from datasets.layouts import H36M_17
from lifting.deployed import DeployedLifter
from lifting.metrics import limb_length_variation
from pipeline import report
from pose2d import overlay
from pose2d import track as track_binary
from pose2d.front_end import FrontEndSettings
from pose2d.model_files import ModelFileError
from pose2d.tracks import PersonTrack, TrackedVideo, to_json
from spmf.deployed import DeployedClassifier, LayoutMismatch

FLAGS = flags.FLAGS
MIN_FRAMES = 2  # an action needs motion: fewer lifted frames get no label


class NobodyFound(ValueError):
    """The input holds no person in any frame."""


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """One run of the pipeline.

    Attributes:
      video, openpose_dir: the input (exactly one).
      out_dir: where the outputs go.
      lifter: a lifter (model_dir, compact folder or SavedModel); "" = pretrained/lifter.
      classifier: an enas.train export; "" = pretrained/classifier.
      window: frames per sliding window for per-window labels (0: none); windows advance by
        half their length.
      front_end: detection, tracking and cleaning of the 2D keypoints.
      openpose_fps: the frame rate of an OpenPose folder (the files do not say).
      videos: write overlay.mp4 and each person's skeleton_3d.mp4 (the slowest outputs).
    """

    video: str | None
    openpose_dir: str | None
    out_dir: str
    lifter: str = ""
    classifier: str = ""
    window: int = 0
    front_end: FrontEndSettings = FrontEndSettings()
    openpose_fps: float = 30.0
    videos: bool = True


@dataclasses.dataclass(frozen=True)
class PersonResult:
    """What the pipeline found for one track."""

    track: PersonTrack
    poses: np.ndarray          # (T, 17, 3) mm, NaN where not lifted
    lifted: np.ndarray         # (T,) bool
    action: dict               # action.json
    labels_per_frame: list[str]


def load_models(settings: RunSettings) -> tuple[DeployedLifter, DeployedClassifier]:
    """Both models, checked to fit together before any frame is read."""
    lifter = DeployedLifter.load(settings.lifter or None)
    classifier = DeployedClassifier.load(settings.classifier or None)
    classifier.require_layout(H36M_17.name, f"the lifter {lifter.source}")
    if lifter.input_normalization == "pixels":
        logging.warning("%s takes z-scored pixels of Human3.6M's cameras: on other videos its "
                        "poses are unreliable (train with --input_normalization=skeleton)",
                        lifter.source)
    return lifter, classifier


def find_people(settings: RunSettings) -> tuple[TrackedVideo, dict]:
    """The 2D tracks of the input, with the front-end's speed; NobodyFound when empty."""
    tracked, summary = track_binary.find_tracks(settings.video, settings.openpose_dir,
                                                settings.front_end, settings.openpose_fps)
    speed = ({"front_end_frames_per_s": summary["frames_per_s"],
              "detector_runs": summary["detector_runs"]} if summary else {})
    if not tracked.tracks:
        raise NobodyFound(f"{tracked.source}: nobody was found in any of its "
                          f"{tracked.num_frames} frames")
    return tracked, speed


def _windows(lifted_frames: np.ndarray, window: int) -> list[np.ndarray]:
    """Runs of WINDOW lifted frames advancing by half a window (the last one ending at the
    end), or none when there are fewer frames than a window."""
    if not window or len(lifted_frames) < window:
        return []
    step = max(1, window // 2)
    starts = list(range(0, len(lifted_frames) - window + 1, step))
    if starts[-1] != len(lifted_frames) - window:
        starts.append(len(lifted_frames) - window)
    return [lifted_frames[start:start + window] for start in starts]


def recognise(track: PersonTrack, poses: np.ndarray, lifted: np.ndarray,
              classifier: DeployedClassifier, window: int) -> tuple[dict, list[str]]:
    """action.json of one person and the label to show on each frame."""
    frames = np.flatnonzero(lifted)
    action = {"track_id": track.track_id, "label_set": classifier.description.get("dataset", ""),
              "protocol": classifier.description.get("protocol", ""),
              "classifier": classifier.source, "frames_lifted": int(len(frames))}
    per_frame = [""] * len(lifted)
    if len(frames) < MIN_FRAMES:
        action.update(top5=[], frames=[], note=f"fewer than {MIN_FRAMES} frames were lifted")
        return action, per_frame
    windows = _windows(frames, window)
    probabilities = classifier.classify_many([poses[frames]] + [poses[w] for w in windows],
                                             f"track {track.track_id}")
    action.update(top5=classifier.top(probabilities[0]),
                  frames=[int(frames[0]), int(frames[-1])])
    for index in frames:
        per_frame[index] = action["top5"][0]["label"]
    if windows:
        action["windows"] = [{"frames": [int(w[0]), int(w[-1])],
                              "top5": classifier.top(row)}
                             for w, row in zip(windows, probabilities[1:])]
        for entry in action["windows"]:  # later windows label the frames they cover
            first, last = entry["frames"]
            for index in frames[(frames >= first) & (frames <= last)]:
                per_frame[index] = entry["top5"][0]["label"]
    return action, per_frame


def spmf_picture(poses: np.ndarray, classifier: DeployedClassifier) -> np.ndarray:
    """The unaugmented Enhanced-SPMF image of the lifted frames, enlarged."""
    return drawing.enlarged(classifier.encode(poses, "clip"))


def process_person(track: PersonTrack, tracked: TrackedVideo, lifter: DeployedLifter,
                   classifier: DeployedClassifier, window: int) -> PersonResult:
    poses = lifter.lift(track.keypoints)
    lifted = np.isfinite(poses).all(axis=(1, 2))
    action, per_frame = recognise(track, poses, lifted, classifier, window)
    action["limb_length_cv"] = limb_length_variation(poses)
    return PersonResult(track, poses, lifted, action, per_frame)


def write_person(result: PersonResult, tracked: TrackedVideo, settings: RunSettings,
                 classifier: DeployedClassifier) -> dict[str, str]:
    """Every per-person file; returns {kind: path}."""
    folder = os.path.join(settings.out_dir, f"track_{result.track.track_id}")
    os.makedirs(folder, exist_ok=True)
    paths = {name: os.path.join(folder, name) for name in (
        "keypoints_2d.json", "poses_3d.npz", "action.json", "skeleton_3d.mp4",
        "skeleton_3d.png", "spmf.png")}
    alone = dataclasses.replace(tracked, tracks=(result.track,))
    write_text(paths["keypoints_2d.json"], json.dumps(to_json(alone)) + "\n")
    with atomic_path(paths["poses_3d.npz"]) as temporary:
        with open(temporary, "wb") as handle:
            np.savez(handle, poses=result.poses, lifted=result.lifted,
                     joints=np.array(H36M_17.joints), fps=np.float32(tracked.fps))
    write_text(paths["action.json"], json.dumps(result.action, indent=1) + "\n")
    title = f"#{result.track.track_id}"

    def side_by_side():
        for index, frame in enumerate(track_binary.frames_to_draw_on(settings.video, tracked)):
            label = result.labels_per_frame[index]
            yield drawing.beside(frame, drawing.skeleton_3d_image(
                result.poses[index], title=f"{title} {label}".strip()))

    if settings.videos:
        overlay.write_mp4(paths["skeleton_3d.mp4"], side_by_side(), tracked.fps)
    else:
        del paths["skeleton_3d.mp4"]
    shown = np.flatnonzero(result.lifted)
    picks = shown[np.linspace(0, len(shown) - 1, min(4, len(shown))).astype(int)] if len(
        shown) else []
    strip = [drawing.skeleton_3d_image(result.poses[i], 320, f"frame {i}") for i in picks]
    drawing.write_png(paths["skeleton_3d.png"], np.concatenate(strip, axis=1) if strip
                      else drawing.skeleton_3d_image(np.full((17, 3), np.nan), 320))
    if result.lifted.sum() >= MIN_FRAMES:
        drawing.write_png(paths["spmf.png"],
                          spmf_picture(result.poses[result.lifted], classifier))
    else:
        del paths["spmf.png"]
    return paths


def run(settings: RunSettings,
        models: tuple[DeployedLifter, DeployedClassifier] | None = None) -> dict:
    """The whole pipeline; returns the summary printed as one JSON line. MODELS, when given,
    are used instead of loading the settings' (a caller running many inputs loads them once)."""
    began = time.perf_counter()
    lifter, classifier = models or load_models(settings)
    tracked, speed = find_people(settings)
    os.makedirs(settings.out_dir, exist_ok=True)
    write_config(settings.out_dir, settings)
    write_text(os.path.join(settings.out_dir, "keypoints_2d.json"),
               json.dumps(to_json(tracked)) + "\n")
    models_began = time.perf_counter()
    results = [process_person(track, tracked, lifter, classifier, settings.window)
               for track in tracked.tracks]
    models_seconds = time.perf_counter() - models_began
    labels = {r.track.track_id: r.labels_per_frame for r in results}
    overlay_path = os.path.join(settings.out_dir, "overlay.mp4") if settings.videos else ""
    if settings.videos:
        overlay.write_mp4(overlay_path, (
            overlay.draw(frame, tracked, index, settings.front_end.min_confidence,
                         {track: per_frame[index] for track, per_frame in labels.items()})
            for index, frame in enumerate(track_binary.frames_to_draw_on(settings.video, tracked))), tracked.fps)
    files = {r.track.track_id: write_person(r, tracked, settings, classifier) for r in results}
    report_path = report.write_html(settings, tracked, results, files, overlay_path)
    people = [{"track_id": r.track.track_id, "frames_lifted": int(r.lifted.sum()),
               "action": (r.action["top5"] or [{"label": None}])[0]["label"],
               "largest_limb_length_cv": max(r.action["limb_length_cv"].values(), default=None)}
              for r in results]
    return {"frames": tracked.num_frames, "people": people, **speed,
            "lift_and_classify_ms_per_frame": round(
                1000 * models_seconds / max(tracked.num_frames, 1), 2),
            "seconds": round(time.perf_counter() - began, 1), "report": report_path}


def define_flags() -> None:
    track_binary.define_flags()  # the input, the 2D front-end's flags and --overlay (videos)
    flags.DEFINE_string("lifter", "", "Lifter: a lifting.train model_dir, a compact folder or "
                        "a SavedModel (default: pretrained/lifter).")
    flags.DEFINE_string("classifier", "", "Action classifier: an export/ of enas.train "
                        "(default: pretrained/classifier).")
    flags.DEFINE_integer("window", 0, "Frames per sliding window for a label per window "
                         "(0: one label for the clip).", lower_bound=0)
    flags.DEFINE_float("openpose_fps", 30.0, "Frame rate of an --openpose_dir input.")


def settings_from_flags() -> RunSettings:
    tracking = track_binary.settings_from_flags()
    return RunSettings(video=tracking.video, openpose_dir=tracking.openpose_dir,
                       out_dir=tracking.out_dir, lifter=FLAGS.lifter,
                       classifier=FLAGS.classifier, window=FLAGS.window,
                       front_end=tracking.front_end, openpose_fps=FLAGS.openpose_fps,
                       videos=tracking.overlay)


def main(argv: list[str]) -> None:
    del argv
    settings = settings_from_flags()
    summary = exit_on_user_error("pipeline.run", lambda: run(settings), also=(
        ModelFileError, NobodyFound, FileNotFoundError, LayoutMismatch))
    print(json.dumps(summary))


if __name__ == "__main__":
    define_flags()
    app.run(main)
