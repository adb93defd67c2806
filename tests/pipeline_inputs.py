"""Inputs for pipeline.run built from keypoints, and its outputs read back: OpenPose folders of
known people, and a track's 2D keypoints from keypoints_2d.json."""
import json

import numpy as np

from datasets import openpose
from datasets.layouts import H36M_16, H36M_17


def openpose_folder_of(folder, keypoints, hidden=()):
    """OpenPose BODY-25 files of the people of a (T, P, 16, 2) H36M-16 sequence, all but the
    first missing in the frames HIDDEN (behind the first)."""
    thorax, head = H36M_16.index("Thorax"), H36M_16.index("Head")
    neck = (keypoints[..., thorax, :] + keypoints[..., head, :]) / 2
    h36m17 = np.insert(keypoints, H36M_17.index("Neck/Nose"), neck, axis=-2)
    body25 = openpose.body25_from_h36m17(h36m17)
    openpose.write_folder(folder, [list(frame[:1] if t in hidden else frame)
                                   for t, frame in enumerate(body25)])
    return folder


def track_keypoints(out, track_id):
    stored = json.loads((out / "keypoints_2d.json").read_text())
    keypoints = np.full((stored["num_frames"], 16, 2), np.nan)
    for frame in stored["frames"]:
        for person in frame["people"]:
            if person["track_id"] == track_id:
                keypoints[frame["frame"]] = np.reshape(person["keypoints"], (16, 3))[:, :2]
    return keypoints, float(max(stored["image_size"]))
