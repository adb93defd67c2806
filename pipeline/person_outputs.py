"""The files a pipeline run writes for one tracked person (`track_<id>/`)."""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from common.atomic import atomic_path, write_text
from datasets import skeleton_drawing as drawing
from datasets.layouts import H36M_17
from pose2d import tracking
from pose2d.tracks import PersonTrack, TrackedVideo, to_json
from pose2d.video_writer import write_mp4
from recognition.deployed import DeployedClassifier

MIN_FRAMES = 2  # an action needs motion: fewer lifted frames get no label


@dataclasses.dataclass(frozen=True)
class PersonResult:
    """What the pipeline found for one track."""

    track: PersonTrack
    poses: np.ndarray          # (T, 17, 3) mm, NaN where not lifted
    lifted: np.ndarray         # (T,) bool
    action: dict               # action.json
    labels_per_frame: list[str]


def spmf_picture(poses: np.ndarray, classifier: DeployedClassifier) -> np.ndarray:
    """The unaugmented Enhanced-SPMF image of the lifted frames, enlarged."""
    return drawing.enlarged(classifier.encode(poses, "clip"))


def write_person(result: PersonResult, tracked: TrackedVideo, out_dir: str,
                 video: str | None, videos: bool, classifier: DeployedClassifier
                 ) -> dict[str, str]:
    """Every per-person file in OUT_DIR/track_<id>/ (skeleton_3d.mp4, drawn on VIDEO's
    frames, only with VIDEOS); returns {kind: path}."""
    folder = os.path.join(out_dir, f"track_{result.track.track_id}")
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
        for index, frame in enumerate(tracking.frames_to_draw_on(video, tracked)):
            label = result.labels_per_frame[index]
            yield drawing.beside(frame, drawing.skeleton_3d_image(
                result.poses[index], title=f"{title} {label}".strip()))

    if videos:
        write_mp4(paths["skeleton_3d.mp4"], side_by_side(), tracked.fps)
    else:
        del paths["skeleton_3d.mp4"]
    drawing.write_pose_strip(paths["skeleton_3d.png"], result.poses, result.lifted)
    if result.lifted.sum() >= MIN_FRAMES:
        drawing.write_png(paths["spmf.png"],
                          spmf_picture(result.poses[result.lifted], classifier))
    else:
        del paths["spmf.png"]
    return paths
