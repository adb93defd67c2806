"""Training examples for the lifter: (GT 2D, detected 2D) -> root-relative camera-frame 3D.

Everything per-example is computed once in vectorised numpy (projection, camera transform);
the tf.data pipeline then only shuffles indices, gathers whole batches and normalises them, so
no Python runs per example and the input pipeline keeps up with the model on any device.
"""
from __future__ import annotations

import dataclasses
import json
import os
from typing import Iterable

import numpy as np
import tensorflow as tf

from common import input_pipeline
from common.epoch_order import EpochOrder
from datasets import h36m, synthetic
from common.atomic import write_text
from common.errors import DataFormatError, read_json
from common.run_record import SettingConflict
from datasets.corpus import PoseCorpus
from datasets.geometry import project_camera_points, root_relative, world_to_camera
from datasets.layouts import h36m17_to_16
from lifting.mirror import mirror_keypoints, mirror_pose

NUM_INPUT_JOINTS = 16   # H36M-16
NUM_OUTPUT_JOINTS = 16  # H36M-17 without the root
INPUT_DIM = NUM_INPUT_JOINTS * 2
OUTPUT_DIM = NUM_OUTPUT_JOINTS * 3
STREAM_INPUTS = {"gt": "gt_2d", "detected": "detected_2d"}
# How 2D keypoints are made into the network's input before the z-score:
#   pixels    as they are: the model knows the training cameras' image size, principal point
#             and the subjects' distance (Martinez; the paper)
#   skeleton  per frame, minus the Hip and divided by the root-mean-square distance of the
#             16 joints from it: independent of image size, principal point and the person's
#             position and size in the image (BUILD_NOTES.md, "The unified framework"); for a
#             track, that distance may be the median over `scale_frames` frames around each
#             frame (`Normalization.normalise_track`)
INPUT_NORMALIZATIONS = ("pixels", "skeleton")
_HIP = 0  # H36M-16


@dataclasses.dataclass(frozen=True)
class LiftingExamples:
    """Aligned examples, one row per (take, camera, frame).

    Attributes:
      gt_2d, detected_2d: (N, 16, 2) pixels, H36M-16.
      pose_3d: (N, 16, 3) millimetres, camera frame, relative to the Hip (root excluded).
      principal_x: (N,) the camera's principal point's x, pixels: the axis a mirror image
        of the frame is taken about.
      action: (N,) action name index into `actions`.
      actions: the action names.
      track: (N,) index of the example's (take, camera): the frames one camera saw in a row,
        a track whose bones keep their length (None where unknown).
    """

    gt_2d: np.ndarray
    detected_2d: np.ndarray
    pose_3d: np.ndarray
    principal_x: np.ndarray
    action: np.ndarray
    actions: tuple[str, ...]
    track: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.pose_3d.shape[0])

    def keypoints_2d(self, kind: str) -> np.ndarray:
        """The (N, 16, 2) keypoints of KIND: "gt" (projected) or "detected"."""
        return {"gt": self.gt_2d, "detected": self.detected_2d}[kind]

    def track_rows(self) -> list[np.ndarray]:
        """The example rows of each track, in order (a track's frames are consecutive rows)."""
        if self.track is None:
            raise ValueError("these examples have no track index: the temporal lifter needs "
                             "the frames of each (take, camera) in order")
        starts = np.flatnonzero(np.diff(self.track, prepend=-1))
        return np.split(np.arange(len(self)), starts[1:])

    def mirrored(self) -> "LiftingExamples":
        """The same frames seen in a mirror (`lifting.mirror`): for flip test-time averaging."""
        return dataclasses.replace(
            self, gt_2d=mirror_keypoints(self.gt_2d, self.principal_x).numpy(),
            detected_2d=mirror_keypoints(self.detected_2d, self.principal_x).numpy(),
            pose_3d=mirror_pose(self.pose_3d).numpy())


def build_examples(corpus: PoseCorpus, subjects: Iterable[str], frame_stride: int = 1
                   ) -> LiftingExamples:
    """Projects every take of SUBJECTS through each camera that has detections."""
    subjects = set(subjects)
    actions = corpus.actions
    parts: dict[str, list[np.ndarray]] = {"gt": [], "det": [], "pose": [], "cx": [],
                                          "action": [], "track": []}
    for (take, camera_name), detections in sorted(corpus.detections_2d.items(),
                                                   key=lambda item: item[0]):
        if take.subject not in subjects:
            continue
        camera = corpus.camera(take.subject, camera_name)
        world = corpus.poses_3d[take][::frame_stride].astype(np.float64)
        in_camera = world_to_camera(world, camera)
        parts["gt"].append(h36m17_to_16(project_camera_points(in_camera, camera)))
        parts["det"].append(detections[::frame_stride])
        parts["pose"].append(root_relative(in_camera)[:, 1:])
        parts["cx"].append(np.full(len(world), camera.center[0], np.float32))
        parts["action"].append(np.full(len(world), actions.index(take.action), np.int32))
        parts["track"].append(np.full(len(world), len(parts["track"]), np.int32))
    if not parts["pose"]:
        raise ValueError(f"no (take, camera) with detections for subjects {sorted(subjects)}")
    return LiftingExamples(
        gt_2d=np.concatenate(parts["gt"]).astype(np.float32),
        detected_2d=np.concatenate(parts["det"]).astype(np.float32),
        pose_3d=np.concatenate(parts["pose"]).astype(np.float32),
        principal_x=np.concatenate(parts["cx"]),
        action=np.concatenate(parts["action"]), actions=actions,
        track=np.concatenate(parts["track"]))


@dataclasses.dataclass(frozen=True)
class Normalization:
    """Per-coordinate z-score statistics of the training set, stored with every model.

    One set of 2D statistics serves both streams (GT and detected keypoints are pixels of the
    same images), computed over both so neither stream is off-centre.
    """

    mean_2d: np.ndarray
    std_2d: np.ndarray
    mean_3d: np.ndarray
    std_3d: np.ndarray
    input_normalization: str = "pixels"
    scale_frames: int = 1
    scale_causal: bool = False

    def __post_init__(self):
        if self.input_normalization not in INPUT_NORMALIZATIONS:
            raise ValueError(f"unknown input normalization {self.input_normalization!r}; "
                             f"choose from {INPUT_NORMALIZATIONS}")
        if self.scale_frames < 1 or self.scale_frames % 2 == 0:
            raise ValueError(f"scale_frames must be odd and positive, got {self.scale_frames}")
        if self.scale_frames > 1 and self.input_normalization != "skeleton":
            raise ValueError("scale_frames smooths the skeleton's scale: it needs "
                             "input_normalization='skeleton'")

    @classmethod
    def identity(cls) -> "Normalization":
        """Statistics that leave values unchanged: for benchmarks and tests of the network."""
        return cls(np.zeros(INPUT_DIM, np.float32), np.ones(INPUT_DIM, np.float32),
                   np.zeros(OUTPUT_DIM, np.float32), np.ones(OUTPUT_DIM, np.float32))

    @classmethod
    def fit(cls, examples: LiftingExamples, input_normalization: str = "pixels",
            scale_frames: int = 1, scale_causal: bool = False) -> "Normalization":
        """Per-coordinate statistics of EXAMPLES' keypoints (both kinds) as the model will see
        them, and of their poses."""
        inputs = np.concatenate([
            _transformed_inputs(examples.keypoints_2d(kind), examples, input_normalization,
                                scale_frames, scale_causal)
            for kind in ("gt", "detected")]).reshape(-1, INPUT_DIM)
        targets = examples.pose_3d.reshape(-1, OUTPUT_DIM)
        for name, values in (("2D keypoints", inputs), ("3D poses", targets)):
            if not np.isfinite(values).all():
                raise ValueError(f"the training {name} hold NaN or infinite values: the "
                                 "statistics (and every model trained on them) would be NaN")
        return cls(inputs.mean(0), np.maximum(inputs.std(0), 1e-6),
                   targets.mean(0), np.maximum(targets.std(0), 1e-6), input_normalization,
                   scale_frames, scale_causal)

    # The methods take numpy arrays or tensors and return float32 tensors, so the tf.data
    # pipeline, evaluation and the exported serving graph all apply this one formula.

    def normalise_2d(self, keypoints: tf.Tensor, scale: tf.Tensor | None = None) -> tf.Tensor:
        """(B, 16, 2) pixels -> (B, 32) z-scores (of the skeleton-normalised keypoints if the
        model was trained so, each divided by its (B,) SCALE if given, else by its own)."""
        if scale is None:
            transformed = _INPUT_TRANSFORMS[self.input_normalization](keypoints)
        else:
            transformed = skeleton_normalised(keypoints, scale)
        return _z_scores(transformed, self.mean_2d, self.std_2d)

    def track_scale(self, keypoints: tf.Tensor) -> tf.Tensor:
        """(T, 16, 2) pixels of one track in frame order -> (T,) `track_scale` over this
        model's `scale_frames`."""
        return track_scale(keypoints, self.scale_frames, self.scale_causal)

    def normalise_track(self, keypoints: tf.Tensor) -> tf.Tensor:
        """(T, 16, 2) pixels of one track in frame order -> (T, 32) z-scores."""
        if self.input_normalization != "skeleton":
            return self.normalise_2d(keypoints)
        return self.normalise_2d(keypoints, self.track_scale(keypoints))

    def normalise_3d(self, pose: tf.Tensor) -> tf.Tensor:
        """(B, 16, 3) millimetres -> (B, 48) z-scores."""
        return _z_scores(pose, self.mean_3d, self.std_3d)

    def denormalise_3d(self, z_scores: tf.Tensor) -> tf.Tensor:
        """(B, 48) z-scores -> (B, 16, 3) millimetres: the inverse of `normalise_3d`."""
        pose = tf.cast(z_scores, tf.float32) * _float32(self.std_3d) + _float32(self.mean_3d)
        return tf.reshape(pose, (-1, NUM_OUTPUT_JOINTS, 3))

    def save(self, path: str | os.PathLike) -> None:
        fields = {k: np.asarray(getattr(self, k), np.float64).tolist() for k in _STATISTICS}
        write_text(path, json.dumps({**fields, "input_normalization": self.input_normalization,
                                     "scale_frames": self.scale_frames,
                                     "scale_causal": self.scale_causal}))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Normalization":
        """The statistics in PATH (a file written before the scale could be smoothed has a
        scale of one frame)."""
        fields = read_json(path)
        if not isinstance(fields, dict) or "input_normalization" not in fields:
            raise DataFormatError(path, "no input_normalization: not a norm.json of lifting.train")
        missing = [name for name in _STATISTICS if name not in fields]
        if missing:
            raise DataFormatError(path, f"no {', '.join(missing)}: not a norm.json of "
                                        "lifting.train")
        try:
            return cls(*(np.asarray(fields[name], np.float32) for name in _STATISTICS),
                       input_normalization=fields["input_normalization"],
                       scale_frames=int(fields.get("scale_frames", 1)),
                       scale_causal=bool(fields.get("scale_causal", False)))
        except ValueError as error:
            raise DataFormatError(path, str(error)) from None


_STATISTICS = ("mean_2d", "std_2d", "mean_3d", "std_3d")


def skeleton_scale(keypoints) -> tf.Tensor:
    """(B, 16, 2) pixels -> (B,) the root-mean-square distance of the joints from the Hip.

    The RMS over all 16 joints rather than one bone: a single segment foreshortens to nothing
    when it points at the camera (a torso bent forward), the mean over the body does not.
    """
    keypoints = tf.cast(keypoints, tf.float32)
    centred = keypoints - keypoints[:, _HIP:_HIP + 1]
    return tf.sqrt(tf.reduce_mean(tf.reduce_sum(tf.square(centred), -1), -1))


def skeleton_normalised(keypoints, scale=None) -> tf.Tensor:
    """(B, 16, 2) pixels -> the same joints minus the Hip, over SCALE (B,), by default each
    frame's own `skeleton_scale`. A frame of scale 0 (its joints all coincide: nothing to
    scale) stays at zero instead of dividing by 0."""
    keypoints = tf.cast(keypoints, tf.float32)
    centred = keypoints - keypoints[:, _HIP:_HIP + 1]
    scale = skeleton_scale(keypoints) if scale is None else tf.cast(scale, tf.float32)
    return tf.math.divide_no_nan(centred, scale[:, None, None])


def track_scale(keypoints, frames: int, causal: bool = False) -> tf.Tensor:
    """(T, 16, 2) pixels of one track in frame order -> (T,) the median `skeleton_scale` over
    the FRAMES around each frame (those before it if CAUSAL).

    Why: a frame's own scale grows when an arm reaches out, so dividing by it shrinks the
    torso in the input; over a window of frames the median follows only the person's
    distance to the camera, and every bone keeps its relative length.
    """
    return rolling_median(skeleton_scale(keypoints), frames, causal)


def _transformed_inputs(keypoints: np.ndarray, examples: LiftingExamples,
                        input_normalization: str, scale_frames: int,
                        scale_causal: bool) -> np.ndarray:
    """KEYPOINTS (rows of EXAMPLES) as INPUT_NORMALIZATION makes them before the z-score:
    track by track if the skeleton's scale is smoothed over frames, else all at once."""
    if scale_frames == 1:
        return np.asarray(_INPUT_TRANSFORMS[input_normalization](keypoints))
    return np.concatenate([
        skeleton_normalised(keypoints[rows],
                            track_scale(keypoints[rows], scale_frames, scale_causal)).numpy()
        for rows in examples.track_rows()])


def rolling_median(values, frames: int, causal: bool = False) -> tf.Tensor:
    """(T,) -> (T,) the median of VALUES over FRAMES (odd) around each position, or over the
    FRAMES ending at it if CAUSAL; a window that runs past either end repeats the end value,
    as the temporal lifter pads a track."""
    values = tf.cast(values, tf.float32)
    if frames == 1:
        return values
    first = -(frames - 1) if causal else -(frames // 2)
    offsets = tf.range(first, first + frames)
    last = tf.shape(values)[0] - 1
    positions = tf.clip_by_value(tf.range(last + 1)[:, None] + offsets[None], 0, last)
    return tf.sort(tf.gather(values, positions), axis=1)[:, frames // 2]


_INPUT_TRANSFORMS = {"pixels": lambda keypoints: tf.cast(keypoints, tf.float32),
                     "skeleton": skeleton_normalised}


def _float32(values: np.ndarray) -> tf.Tensor:
    return tf.constant(values, tf.float32)


def _z_scores(values: tf.Tensor, mean: np.ndarray, std: np.ndarray) -> tf.Tensor:
    """VALUES flattened to one row per example, minus MEAN, over STD (both per coordinate)."""
    rows = tf.reshape(tf.cast(values, tf.float32), (-1, mean.shape[0]))
    return (rows - _float32(mean)) / _float32(std)


def model_inputs(examples: LiftingExamples, norm: Normalization, streams: Iterable[str],
                 feed: dict[str, str] | None = None) -> dict[str, tf.Tensor]:
    """Normalised model inputs by input name.

    `feed` says which keypoints each stream receives ("gt" or "detected"); by default each
    stream gets its own kind (training). At test time both streams get detections.
    """
    feed = feed or {stream: stream for stream in streams}
    return {STREAM_INPUTS[s]: norm.normalise_2d(examples.keypoints_2d(feed[s])) for s in streams}


def make_dataset(examples: LiftingExamples, norm: Normalization, streams: Iterable[str],
                 batch_size: int, order: EpochOrder | None = None,
                 flip: bool = False) -> tf.data.Dataset:
    """Batches of ({input name: (B, 32)}, (B, 48)): in ORDER's batches for training, else
    in the examples' order (the remainder kept).

    The raw arrays live in the graph once; each step gathers one batch by index and normalises
    it, which is far cheaper than slicing, shuffling and batching millions of single examples.
    FLIP (training only) mirrors each example with probability 1/2 (`lifting.mirror`), drawn
    from the batch's key, so anew every epoch and again the same in a resumed run.
    """
    if flip and order is None:
        raise ValueError("flip augmentation is for training batches: give an EpochOrder")
    streams = tuple(streams)
    keypoints = {STREAM_INPUTS[s]: tf.constant(examples.keypoints_2d(s)) for s in streams}
    pose = tf.constant(examples.pose_3d)
    principal_x = tf.constant(examples.principal_x)

    def normalised_batch(index, key=None):
        batch_keypoints = {name: tf.gather(value, index) for name, value in keypoints.items()}
        batch_pose = tf.gather(pose, index)
        if flip:
            batch_keypoints, batch_pose = _mirror_half(
                batch_keypoints, batch_pose, tf.gather(principal_x, index), key)
        return ({name: norm.normalise_2d(value) for name, value in batch_keypoints.items()},
                norm.normalise_3d(batch_pose))

    batches = (order.index_dataset() if order is not None
               else tf.data.Dataset.range(len(examples)).batch(batch_size))
    return input_pipeline.prefetch_without_autotuner(
        batches.map(normalised_batch, num_parallel_calls=tf.data.AUTOTUNE))


def _mirror_half(keypoints: dict[str, tf.Tensor], pose: tf.Tensor, principal_x: tf.Tensor,
                 seed) -> tuple[dict[str, tf.Tensor], tf.Tensor]:
    """Mirrors a random half of a batch: each example's pose with all of its keypoints."""
    flipped = (tf.random.stateless_uniform(tf.shape(principal_x), seed) < 0.5)[:, None, None]
    return {name: tf.where(flipped, mirror_keypoints(value, principal_x), value)
            for name, value in keypoints.items()}, tf.where(flipped, mirror_pose(pose), pose)


def load_corpus(dataset: str, data_dir: str | None, seed: int = 0) -> PoseCorpus:
    """The Human3.6M release in DATA_DIR, or the embedded synthetic set."""
    if dataset == "h36m":
        if not data_dir:
            raise SettingConflict("--data_dir is required for --dataset=h36m")
        return h36m.load(data_dir)
    if dataset == "synthetic":
        return synthetic.generate(seed).corpus
    raise ValueError(f"unknown dataset {dataset!r}")
