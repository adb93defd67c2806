"""Which tracked people interact: the pairing rule of `pipeline.run`.

Two tracks form a pair when they are seen together for at least `min_common_frames` frames
and come near each other there: the distance between their hips in the image, in units of
their body size, falls to at most `max_hip_distance` (its 10th percentile over the common
frames, so one bad detection neither makes nor breaks a pair). The body size is the 2D
distance from hip to head, averaged over the two people and taken as the median over the
common frames: unlike the height, it survives legs cut off by the frame's edge, and unlike
pixels it does not depend on the resolution or on how far the pair stands from the camera.
On SBU Kinect Interaction's 282 sequences the people's closest approach is at most 1.6 such
units (shaking hands at arm's length); the default 3.0 leaves room for a longer reach and
still parts people who merely cross the same room. A person belongs to at most one pair: with
three or more people the closest pairs are taken first.
"""
from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from datasets.layouts import H36M_16

_HIP, _HEAD = H36M_16.index("Hip"), H36M_16.index("Head")


@dataclasses.dataclass(frozen=True)
class PairRule:
    """When two tracks interact.

    Attributes:
      min_common_frames: frames in which both must be seen.
      max_hip_distance: the closest the hips come (10th percentile over the common frames),
        in hip-to-head lengths, at most this.
    """

    min_common_frames: int = 8
    max_hip_distance: float = 3.0


@dataclasses.dataclass(frozen=True)
class Pair:
    """Two tracks that interact, the lower id first, and why they were paired."""

    track_ids: tuple[int, int]
    common_frames: np.ndarray      # (N,) frame indices where both are seen
    closest_hip_distance: float    # in hip-to-head lengths (the rule's statistic)

    @property
    def name(self) -> str:
        return f"pair_{self.track_ids[0]}_{self.track_ids[1]}"


def closest_hip_distance(keypoints_a: np.ndarray, keypoints_b: np.ndarray) -> float:
    """The rule's statistic for two (N, 16, 2) keypoint arrays of the same N frames; inf when
    no frame has both hips and heads."""
    sizes = [np.linalg.norm(k[:, _HEAD] - k[:, _HIP], axis=-1) for k in (keypoints_a,
                                                                           keypoints_b)]
    distance = np.linalg.norm(keypoints_a[:, _HIP] - keypoints_b[:, _HIP], axis=-1)
    known = np.isfinite(distance) & np.isfinite(sizes[0]) & np.isfinite(sizes[1])
    if not known.any():
        return float("inf")
    size = np.median((sizes[0][known] + sizes[1][known]) / 2)
    return float(np.percentile(distance[known], 10) / max(size, 1e-6))


def find_pairs(tracks, rule: PairRule = PairRule()) -> list[Pair]:
    """The pairs among TRACKS (`pose2d.tracks.PersonTrack`s), closest first; each track in
    at most one pair."""
    candidates = []
    for a, b in itertools.combinations(sorted(tracks, key=lambda t: t.track_id), 2):
        common = np.flatnonzero(a.seen & b.seen)
        if len(common) < rule.min_common_frames:
            continue
        closest = closest_hip_distance(a.keypoints[common], b.keypoints[common])
        if closest <= rule.max_hip_distance:
            candidates.append(Pair((a.track_id, b.track_id), common, closest))
    pairs, taken = [], set()
    for pair in sorted(candidates, key=lambda p: p.closest_hip_distance):
        if taken.isdisjoint(pair.track_ids):
            pairs.append(pair)
            taken.update(pair.track_ids)
    return pairs
