"""The one output of the 2D front-end: per person, per frame, H36M-16 pixels and confidences.

Whatever found the people (BlazePose, OpenPose JSON), each track becomes (T, 16, 2) pixels in
the lifter's H36M-16 order for all T frames of the video, with a per-joint confidence; frames
where the track's person was not seen are NaN with confidence 0. Within the frames a track
was seen, a joint whose confidence is below `min_confidence` is interpolated in time from the
nearest confident frames when the gap is at most `max_gap` frames, and flagged; a longer gap,
or one at the start or end (a person cut off by the frame's edge: legs out of view), keeps the
detector's own estimate with its low confidence, or NaN where the detector gave none. Nothing
is invented for frames where nobody was seen: they are listed in `empty_frames`.
"""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from common.atomic import write_text
from datasets.layouts import H36M_16, JointLayout, mapping_matrix, to_h36m16


@dataclasses.dataclass(frozen=True)
class PersonTrack:
    """One person through the video.

    Attributes:
      track_id: stable id of the person.
      keypoints: (T, 16, 2) float32 pixels, H36M-16; NaN where the person was not seen.
      confidence: (T, 16) float32 in [0, 1]; 0 where not seen or interpolated.
      interpolated: (T, 16) bool, joints filled from neighbouring frames.
    """

    track_id: int
    keypoints: np.ndarray
    confidence: np.ndarray
    interpolated: np.ndarray

    @property
    def seen(self) -> np.ndarray:
        """(T,) frames in which the person was found."""
        return ~np.isnan(self.keypoints).all(axis=(1, 2))


@dataclasses.dataclass(frozen=True)
class TrackedVideo:
    """Every track of one video or keypoint folder."""

    source: str
    num_frames: int
    image_size: tuple[int, int]  # (width, height) in pixels
    fps: float
    tracks: tuple[PersonTrack, ...]
    empty_frames: tuple[int, ...]
    layout: str = H36M_16.name


def joint_confidence(confidence: np.ndarray, layout: JointLayout) -> np.ndarray:
    """(..., J) source confidences -> (..., 16): each H36M-16 joint is as sure as the least
    sure source joint it is made from."""
    used = mapping_matrix(layout) != 0  # (16, J)
    return np.min(np.where(used, confidence[..., None, :], np.inf), axis=-1).astype(np.float32)


def fill_short_gaps(keypoints: np.ndarray, confidence: np.ndarray, seen: np.ndarray,
                    min_confidence: float, max_gap: int) -> np.ndarray:
    """Interpolates low-confidence joints over gaps of at most MAX_GAP frames, in place;
    returns the (T, 16) mask of what was filled (their confidence is set to 0)."""
    filled = np.zeros(confidence.shape, bool)
    frames = np.arange(len(keypoints))
    for joint in range(keypoints.shape[1]):
        good = seen & (confidence[:, joint] >= min_confidence) & np.isfinite(
            keypoints[:, joint]).all(-1)
        good_frames = frames[good]
        if len(good_frames) < 2:
            continue
        gaps = np.diff(good_frames)
        for start, length in zip(good_frames[:-1][gaps > 1], gaps[gaps > 1]):
            if length - 1 > max_gap:
                continue
            inside = np.arange(start + 1, start + length)
            inside = inside[seen[inside]]
            for axis in range(2):
                keypoints[inside, joint, axis] = np.interp(
                    inside, good_frames, keypoints[good_frames, joint, axis])
            filled[inside, joint] = True
    confidence[filled] = 0.0
    return filled


def make_track(track_id: int, points: np.ndarray, confidence: np.ndarray, layout: JointLayout,
               min_confidence: float, max_gap: int) -> PersonTrack:
    """A PersonTrack from (T, J, 2) source-layout points (NaN where unseen) and confidences."""
    keypoints = to_h36m16(points.astype(np.float32), layout)
    confidence16 = joint_confidence(np.nan_to_num(confidence), layout)
    seen = ~np.isnan(keypoints).all(axis=(1, 2))
    confidence16[~seen] = 0.0
    interpolated = fill_short_gaps(keypoints, confidence16, seen, min_confidence, max_gap)
    return PersonTrack(track_id, keypoints, confidence16, interpolated)


def to_json(video: TrackedVideo) -> dict:
    """keypoints_2d.json: per frame, per track, COCO-style [x, y, score] * 16 in H36M-16."""
    frames = []
    for index in range(video.num_frames):
        people = []
        for track in video.tracks:
            if not track.seen[index]:
                continue
            values = np.concatenate([np.nan_to_num(track.keypoints[index], nan=-1.0),
                                     track.confidence[index, :, None]], axis=1)
            people.append({"track_id": track.track_id,
                           "keypoints": [round(float(v), 2) for v in values.ravel()],
                           "interpolated": [int(j) for j in
                                            np.flatnonzero(track.interpolated[index])]})
        frames.append({"frame": index, "people": people})
    return {"source": video.source, "layout": video.layout, "joints": list(H36M_16.joints),
            "image_size": list(video.image_size), "fps": video.fps,
            "num_frames": video.num_frames, "empty_frames": list(video.empty_frames),
            "tracks": [t.track_id for t in video.tracks], "frames": frames}


def write_json(video: TrackedVideo, path: str | os.PathLike) -> None:
    write_text(path, json.dumps(to_json(video)) + "\n")
