"""2D keypoints smoothed over time before lifting: the One-Euro filter (Casiez et al., CHI
2012), as MediaPipe smooths its landmarks.

A low-pass filter whose cutoff rises with speed: still joints lose their jitter (cutoff
`min_cutoff` Hz), fast ones keep up (cutoff grows by `beta` per unit of speed). Positions are
taken in units of the track's body scale (the median over frames of the joints' RMS distance
from the hip, in pixels), so one setting serves a 240-pixel clip and a 1080p one alike; a
joint's cutoff follows its 2D speed, so x and y are smoothed alike. Where a joint is not seen
(NaN) the filter restarts when it reappears: nothing is carried across a gap, nothing
invented.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from pose2d.tracks import PersonTrack, TrackedVideo

SMOOTHING = ("auto", "on", "off")  # auto: videos smoothed, OpenPose folders (already filtered
#                                    by the user's own pipeline, usually) left as they are


@dataclasses.dataclass(frozen=True)
class OneEuroSettings:
    """The filter's three parameters, in body scales and hertz."""

    min_cutoff: float = 1.0
    beta: float = 1.0
    d_cutoff: float = 1.0

    def __post_init__(self):
        if min(self.min_cutoff, self.d_cutoff) <= 0 or self.beta < 0:
            raise ValueError("the One-Euro cutoffs must be > 0 and beta >= 0")


def _alpha(cutoff: np.ndarray | float, period: float) -> np.ndarray:
    return 1.0 / (1.0 + 1.0 / (2 * np.pi * np.asarray(cutoff) * period))


def one_euro(points: np.ndarray, fps: float, settings: OneEuroSettings) -> np.ndarray:
    """(T, J, 2) positions (NaN where unseen) filtered over T at FPS frames a second."""
    period = 1.0 / (fps if fps and fps > 0 else 30.0)
    out = np.full_like(points, np.nan, dtype=np.float64)
    previous = np.full(points.shape[1:], np.nan)
    velocity = np.zeros(points.shape[1:])
    alpha_d = _alpha(settings.d_cutoff, period)
    for index, current in enumerate(points.astype(np.float64)):
        seen = np.isfinite(current).all(axis=-1)
        restart = seen & ~np.isfinite(previous).all(axis=-1)
        raw_velocity = np.where(seen[:, None] & ~restart[:, None],
                                (current - previous) / period, 0.0)
        velocity = np.where(restart[:, None], 0.0, alpha_d * raw_velocity
                            + (1 - alpha_d) * velocity)
        cutoff = settings.min_cutoff + settings.beta * np.linalg.norm(velocity, axis=-1)
        alpha = _alpha(cutoff, period)[:, None]
        filtered = np.where(restart[:, None], current, alpha * current + (1 - alpha) * previous)
        previous = np.where(seen[:, None], filtered, np.nan)
        out[index] = previous
    return out.astype(np.float32)


def body_scale(keypoints: np.ndarray) -> float:
    """The median over seen frames of the joints' RMS distance from the hip (pixels)."""
    offsets = keypoints - keypoints[:, :1]
    per_frame = np.sqrt(np.nanmean(np.sum(offsets ** 2, axis=-1), axis=-1))
    finite = per_frame[np.isfinite(per_frame) & (per_frame > 0)]
    return float(np.median(finite)) if len(finite) else 1.0


def smooth_track(track: PersonTrack, fps: float, settings: OneEuroSettings) -> PersonTrack:
    scale = body_scale(track.keypoints)
    smoothed = one_euro(track.keypoints / scale, fps, settings) * scale
    return dataclasses.replace(track, keypoints=smoothed.astype(np.float32))


def smooth_video(tracked: TrackedVideo, settings: OneEuroSettings) -> TrackedVideo:
    """Every track of TRACKED smoothed at its frame rate."""
    return dataclasses.replace(tracked, tracks=tuple(
        smooth_track(track, tracked.fps, settings) for track in tracked.tracks))
