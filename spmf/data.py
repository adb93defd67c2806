"""From a labelled skeleton dataset to tf.data batches of Enhanced-SPMF images.

Sequences are normalised once (`spmf.skeleton`) and kept as one flat array of frames with
per-sequence offsets, so that a whole batch is augmented and resampled with array indexing:
a random temporal crop resampled to `num_frames`, a rotation about the body's vertical axis,
a scale and a per-joint jitter, each drawn per sequence. Every batch is a pure function of
(seed, step): a resumed run sees the batches it would have seen, and `Dataset.range` feeds
the steps through a parallel map of the batched encoder.

Evaluation uses K views per sequence (view 0 unaugmented, the others augmented with their own
fixed draws), encoded once and cached; accuracy is per SEQUENCE, the softmax of its views
averaged (`per_sequence_accuracy`).
"""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import tensorflow as tf

from common import input_pipeline
from common.per_sequence import per_sequence
from datasets.layouts import JointLayout
from datasets.sequences import SequenceDataset
from spmf.encode import EncodingOptions, check_sequences, encode_batch
from spmf.skeleton import SkeletonOptions, body_axes, joint_order, normalise


@dataclasses.dataclass(frozen=True)
class AugmentOptions:
    """Random changes applied to each training sequence before it is encoded.

    Attributes:
      rotation_degrees: rotation about the body's vertical axis, uniform in +-this.
      scale: size factor uniform in [1 - scale, 1 + scale].
      crop_min_fraction: a random window of at least this fraction of the frames is kept
        (1 keeps the whole sequence); it is then resampled to `num_frames`.
      jitter_mm: standard deviation of Gaussian noise added to every joint coordinate.
      swap_people: a several-person sequence is seen, half the time, with its people in the
        other order (the second first), normalised as such: a video does not say who acts,
        and the interaction classifier is asked with both orders (`recognition.interaction`).
      mirror: a sequence is seen, half the time, as its mirror image: reflected across the
        body's sagittal plane with every left joint taking its right counterpart's place, the
        same action done with the other hand (MSR Action3D and SBU were performed by few
        people, each with their own dominant side).
      time_warp: the strength w in [0, 1) of a smooth random change of pace: the kept window
        is read at u + c w sin(pi u) / pi for u uniform in [0, 1] and c uniform in [-1, 1],
        so one part of the action runs up to 1 + w times faster and another slower, the
        order of frames kept (slope at least 1 - w > 0); 0 reads it at an even pace. People
        differ in when they speed up within an action, not only in its length.
      limb_amplitude: the strength a in [0, 1) of a change of style: each limb's motion
        about its own mean pose in the kept window (the limb's joints relative to its
        shoulder or hip, `JointLayout.limbs`) is scaled by a factor uniform in [1 - a, 1 + a]
        drawn per limb, so one arm swings wider and the other less, as another person would
        do the same action. The limb's mean pose and the torso are kept.
      shear: the strength s of a random shear of the whole sequence: each coordinate gains
        each other coordinate times a factor uniform in [-s, s] (six factors a sequence),
        which leans, widens and skews the body and its motion together, as people of other
        build and posture do (a usual augmentation of skeleton action recognition).
    """

    rotation_degrees: float = 0.0
    scale: float = 0.0
    crop_min_fraction: float = 1.0
    jitter_mm: float = 0.0
    swap_people: bool = False
    mirror: bool = False
    time_warp: float = 0.0
    limb_amplitude: float = 0.0
    shear: float = 0.0

    def __post_init__(self):
        if not 0 <= self.rotation_degrees <= 180:
            raise ValueError(f"rotation_degrees must be in [0, 180], got {self.rotation_degrees}")
        if not 0 <= self.scale < 1:
            raise ValueError(f"scale must be in [0, 1), got {self.scale}")
        if not 0 < self.crop_min_fraction <= 1:
            raise ValueError(f"crop_min_fraction must be in (0, 1], got {self.crop_min_fraction}")
        if self.jitter_mm < 0:
            raise ValueError(f"jitter_mm must be >= 0, got {self.jitter_mm}")
        if not 0 <= self.time_warp < 1:
            raise ValueError(f"time_warp must be in [0, 1), got {self.time_warp}")
        if not 0 <= self.limb_amplitude < 1:
            raise ValueError(f"limb_amplitude must be in [0, 1), got {self.limb_amplitude}")
        if not 0 <= self.shear < 1:
            raise ValueError(f"shear must be in [0, 1), got {self.shear}")

    @property
    def active(self) -> bool:
        return self != AugmentOptions()


@dataclasses.dataclass(frozen=True)
class SpmfDataConfig:
    """Everything that decides the images of a dataset.

    Attributes:
      encoding: the encoder's options.
      skeleton: the normalisation before encoding.
      augment: the random changes of training sequences (and of evaluation views 1..K-1).
      num_frames: every sequence is resampled to this length before encoding, so that a batch
        is one array (MSR Action3D's median is 39 frames).
      batch_size: training images per batch.
      eval_views: K, the views per sequence for evaluation.
      seed: seed of every random draw.
    """

    encoding: EncodingOptions = EncodingOptions()
    skeleton: SkeletonOptions = SkeletonOptions()
    augment: AugmentOptions = AugmentOptions()
    num_frames: int = 40
    batch_size: int = 128
    eval_views: int = 1
    seed: int = 0

    def __post_init__(self):
        if self.num_frames < 2 or self.batch_size < 1 or self.eval_views < 1:
            raise ValueError("num_frames must be >= 2, batch_size and eval_views >= 1")

    def to_json(self) -> str:
        """The settings as JSON: what an exported classifier carries, so that whoever feeds
        it encodes a skeleton exactly as its training images were encoded."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "SpmfDataConfig":
        fields = json.loads(text)
        encoding = {key: tuple(value) if isinstance(value, list) else value
                    for key, value in fields.pop("encoding").items()}
        return cls(encoding=EncodingOptions(**encoding),
                   skeleton=SkeletonOptions(**fields.pop("skeleton")),
                   augment=AugmentOptions(**fields.pop("augment")), **fields)


@dataclasses.dataclass(frozen=True)
class EvaluationImages:
    """The cached evaluation views: view v of sequence s is row s * K + v."""

    images: np.ndarray
    labels: np.ndarray
    sequence_ids: np.ndarray


def rotation_about(axes: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """(B, 3, 3) rotations by ANGLES (B,) about unit AXES (B, 3) (Rodrigues' formula)."""
    x, y, z = axes[:, 0], axes[:, 1], axes[:, 2]
    zero = np.zeros_like(x)
    cross = np.stack([zero, -z, y, z, zero, -x, -y, x, zero], -1).reshape(-1, 3, 3)
    sine, cosine = np.sin(angles)[:, None, None], np.cos(angles)[:, None, None]
    return np.eye(3) + sine * cross + (1 - cosine) * cross @ cross


def _reverse_people(joints: np.ndarray, people: int) -> np.ndarray:
    """(T, P x J, 3) -> the same with the P people in reverse order."""
    frames = len(joints)
    return joints.reshape(frames, people, -1, 3)[:, ::-1].reshape(frames, -1, 3)


class SkeletonImages:
    """One dataset's sequences, normalised once, as training batches and evaluation views."""

    def __init__(self, dataset: SequenceDataset, config: SpmfDataConfig):
        if not dataset.sequences:
            raise ValueError(f"dataset {dataset.name} holds no sequences")
        self.config = config
        self.class_names = dataset.class_names
        self.layout = dataset.layout
        self.sources = [sequence.source for sequence in dataset.sequences]
        checked = [check_sequences(s.joints[None], [s.source])[0] for s in dataset.sequences]
        self.labels = np.array([sequence.label for sequence in dataset.sequences], np.int32)
        self.lengths = np.array([len(joints) for joints in checked], np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)[:-1]])
        people = checked[0].shape[1] // dataset.layout.num_joints
        self.limb_members = self.limb_roots = self.limb_of_member = None
        if config.augment.limb_amplitude:
            self._find_limbs(dataset.layout, people)
        self.frames, self.axes = self._normalised(checked)
        self.row_order = joint_order(dataset.layout, people, config.skeleton.joint_order)
        # each joint's left/right counterpart, person by person, for mirror
        self.mirrored_joints = None
        if config.augment.mirror:
            self.mirrored_joints = np.concatenate(
                [np.array(dataset.layout.mirror_indices()) + person * dataset.layout.num_joints
                 for person in range(people)])
        # the same with the people in reverse order, for swap_people
        self.swapped_frames = self.swapped_axes = None
        if config.augment.swap_people and people > 1:
            self.swapped_frames, self.swapped_axes = self._normalised(
                [_reverse_people(joints, people) for joints in checked])

    def _find_limbs(self, layout: JointLayout, people: int) -> None:
        """Each limb joint of every person, its limb's root and its limb's number."""
        limbs = layout.limbs()
        if not limbs:
            raise ValueError(f"limb_amplitude: layout {layout.name} names no shoulder or hip "
                             "with an arm or leg below it")
        members, roots, numbers = [], [], []
        for person in range(people):
            shift = person * layout.num_joints
            for number, (root, chain) in enumerate(limbs, person * len(limbs)):
                members += [joint + shift for joint in chain]
                roots += [root + shift] * len(chain)
                numbers += [number] * len(chain)
        self.limb_members, self.limb_roots = np.array(members), np.array(roots)
        self.limb_of_member = np.array(numbers)

    def _normalised(self, sequences: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """All SEQUENCES' frames normalised, one array, and each sequence's mean body axes
        (N, 3, 3), rows right, up, forward: rotation augmentation turns a sequence about its
        up, mirroring reflects it along its right."""
        normalised = [normalise(joints, self.layout, self.config.skeleton, source)
                      for joints, source in zip(sequences, self.sources)]
        axes = np.stack([body_axes(joints, self.layout, source)
                         for joints, source in zip(normalised, self.sources)])
        return np.concatenate(normalised), axes

    def __len__(self) -> int:
        return len(self.labels)

    def sequences(self, indices: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """(B, num_frames, J, 3): the sequences INDICES, augmented with RNG's draws (or not)."""
        augment = self.config.augment if rng is not None else AugmentOptions()
        batch, length = len(indices), self.config.num_frames
        lengths = self.lengths[indices].astype(np.float64)
        fraction = np.ones(batch) if rng is None else rng.uniform(augment.crop_min_fraction, 1,
                                                                  batch)
        span = (lengths - 1) * fraction
        start = np.zeros(batch) if rng is None else rng.uniform(0, 1, batch) * (lengths - 1 - span)
        pace = np.linspace(0, 1, length)[None]
        if augment.time_warp:  # drawn only when asked: a run without it draws as before
            bend = rng.uniform(-1, 1, batch)[:, None] * augment.time_warp / np.pi
            pace = pace + bend * np.sin(np.pi * pace)
        position = start[:, None] + span[:, None] * pace
        below = np.floor(position).astype(np.int64)
        above = np.minimum(below + 1, self.lengths[indices][:, None] - 1)
        weight = (position - below)[..., None, None]
        base = self.offsets[indices][:, None]

        def resampled(frames: np.ndarray) -> np.ndarray:
            return (1 - weight) * frames[base + below] + weight * frames[base + above]

        joints, axes = resampled(self.frames), self.axes[indices]
        if rng is None:
            return joints.astype(np.float32)
        if self.swapped_frames is not None:
            swap = rng.uniform(size=batch) < 0.5
            joints = np.where(swap[:, None, None, None], resampled(self.swapped_frames), joints)
            axes = np.where(swap[:, None, None], self.swapped_axes[indices], axes)
        angles = np.deg2rad(rng.uniform(-augment.rotation_degrees, augment.rotation_degrees,
                                        batch))
        scales = rng.uniform(1 - augment.scale, 1 + augment.scale, batch)
        rotation = rotation_about(axes[:, 1], angles) * scales[:, None, None]
        noise = rng.normal(0, augment.jitter_mm, joints.shape) if augment.jitter_mm else 0.0
        if augment.mirror:  # drawn last: the other draws stay those of a run without it
            joints, rotation = self._mirrored(joints, rotation, axes[:, 0],
                                              rng.uniform(size=batch) < 0.5)
        if augment.limb_amplitude:  # drawn after the others: they stay those of a run without
            joints = self._restyled(joints, rng.uniform(
                1 - augment.limb_amplitude, 1 + augment.limb_amplitude,
                (batch, self.limb_of_member.max() + 1)))
        if augment.shear:
            factors = rng.uniform(-augment.shear, augment.shear, (batch, 3, 3))
            rotation = rotation @ (np.eye(3) + factors * (1 - np.eye(3)))
        return (np.einsum("bij,btkj->btki", rotation, joints) + noise).astype(np.float32)

    def _mirrored(self, joints: np.ndarray, rotation: np.ndarray, right: np.ndarray,
                  chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """JOINTS (B, T, J, 3) with the CHOSEN sequences' left and right joints swapped, and
        ROTATION (B, 3, 3) preceded for them by the reflection along their RIGHT axis."""
        joints = np.where(chosen[:, None, None, None], joints[:, :, self.mirrored_joints], joints)
        reflection = np.eye(3) - 2 * chosen[:, None, None] * right[:, :, None] * right[:, None]
        return joints, rotation @ reflection

    def _restyled(self, joints: np.ndarray, factors: np.ndarray) -> np.ndarray:
        """JOINTS (B, T, J, 3) with each limb's motion about its mean pose scaled by its
        FACTORS (B, limbs)."""
        relative = joints[:, :, self.limb_members] - joints[:, :, self.limb_roots]
        mean = relative.mean(axis=1, keepdims=True)
        scaled = mean + factors[:, None, self.limb_of_member, None] * (relative - mean)
        joints = joints.copy()
        joints[:, :, self.limb_members] = joints[:, :, self.limb_roots] + scaled
        return joints

    def encode(self, indices: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """(B, H, W, 3) uint8 images of the sequences INDICES, joints in the rows' order."""
        return encode_batch(self.sequences(indices, rng)[:, :, self.row_order],
                            self.config.encoding,
                            [self.sources[i] for i in indices])

    def training_batch(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """Batch STEP of the endless training stream: each epoch visits every sequence once
        in an order drawn from (seed, epoch); a batch never straddles two epochs' orders."""
        size = min(self.config.batch_size, len(self))
        per_epoch = len(self) // size
        epoch, position = divmod(int(step), per_epoch)
        order = np.random.default_rng([self.config.seed, epoch]).permutation(len(self))
        indices = order[position * size:(position + 1) * size]
        rng = np.random.default_rng([self.config.seed, epoch, position, 1])
        return self.encode(indices, rng), self.labels[indices]

    def training_dataset(self, first_step: int = 0) -> tf.data.Dataset:
        """Endless (image uint8, label int32) batches from step FIRST_STEP on."""
        size = min(self.config.batch_size, len(self))
        height, width = self.config.encoding.image_size

        def load(step):
            images, labels = tf.numpy_function(self.training_batch, [step],
                                               (tf.uint8, tf.int32), stateful=False)
            return (tf.ensure_shape(images, (size, height, width, 3)),
                    tf.ensure_shape(labels, (size,)))

        steps = tf.data.Dataset.range(first_step, np.iinfo(np.int64).max)
        batches = steps.map(load, num_parallel_calls=os.cpu_count() or 1, deterministic=True)
        return input_pipeline.prefetch_without_autotuner(batches)

    def evaluation_images(self) -> EvaluationImages:
        """Every sequence's K views, encoded once (view 0 unaugmented)."""
        views = self.config.eval_views
        ids = np.repeat(np.arange(len(self)), views)
        images = np.empty((len(ids), *self.config.encoding.image_size, 3), np.uint8)
        for start in range(0, len(ids), self.config.batch_size):
            chunk = np.arange(start, min(start + self.config.batch_size, len(ids)))
            plain = chunk[chunk % views == 0]
            images[plain] = self.encode(ids[plain], None)
            varied = chunk[chunk % views != 0]
            if len(varied):
                rng = np.random.default_rng([self.config.seed, start, 2])
                images[varied] = self.encode(ids[varied], rng)
        return EvaluationImages(images, self.labels[ids], ids.astype(np.int32))


def per_sequence_accuracy(probabilities: np.ndarray, views: EvaluationImages) -> float:
    """Accuracy of one prediction per sequence: the mean of its views' probabilities."""
    means, labels = per_sequence(probabilities, views.labels, views.sequence_ids)
    return float(np.mean(np.argmax(means, 1) == labels))
