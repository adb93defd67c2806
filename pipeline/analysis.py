"""From a video (or an OpenPose folder) to 3D poses and an action, per tracked person, and
an interaction per pair of people who come near each other.

The stages of the paper's unified framework: 2D keypoints (BlazePose on the frames, or the
OpenPose files) -> the two-stream lifter's deployable stream (camera-independent input) ->
Enhanced-SPMF -> the ENAS classifier; a pair's two lifted people placed together from their
2D -> the interaction classifier. `run` writes what `pipeline.run` lists.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from typing import Callable, NamedTuple

import numpy as np
from absl import logging

from common.atomic import write_text
from common.run_record import checked_record, write_record
from datasets.layouts import H36M_17
from lifting.deployed import DEFAULT_LIFTER_KIND, DeployedLifter
from lifting.bone_lengths import rigid_bones
from lifting.metrics import limb_length_variation
import pretrained
from pipeline import report
from pipeline.pair_outputs import PairResult, write_pair
from pipeline.pairs import Pair, PairRule, find_pairs
from pipeline.person_outputs import MIN_FRAMES, PersonResult, write_person
from pose2d import overlay, tracking
from pose2d.front_end import FrontEndSettings
from pose2d.tracks import PersonTrack, TrackedVideo, to_json
from pose2d.video_writer import write_mp4
from recognition.deployed import DeployedClassifier
from recognition.interaction import classify_placed, placed_pair


class NobodyFound(ValueError):
    """The input holds no person in any frame."""


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """One run of the pipeline.

    Attributes:
      video, openpose_dir: the input (exactly one).
      out_dir: where the outputs go.
      lifter: a lifter (model_dir, compact folder or SavedModel); "" = the shipped lifter
        of LIFTER_KIND.
      lifter_kind: frame (one frame at a time) or temporal (each track lifted with its
        neighbouring frames), the shipped lifter used when LIFTER is "".
      classifier: a recognition.train export; "" = pretrained/classifier.
      window: frames per sliding window for per-window labels (0: none); windows advance by
        half their length.
      front_end: detection, tracking and cleaning of the 2D keypoints.
      openpose_fps: the frame rate of an OpenPose folder (the files do not say).
      videos: write overlay.mp4 and each person's skeleton_3d.mp4 (the slowest outputs).
      rigid_bones: give each person's bones one length, their median over the track
        (`lifting.bone_lengths`); the lifter alone lets them stretch from frame to frame.
      pairs: "auto" finds the interacting pairs (`pipeline.pairs`) and labels each with the
        interaction classifier; "none" labels people alone.
      interaction_classifier: a two-person classifier export or compact folder;
        "" = pretrained/interaction.
      pair_rule: when two tracks form a pair.
      focal_px: the camera's focal length in pixels, to place a pair's people in depth; 0:
        nominal, the image's larger side (for an OpenPose folder, the keypoints' extent).
    """

    video: str | None
    openpose_dir: str | None
    out_dir: str
    lifter: str = ""
    lifter_kind: str = DEFAULT_LIFTER_KIND
    classifier: str = ""
    window: int = 0
    front_end: FrontEndSettings = FrontEndSettings()
    openpose_fps: float = 30.0
    videos: bool = True
    rigid_bones: bool = True
    pairs: str = "auto"
    interaction_classifier: str = ""
    pair_rule: PairRule = PairRule()
    focal_px: float = 0.0


PAIR_MODES = ("auto", "none")
PRETRAINED_INTERACTION = pretrained.path("interaction")


class Models(NamedTuple):
    """The run's models: the lifter, the one-person action classifier and, unless pairs are
    off, the interaction classifier, with the lifter it learnt from (the one in its own
    folder, else the shipped one of its kind) when that is not the run's: a classifier is fed
    the poses it was trained on."""

    lifter: DeployedLifter
    classifier: DeployedClassifier
    interaction: DeployedClassifier | None = None
    interaction_lifter: DeployedLifter | None = None


def load_models(settings: RunSettings) -> Models:
    """The models, checked to fit together before any frame is read."""
    lifter = DeployedLifter.load(settings.lifter or None, settings.lifter_kind)
    classifier = DeployedClassifier.load(settings.classifier or None)
    classifier.require_layout(H36M_17.name, f"the lifter {lifter.source}")
    interaction = interaction_lifter = None
    if settings.pairs != "none":
        interaction = DeployedClassifier.load(settings.interaction_classifier
                                              or PRETRAINED_INTERACTION)
        interaction.require_layout(H36M_17.name, f"the lifter {lifter.source}")
        interaction_lifter = pair_lifter(interaction, lifter)
    if lifter.input_normalization == "pixels":
        logging.warning("%s takes z-scored pixels of Human3.6M's cameras: on other videos its "
                        "poses are unreliable (train with --input_normalization=skeleton)",
                        lifter.source)
    return Models(lifter, classifier, interaction, interaction_lifter)


def pair_lifter(interaction: DeployedClassifier, lifter: DeployedLifter
                ) -> DeployedLifter | None:
    """The lifter INTERACTION learnt its poses from, when the run's LIFTER may not be it: the
    one in its own folder (always: another file of the same kind gives other poses), else the
    shipped lifter of its kind when LIFTER is of another; None when LIFTER serves."""
    if interaction.own_lifter:
        return DeployedLifter.load(interaction.own_lifter)
    if interaction.lifter_kind != lifter.kind:
        return DeployedLifter.load(None, interaction.lifter_kind)
    return None


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


def label_runs(frames: np.ndarray, num_frames: int, window: int,
               classify: Callable[[list[np.ndarray]], np.ndarray], top: Callable
               ) -> tuple[dict, list[str]]:
    """{top5, frames, windows} over FRAMES (the indices used, at least MIN_FRAMES) and the
    label to show on each of NUM_FRAMES frames. CLASSIFY maps runs of frame indices (all of
    FRAMES, then each window) to one probability row each, in one batch."""
    windows = _windows(frames, window)
    probabilities = classify([frames] + windows)
    labels = {"top5": top(probabilities[0]), "frames": [int(frames[0]), int(frames[-1])]}
    per_frame = [""] * num_frames
    for index in frames:
        per_frame[index] = labels["top5"][0]["label"]
    if windows:
        labels["windows"] = [{"frames": [int(w[0]), int(w[-1])], "top5": top(row)}
                             for w, row in zip(windows, probabilities[1:])]
        for entry in labels["windows"]:  # later windows label the frames they cover
            first, last = entry["frames"]
            for index in frames[(frames >= first) & (frames <= last)]:
                per_frame[index] = entry["top5"][0]["label"]
    return labels, per_frame


def _labelled(result: dict, frames: np.ndarray, num_frames: int, window: int,
              classify: Callable[[list[np.ndarray]], np.ndarray], top: Callable,
              who: str) -> tuple[dict, list[str]]:
    """RESULT (action.json or interaction.json) completed with its labels over FRAMES, or
    with a note saying why there are none."""
    if window > len(frames) >= MIN_FRAMES:
        result["window_note"] = (f"the window of {window} frames is longer than the "
                                 f"{len(frames)} frames classified: one label for them all")
        logging.warning("%s: %s", who, result["window_note"])
    if len(frames) < MIN_FRAMES:
        result.update(top5=[], frames=[], note=f"fewer than {MIN_FRAMES} frames were lifted")
        return result, [""] * num_frames
    labels, per_frame = label_runs(frames, num_frames, window, classify, top)
    result.update(labels)
    return result, per_frame


def _described_by(classifier: DeployedClassifier) -> dict:
    """What action.json and interaction.json say of the classifier that labelled them."""
    return {"label_set": classifier.description.get("dataset", ""),
            "protocol": classifier.description.get("protocol", ""),
            "classifier": classifier.source}


def recognise(track: PersonTrack, poses: np.ndarray, lifted: np.ndarray,
              classifier: DeployedClassifier, window: int) -> tuple[dict, list[str]]:
    """action.json of one person and the label to show on each frame."""
    frames = np.flatnonzero(lifted)
    action = {"track_id": track.track_id, **_described_by(classifier),
              "frames_lifted": int(len(frames))}
    name = f"track {track.track_id}"
    return _labelled(action, frames, len(lifted), window,
                     lambda runs: classifier.classify_many([poses[r] for r in runs], name),
                     classifier.top, name)


def process_person(track: PersonTrack, lifter: DeployedLifter, classifier: DeployedClassifier,
                   window: int, rigid: bool = True, fps: float | None = None) -> PersonResult:
    """One person's lifted poses (with RIGID, bones of one length), action and limb-length
    variation (of the lifter's own poses, and of those kept); FPS, the video's frame rate,
    for a temporal lifter."""
    lifted_poses = lifter.lift(track.keypoints, fps)
    poses = rigid_bones(lifted_poses) if rigid else lifted_poses
    lifted = np.isfinite(poses).all(axis=(1, 2))
    action, per_frame = recognise(track, poses, lifted, classifier, window)
    action["limb_length_cv"] = limb_length_variation(poses)
    action["limb_length_cv_of_the_lifter"] = limb_length_variation(lifted_poses)
    return PersonResult(track, poses, lifted, action, per_frame)


def process_pair(pair: Pair, people: dict[int, PersonResult], classifier: DeployedClassifier,
                 window: int, focal_px: float, lifted_by: str) -> PairResult:
    """One pair's poses (lifted by the lifter LIFTED_BY names) placed together from their 2D
    (`recognition.interaction`) and its interaction over the frames where both were lifted,
    and per window."""
    a, b = (people[track_id] for track_id in pair.track_ids)
    placed, used = placed_pair(np.stack([a.poses, b.poses], axis=1),
                               np.stack([a.track.keypoints, b.track.keypoints], axis=1),
                               focal_px)
    placed[~used] = np.nan
    frames = np.flatnonzero(used)
    interaction = {"track_ids": list(pair.track_ids), **_described_by(classifier),
                   "lifter": lifted_by,
                   "frames_both_seen": int(len(pair.common_frames)),
                   "frames_both_lifted": int(len(frames)),
                   "closest_hip_distance_in_body_sizes": round(pair.closest_hip_distance, 2),
                   "placement": f"weak perspective from the 2D, focal length {focal_px:.0f} "
                                "px (recognition.pair_placement)"}
    interaction, per_frame = _labelled(
        interaction, frames, len(used), window,
        lambda runs: classify_placed(classifier, [placed[r] for r in runs], pair.name),
        classifier.top, pair.name)
    return PairResult(pair, placed, used, interaction, per_frame)


OUTPUTS = ("config.json", "keypoints_2d.json", "overlay.mp4", "report.html")


def check_out_dir(settings: RunSettings, overwrite: bool) -> dict:
    """The run record of SETTINGS for out_dir, refusing a folder that is a file, cannot be
    written, or holds a run made with other settings; OVERWRITE first removes that run's
    outputs. Written only once the input has given people (a failed input leaves no record
    that would refuse the corrected rerun)."""
    if overwrite and os.path.isdir(settings.out_dir):
        for name in os.listdir(settings.out_dir):
            path = os.path.join(settings.out_dir, name)
            if name.startswith(("track_", "pair_")) and os.path.isdir(path):
                shutil.rmtree(path)
            elif name in OUTPUTS:
                os.remove(path)
    return checked_record(settings.out_dir, settings)


def find_interactions(settings: RunSettings, tracked: TrackedVideo, people: list[PersonResult],
                      models: Models) -> list[PairResult]:
    """Every pair of interacting people (`pipeline.pairs`), labelled; none when pairs are
    off. A pair's people are lifted again by the interaction classifier's own lifter when
    the run's is of another kind."""
    if settings.pairs == "none" or models.interaction is None:
        return []
    by_id = {person.track.track_id: person for person in people}
    pairs = find_pairs(tracked.tracks, settings.pair_rule)
    lifter = models.lifter
    if models.interaction_lifter is not None:
        lifter = models.interaction_lifter
        paired = {track_id for pair in pairs for track_id in pair.track_ids}
        by_id = {track_id: lifted_person(by_id[track_id].track, lifter, settings.rigid_bones,
                                         tracked.fps) for track_id in paired}
    focal_px = settings.focal_px or float(max(tracked.image_size))
    return [process_pair(pair, by_id, models.interaction, settings.window, focal_px,
                         lifter.source) for pair in pairs]


def lifted_person(track: PersonTrack, lifter: DeployedLifter, rigid: bool, fps: float | None
                  ) -> PersonResult:
    """TRACK's poses by LIFTER (with RIGID, bones of one length) and no action: what the pair
    path reads of a person, for a classifier that learnt from that lifter's poses."""
    poses = lifter.lift(track.keypoints, fps)
    poses = rigid_bones(poses) if rigid else poses
    return PersonResult(track, poses, np.isfinite(poses).all(axis=(1, 2)), {}, [])


def write_overlay(settings: RunSettings, tracked: TrackedVideo, people: list[PersonResult],
                  pairs: list[PairResult]) -> str:
    """overlay.mp4 (each person's skeleton and label, each pair's line and label); its path,
    or "" when videos are off."""
    if not settings.videos:
        return ""
    path = os.path.join(settings.out_dir, "overlay.mp4")
    labels = {r.track.track_id: r.labels_per_frame for r in people}
    write_mp4(path, (
        overlay.draw(frame, tracked, index, settings.front_end.min_confidence,
                     {track: per_frame[index] for track, per_frame in labels.items()},
                     [(*r.pair.track_ids, r.labels_per_frame[index]) for r in pairs])
        for index, frame in enumerate(tracking.frames_to_draw_on(settings.video, tracked))),
        tracked.fps)
    return path


def _top_label(result: dict) -> str | None:
    return (result["top5"] or [{"label": None}])[0]["label"]


def run(settings: RunSettings, models: Models | None = None, overwrite: bool = False) -> dict:
    """The whole pipeline; returns the summary printed as one JSON line. MODELS, when given,
    are used instead of loading the settings' (a caller running many inputs loads them once).
    The models and the output folder are checked before any frame is read."""
    began = time.perf_counter()
    models = models or load_models(settings)
    record = check_out_dir(settings, overwrite)
    tracked, speed = find_people(settings)
    write_record(settings.out_dir, record)
    write_text(os.path.join(settings.out_dir, "keypoints_2d.json"),
               json.dumps(to_json(tracked)) + "\n")
    models_began = time.perf_counter()
    results = [process_person(track, models.lifter, models.classifier, settings.window,
                              settings.rigid_bones, tracked.fps) for track in tracked.tracks]
    pairs_began = time.perf_counter()
    pairs = find_interactions(settings, tracked, results, models)
    ended = time.perf_counter()
    overlay_path = write_overlay(settings, tracked, results, pairs)
    files = {r.track.track_id: write_person(r, tracked, settings.out_dir, settings.video,
                                            settings.videos, models.classifier)
             for r in results}
    pair_files = {r.pair.name: write_pair(r, settings.out_dir, tracked.fps) for r in pairs}
    report_path = report.write_html(settings, tracked, results, files, overlay_path,
                                    pairs, pair_files)
    people = [{"track_id": r.track.track_id, "frames_lifted": int(r.lifted.sum()),
               "action": _top_label(r.action),
               "largest_limb_length_cv": max(r.action["limb_length_cv"].values(), default=None)}
              for r in results]
    interactions = [{"track_ids": list(r.pair.track_ids), "interaction": _top_label(
        r.interaction), "frames_both_lifted": r.interaction["frames_both_lifted"]}
                    for r in pairs]
    per_frame = 1000 / max(tracked.num_frames, 1)
    return {"frames": tracked.num_frames, "people": people, "pairs": interactions, **speed,
            "lift_and_classify_ms_per_frame": round(per_frame * (pairs_began - models_began), 2),
            "pairs_ms_per_frame": round(per_frame * (ended - pairs_began), 2),
            "seconds": round(time.perf_counter() - began, 1), "report": report_path}
