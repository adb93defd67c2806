"""From a video (or an OpenPose folder) to 3D poses and an action, per tracked person.

The stages of the paper's unified framework: 2D keypoints (BlazePose on the frames, or the
OpenPose files) -> the two-stream lifter's deployable stream (camera-independent input) ->
Enhanced-SPMF -> the ENAS classifier. `run` writes what `pipeline.run` lists.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time

import numpy as np
from absl import logging

from common.atomic import write_text
from common.run_record import checked_record, write_record
from datasets.layouts import H36M_17
from lifting.deployed import DeployedLifter
from lifting.bone_lengths import rigid_bones
from lifting.metrics import limb_length_variation
from pipeline import report
from pipeline.person_outputs import MIN_FRAMES, PersonResult, write_person
from pose2d import overlay, tracking
from pose2d.front_end import FrontEndSettings
from pose2d.tracks import PersonTrack, TrackedVideo, to_json
from pose2d.video_writer import write_mp4
from recognition.deployed import DeployedClassifier


class NobodyFound(ValueError):
    """The input holds no person in any frame."""


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """One run of the pipeline.

    Attributes:
      video, openpose_dir: the input (exactly one).
      out_dir: where the outputs go.
      lifter: a lifter (model_dir, compact folder or SavedModel); "" = pretrained/lifter.
      classifier: a recognition.train export; "" = pretrained/classifier.
      window: frames per sliding window for per-window labels (0: none); windows advance by
        half their length.
      front_end: detection, tracking and cleaning of the 2D keypoints.
      openpose_fps: the frame rate of an OpenPose folder (the files do not say).
      videos: write overlay.mp4 and each person's skeleton_3d.mp4 (the slowest outputs).
      rigid_bones: give each person's bones one length, their median over the track
        (`lifting.bone_lengths`); the lifter alone lets them stretch from frame to frame.
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
    rigid_bones: bool = True


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
    tracked, summary = tracking.find_tracks(settings.video, settings.openpose_dir,
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
    if window > len(frames) >= MIN_FRAMES:
        action["window_note"] = (f"the window of {window} frames is longer than the "
                                 f"{len(frames)} lifted frames: one label for them all")
        logging.warning("track %d: %s", track.track_id, action["window_note"])
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


def process_person(track: PersonTrack, lifter: DeployedLifter, classifier: DeployedClassifier,
                   window: int, rigid: bool = True) -> PersonResult:
    """One person's lifted poses (with RIGID, bones of one length), action and limb-length
    variation (of the lifter's own poses, and of those kept)."""
    lifted_poses = lifter.lift(track.keypoints)
    poses = rigid_bones(lifted_poses) if rigid else lifted_poses
    lifted = np.isfinite(poses).all(axis=(1, 2))
    action, per_frame = recognise(track, poses, lifted, classifier, window)
    action["limb_length_cv"] = limb_length_variation(poses)
    action["limb_length_cv_of_the_lifter"] = limb_length_variation(lifted_poses)
    return PersonResult(track, poses, lifted, action, per_frame)


OUTPUTS = ("config.json", "keypoints_2d.json", "overlay.mp4", "report.html")


def check_out_dir(settings: RunSettings, overwrite: bool) -> dict:
    """The run record of SETTINGS for out_dir, refusing a folder that is a file, cannot be
    written, or holds a run made with other settings; OVERWRITE first removes that run's
    outputs. Written only once the input has given people (a failed input leaves no record
    that would refuse the corrected rerun)."""
    if overwrite and os.path.isdir(settings.out_dir):
        for name in os.listdir(settings.out_dir):
            path = os.path.join(settings.out_dir, name)
            if name.startswith("track_") and os.path.isdir(path):
                shutil.rmtree(path)
            elif name in OUTPUTS:
                os.remove(path)
    return checked_record(settings.out_dir, settings)


def run(settings: RunSettings,
        models: tuple[DeployedLifter, DeployedClassifier] | None = None,
        overwrite: bool = False) -> dict:
    """The whole pipeline; returns the summary printed as one JSON line. MODELS, when given,
    are used instead of loading the settings' (a caller running many inputs loads them once).
    The models and the output folder are checked before any frame is read."""
    began = time.perf_counter()
    lifter, classifier = models or load_models(settings)
    record = check_out_dir(settings, overwrite)
    tracked, speed = find_people(settings)
    write_record(settings.out_dir, record)
    write_text(os.path.join(settings.out_dir, "keypoints_2d.json"),
               json.dumps(to_json(tracked)) + "\n")
    models_began = time.perf_counter()
    results = [process_person(track, lifter, classifier, settings.window, settings.rigid_bones)
               for track in tracked.tracks]
    models_seconds = time.perf_counter() - models_began
    labels = {r.track.track_id: r.labels_per_frame for r in results}
    overlay_path = os.path.join(settings.out_dir, "overlay.mp4") if settings.videos else ""
    if settings.videos:
        write_mp4(overlay_path, (
            overlay.draw(frame, tracked, index, settings.front_end.min_confidence,
                         {track: per_frame[index] for track, per_frame in labels.items()})
            for index, frame in enumerate(tracking.frames_to_draw_on(settings.video, tracked))),
            tracked.fps)
    files = {r.track.track_id: write_person(
        r, tracked, settings.out_dir, settings.video, settings.videos, classifier) for r in results}
    report_path = report.write_html(settings, tracked, results, files, overlay_path)
    people = [{"track_id": r.track.track_id, "frames_lifted": int(r.lifted.sum()),
               "action": (r.action["top5"] or [{"label": None}])[0]["label"],
               "largest_limb_length_cv": max(r.action["limb_length_cv"].values(), default=None)}
              for r in results]
    return {"frames": tracked.num_frames, "people": people, **speed,
            "lift_and_classify_ms_per_frame": round(
                1000 * models_seconds / max(tracked.num_frames, 1), 2),
            "seconds": round(time.perf_counter() - began, 1), "report": report_path}
