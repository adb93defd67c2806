"""Windows of 2D tracks for the temporal lifter, and whole tracks lifted one at a time.

A track is the frames one camera saw of one take, in order (`LiftingExamples.track`). Each
track is padded at both ends by repeating its first and last frame (as a video's first frame
has no past), so every frame of it is the output frame of a full window. The padded tracks
sit end to end in one array; a training example is the position of its output frame there,
and a batch gathers its windows by index and normalises them in the graph: no Python per
example, and one copy of the keypoints however many windows overlap.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from common import input_pipeline
from common.epoch_order import EpochOrder
from lifting.data import INPUT_DIM, LiftingExamples, Normalization
from lifting.mirror import mirror_keypoints, mirror_pose
from lifting.temporal_model import TemporalConfig


@dataclasses.dataclass(frozen=True)
class TrackWindows:
    """Examples of the temporal lifter: the output frames of windows over padded tracks.

    Attributes:
      keypoints: (F, 16, 2) pixels of every track, each padded at both ends.
      principal_x: (F,) the camera's principal point x of each padded frame (for mirroring).
      scale: (F,) each padded frame's smoothed skeleton scale (`Normalization.track_scale`,
        over its track before padding), or None where each frame is its own scale.
      output_frame: (N,) position in `keypoints` of each example's output frame.
      pose_3d: (N, 16, 3) the target of each example, millimetres.
      frames_before, frames_after: the window around an output frame.
    """

    keypoints: np.ndarray
    principal_x: np.ndarray
    scale: np.ndarray | None
    output_frame: np.ndarray
    pose_3d: np.ndarray
    frames_before: int
    frames_after: int

    def __len__(self) -> int:
        return len(self.output_frame)


def pad_track(values: np.ndarray, before: int, after: int) -> np.ndarray:
    """VALUES (T, ...) with its first row repeated BEFORE times and its last AFTER times."""
    return np.concatenate([np.repeat(values[:1], before, 0), values,
                           np.repeat(values[-1:], after, 0)])


def track_windows(examples: LiftingExamples, config: TemporalConfig, norm: Normalization,
                  output_stride: int = 1) -> TrackWindows:
    """Every OUTPUT_STRIDE-th frame of each track of EXAMPLES (its detections) as the output
    frame of a window of CONFIG's receptive field, with the scales NORM divides them by."""
    before, after = config.frames_before, config.frames_after
    keypoints, principal_x, scale, output_frame, pose = [], [], [], [], []
    offset = 0
    for rows in examples.track_rows():
        keypoints.append(pad_track(examples.detected_2d[rows], before, after))
        if norm.scale_frames > 1:
            scale.append(pad_track(norm.track_scale(examples.detected_2d[rows]).numpy(),
                                   before, after))
        principal_x.append(np.full(len(keypoints[-1]), examples.principal_x[rows[0]],
                                   np.float32))
        chosen = np.arange(0, len(rows), output_stride)
        output_frame.append(offset + before + chosen)
        pose.append(examples.pose_3d[rows[chosen]])
        offset += len(keypoints[-1])
    return TrackWindows(np.concatenate(keypoints), np.concatenate(principal_x),
                        np.concatenate(scale) if scale else None,
                        np.concatenate(output_frame).astype(np.int64), np.concatenate(pose),
                        before, after)


def window_dataset(windows: TrackWindows, norm: Normalization, batch_size: int,
                   order: EpochOrder | None = None, flip: bool = False) -> tf.data.Dataset:
    """Batches of ((B, R, 32) normalised windows, (B, 1, 48) normalised targets): ORDER's
    batches for training, else the examples in order (the remainder kept).

    FLIP mirrors a random half of each batch (every frame of a window and its target).
    """
    if flip and order is None:
        raise ValueError("flip augmentation is for training batches: give an EpochOrder")
    keypoints = tf.constant(windows.keypoints)
    scale = None if windows.scale is None else tf.constant(windows.scale)
    principal_x = tf.constant(windows.principal_x)
    output_frame = tf.constant(windows.output_frame)
    pose = tf.constant(windows.pose_3d)
    offsets = tf.range(-windows.frames_before, windows.frames_after + 1, dtype=tf.int64)
    length = windows.frames_before + windows.frames_after + 1

    def normalised_batch(index, key=None):
        frames = tf.gather(output_frame, index)[:, None] + offsets           # (B, R)
        window = tf.gather(keypoints, frames)                                 # (B, R, 16, 2)
        target = tf.gather(pose, index)
        if flip:
            window, target = _mirror_half_windows(window, target,
                                                  tf.gather(principal_x, frames), key)
        window_scale = None if scale is None else tf.reshape(tf.gather(scale, frames), (-1,))
        inputs = tf.reshape(norm.normalise_2d(tf.reshape(window, (-1, 16, 2)), window_scale),
                            (-1, length, INPUT_DIM))
        return inputs, norm.normalise_3d(target)[:, None, :]

    batches = (order.index_dataset() if order is not None
               else tf.data.Dataset.range(len(windows)).batch(batch_size))
    return input_pipeline.prefetch_without_autotuner(
        batches.map(normalised_batch, num_parallel_calls=tf.data.AUTOTUNE))


def _mirror_half_windows(window: tf.Tensor, pose: tf.Tensor, principal_x: tf.Tensor,
                         seed) -> tuple[tf.Tensor, tf.Tensor]:
    """Mirrors a random half of a batch: every frame of a window with its target pose."""
    frames = tf.shape(window)[1]
    flipped = tf.random.stateless_uniform(tf.shape(pose)[:1], seed) < 0.5
    mirrored = tf.reshape(mirror_keypoints(tf.reshape(window, (-1, 16, 2)),
                                           tf.reshape(principal_x, (-1,))),
                          (-1, frames, 16, 2))
    return (tf.where(flipped[:, None, None, None], mirrored, window),
            tf.where(flipped[:, None, None], mirror_pose(pose), pose))


def lift_each_track(lift, examples: LiftingExamples) -> np.ndarray:
    """(N, 17, 3) millimetres: LIFT, a function of one track's (T, 16, 2) detections, applied
    to each track of EXAMPLES whole and in order."""
    poses = np.empty((len(examples), 17, 3), np.float32)
    for rows in examples.track_rows():
        poses[rows] = np.asarray(lift(examples.detected_2d[rows]))
    return poses
