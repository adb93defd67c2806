"""Image classification data for the search and the fixed-arc trainer.

Any (images uint8 or float (N, H, W, C), labels (N,)) arrays become tf.data pipelines here;
the recognition stage plugs its SPMF images in through the same door. Until then the
built-in task is `synthetic_images`: oriented, coloured gratings with per-image phase,
frequency and noise, a small task with real structure for a convolutional network to learn.

As in the original scripts, inputs are normalised per channel with training-set mean and std,
and the search holds out 10% of the training split as the controller's validation set; the
final run trains on all of it.
"""
from __future__ import annotations

import dataclasses
import hashlib
from typing import Callable

import numpy as np
import tensorflow as tf

from common import input_pipeline
from common.epoch_order import EpochOrder


@dataclasses.dataclass(frozen=True)
class ImageSplits:
    """float32 images (N, H, W, C) normalised per channel, int32 labels (N,), per split.

    Attributes:
      train, valid, test: (images, labels) of each split.
      num_classes: size of the label set.
      channel_mean, channel_std: the training split's per-channel statistics (0..255 pixels),
        baked into an exported model.
      class_names: the label names, where the dataset has them.
      scored_classes: the first this many classes are the task that is scored and deployed
        (0: all of them); the rest are extra classes the network is trained on only (other
        actions of the same subjects), so its accuracy and exported probabilities are taken
        among the first SCORED_CLASSES outputs.
      valid_ids, test_ids: the sequence each image shows, for datasets with several images
        (views) per sequence; accuracy is then also counted per sequence.
      epoch_train: epoch -> this epoch's (images, labels) for datasets that draw fresh
        augmented images each epoch (a pure function of the epoch, so that a resumed run sees
        the images it would have seen); None: `train` every epoch.
      description: what the images show (dataset, protocol, joint layout), stored in an
        exported classifier.
    """

    train: tuple[np.ndarray, np.ndarray]
    valid: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    num_classes: int
    channel_mean: np.ndarray
    channel_std: np.ndarray
    class_names: tuple[str, ...] = ()
    scored_classes: int = 0
    valid_ids: np.ndarray | None = None
    test_ids: np.ndarray | None = None
    epoch_train: Callable[[int], tuple[np.ndarray, np.ndarray]] | None = None
    description: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def num_scored(self) -> int:
        """How many classes (the first ones) are scored and deployed."""
        return self.scored_classes or self.num_classes

    @property
    def scored_names(self) -> tuple[str, ...]:
        """The scored classes' names (their numbers where the data has no names)."""
        names = self.class_names or tuple(str(label) for label in range(self.num_classes))
        return tuple(names[:self.num_scored])

    def train_for_epoch(self, epoch: int) -> tuple[np.ndarray, np.ndarray]:
        return self.train if self.epoch_train is None else self.epoch_train(epoch)

    def fingerprint(self) -> str:
        """A digest of what decides the task: shapes, labels, sequence ids, class names and the
        channel statistics to 0.01. Robust to the last bits of the pixels (poses lifted on
        another device may round differently) yet changed by another protocol, fold or
        encoding, so a run resumed on other data is refused."""
        digest = hashlib.sha256()
        for array in (*self.train, *self.valid, *self.test, self.valid_ids, self.test_ids):
            if array is not None:
                digest.update(str(array.shape).encode())
                if array.ndim == 1:
                    digest.update(np.ascontiguousarray(array, np.int64).tobytes())
        digest.update(np.round(np.concatenate([self.channel_mean, self.channel_std]),
                               2).astype(np.float64).tobytes())
        digest.update("|".join(self.class_names).encode())
        return digest.hexdigest()[:16]


def synthetic_images(num_images: int = 600, num_classes: int = 10, size: int = 32,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gratings whose orientation and colour depend on the class; uint8 (N, size, size, 3)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(num_images) % num_classes
    rng.shuffle(labels)
    y, x = np.mgrid[0:size, 0:size] / size
    angle = np.pi * labels / num_classes + rng.normal(0, 0.08, num_images)
    frequency = rng.uniform(3, 6, num_images)
    phase = rng.uniform(0, 2 * np.pi, num_images)
    wave = np.sin(2 * np.pi * frequency[:, None, None] * (
        np.cos(angle)[:, None, None] * x + np.sin(angle)[:, None, None] * y) + phase[:, None, None])
    hue = 2 * np.pi * (labels % 3) / 3
    colour = np.stack([np.cos(hue), np.cos(hue - 2.1), np.cos(hue + 2.1)], axis=-1)
    images = 128 + 60 * wave[..., None] * (0.6 + 0.4 * colour[:, None, None, :])
    images += rng.normal(0, 25, images.shape)
    return np.clip(images, 0, 255).astype(np.uint8), labels.astype(np.int32)


def channel_statistics(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std (+1e-6) of (N, H, W, C) pixels, float32."""
    pixels = pixels.astype(np.float32)
    return pixels.mean(axis=(0, 1, 2)), pixels.std(axis=(0, 1, 2)) + 1e-6


def split(images: np.ndarray, labels: np.ndarray, num_classes: int, test_fraction: float = 0.2,
          valid_fraction: float = 0.1, seed: int = 0) -> ImageSplits:
    """Train / held-out validation / test, normalised with the training split's statistics."""
    order = np.random.default_rng(seed).permutation(len(images))
    num_test = int(round(test_fraction * len(images)))
    test, rest = order[:num_test], order[num_test:]
    num_valid = int(round(valid_fraction * len(rest)))
    valid, train = rest[:num_valid], rest[num_valid:]
    pixels = images.astype(np.float32)
    mean, std = channel_statistics(pixels[train])
    normalised = (pixels - mean) / std
    return ImageSplits(train=(normalised[train], labels[train]),
                       valid=(normalised[valid], labels[valid]),
                       test=(normalised[test], labels[test]), num_classes=num_classes,
                       channel_mean=mean, channel_std=std)


IMAGE_DATASETS = ("synthetic_images",)


@dataclasses.dataclass(frozen=True)
class BuiltinImages:
    """The built-in image task, as a run records it.

    Attributes:
      dataset: its name (synthetic_images).
      valid_fraction: part of the training split held out as the search's controller data
        (the final run uses 0, the original's `num_valids=0`).
      seed: seed of the images and of the split.
    """

    dataset: str = "synthetic_images"
    valid_fraction: float = 0.1
    seed: int = 0

    def load(self) -> ImageSplits:
        if self.dataset == "synthetic_images":
            images, labels = synthetic_images(seed=self.seed)
            splits = split(images, labels, num_classes=10, valid_fraction=self.valid_fraction,
                           seed=self.seed)
            return dataclasses.replace(splits, description={"dataset": self.dataset})
        raise ValueError(f"unknown image dataset {self.dataset!r}; available: "
                         + ", ".join(IMAGE_DATASETS))


def load(dataset: str, seed: int = 0, valid_fraction: float = 0.1) -> ImageSplits:
    """The splits of built-in image dataset DATASET."""
    return BuiltinImages(dataset, valid_fraction, seed).load()


def mixup(images: np.ndarray, labels: np.ndarray, num_classes: int, alpha: float,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A batch mixed as Zhang et al. (ICLR 2018): each image blended with a random partner of
    its batch by weight w ~ Beta(alpha, alpha), and its one-hot target likewise, so that the
    network sees the space between classes rather than only their few training sequences."""
    weight = rng.beta(alpha, alpha, size=len(labels)).astype(np.float32)
    partner = rng.permutation(len(labels))
    targets = np.eye(num_classes, dtype=np.float32)[labels]
    mixed = (weight[:, None, None, None] * images
             + (1 - weight[:, None, None, None]) * images[partner])
    return (mixed.astype(np.float32),
            weight[:, None] * targets + (1 - weight[:, None]) * targets[partner])


class EpochFeed(EpochOrder):
    """`model.fit`'s training data, epoch by epoch: epoch E's images are
    `data.train_for_epoch(E)` in the order `EpochOrder` draws from (seed, E), full batches
    only; a run resumed at epoch E trains on the batches an uninterrupted run saw there.
    With MIXUP_ALPHA > 0 each batch is mixed (`mixup`, drawn from (seed, E, batch)) and its
    labels are (B, classes) targets instead of (B,) classes."""

    def __init__(self, data: ImageSplits, batch_size: int, seed: int, mixup_alpha: float = 0.0):
        self.data = data
        self.mixup_alpha = mixup_alpha
        # every epoch holds as many images (`count`); epoch 0 is drawn once here to count them
        super().__init__(len(data.train_for_epoch(0)[1]), batch_size, seed)

    def _batches(self):
        images, labels = self.data.train_for_epoch(self.epoch)
        for number, chosen in enumerate(self.batch_indices()):
            if self.mixup_alpha > 0:
                rng = np.random.default_rng([self.seed, self.epoch, number, 5])
                yield mixup(images[chosen], labels[chosen], self.data.num_classes,
                            self.mixup_alpha, rng)
            else:
                yield images[chosen], labels[chosen]

    def dataset(self) -> tf.data.Dataset:
        shape = self.data.train[0].shape[1:]
        labels = (tf.TensorSpec((self.batch_size, self.data.num_classes), tf.float32)
                  if self.mixup_alpha > 0 else tf.TensorSpec((self.batch_size,), tf.int32))
        generated = tf.data.Dataset.from_generator(self._batches, output_signature=(
            tf.TensorSpec((self.batch_size, *shape), tf.float32), labels))
        counted = generated.apply(
            tf.data.experimental.assert_cardinality(self.batches_per_epoch))
        return input_pipeline.prefetch_without_autotuner(counted)
