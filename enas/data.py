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

import numpy as np
import tensorflow as tf

from common import input_pipeline


@dataclasses.dataclass(frozen=True)
class ImageSplits:
    """float32 images (N, H, W, C) normalised per channel, int32 labels (N,), per split."""

    train: tuple[np.ndarray, np.ndarray]
    valid: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    num_classes: int
    channel_mean: np.ndarray
    channel_std: np.ndarray


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


def split(images: np.ndarray, labels: np.ndarray, num_classes: int, test_fraction: float = 0.2,
          valid_fraction: float = 0.1, seed: int = 0) -> ImageSplits:
    """Train / held-out validation / test, normalised with the training split's statistics."""
    order = np.random.default_rng(seed).permutation(len(images))
    num_test = int(round(test_fraction * len(images)))
    test, rest = order[:num_test], order[num_test:]
    num_valid = int(round(valid_fraction * len(rest)))
    valid, train = rest[:num_valid], rest[num_valid:]
    pixels = images.astype(np.float32)
    mean = pixels[train].mean(axis=(0, 1, 2))
    std = pixels[train].std(axis=(0, 1, 2)) + 1e-6
    normalised = (pixels - mean) / std
    return ImageSplits(train=(normalised[train], labels[train]),
                       valid=(normalised[valid], labels[valid]),
                       test=(normalised[test], labels[test]), num_classes=num_classes,
                       channel_mean=mean, channel_std=std)


def load(dataset: str, seed: int = 0, valid_fraction: float = 0.1) -> ImageSplits:
    """The splits of a named dataset; VALID_FRACTION of the training split is held out (the
    search's controller data; the final run uses 0, the original's `num_valids=0`)."""
    if dataset == "synthetic_images":
        images, labels = synthetic_images(seed=seed)
        return split(images, labels, num_classes=10, valid_fraction=valid_fraction, seed=seed)
    raise ValueError(f"unknown dataset {dataset!r}; available: synthetic_images")


def batches(arrays: tuple[np.ndarray, np.ndarray], batch_size: int, shuffle: bool,
            seed: int = 0, repeat: bool = False) -> tf.data.Dataset:
    """(images, labels) batches; shuffled each pass when asked; full batches only."""
    dataset = tf.data.Dataset.from_tensor_slices(arrays)
    if shuffle:
        dataset = dataset.shuffle(len(arrays[1]), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    batched = dataset.batch(batch_size, drop_remainder=True)
    return input_pipeline.prefetch_without_autotuner(batched)
