"""A skeleton dataset and its protocol as the image splits the ENAS search and trainer read.

This is where the encoding meets the search: `enas` knows images and labels, `spmf` knows
sequences. The protocol (`recognition.protocols`) names the training and test sequences; the
validation sequences come from the training side only, so the test side never reaches the
search.

Training images are drawn afresh each epoch (`train_copies` augmented views of every
training sequence, a pure function of (seed, epoch)); validation and test hold K views per
sequence, encoded once, with the sequence of each image kept for per-sequence accuracy.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from datasets.catalog import SEQUENCE_DATASETS, load_sequences
from datasets.sequences import SequenceDataset, in_h36m16
from enas.data import ImageSplits, channel_statistics
from recognition.lifted import SKELETON_SOURCES, lifted_sequences, source_lifter
from recognition.protocols import (EVERY_SUBJECT, PROTOCOLS, hold_out, own_classes,
                                   protocol_split, require_other_actions, selection_split)
from spmf.data import SkeletonImages, SpmfDataConfig
from spmf.skeleton import reference_bone_lengths

# (train, valid, scored, what the scored sequences are) of one protocol and selection fold
SequenceSplits = tuple[SequenceDataset, SequenceDataset, SequenceDataset, str]
JOINT_LAYOUTS = ("native", "h36m16")


@dataclasses.dataclass(frozen=True)
class RecognitionData:
    """Which sequences, split how, encoded how.

    Attributes:
      dataset: one of datasets.catalog.SEQUENCE_DATASETS.
      protocol: one of PROTOCOLS[dataset].
      data_dir: the dataset's folder (unused for synthetic).
      valid_fraction: part of each class's training sequences held out as the controller's
        validation set (0: none, the final run's `num_valids=0`).
      train_copies: augmented views of every training sequence per epoch, so that an epoch
        holds enough full batches of a small dataset (MSR AS1 has about 110 training
        sequences) and each sequence is seen under several augmentations.
      images: the encoding, normalisation, augmentation and K evaluation views.
      skeleton_source: "sensor" (the dataset's 3D joints) or "lifted" (its 2D joints lifted
        to 3D by the lifter: the paper's unified framework; recognition.lifted).
      lifter: the lifter for "lifted" (a model_dir, compact folder or SavedModel; "" = the
        shipped pretrained/lifter).
      lifted_rigid_bones: "lifted" only: each person's bones set to one length over the
        sequence, as `pipeline.run` (rigid bones by default) shows and classifies a track.
      joint_layout: "native" encodes the dataset's own joints; "h36m16" maps every person
        to Human3.6M's 16 joints first (`datasets.sequences.in_h36m16`), the layout shared
        with the Human3.6M action windows a network can be pretrained on.
      other_actions: the training side also holds the dataset's other actions performed by
        the training subjects, as extra classes (MSR Action3D AS1-AS3:
        `recognition.protocols.protocol_split`); the network has an output per action and is
        scored, and deployed, among the protocol's own.
      reference_bones: every person's bones given the lengths of a reference body, the
        training sequences' mean (`spmf.skeleton.reference_bone_lengths`), before encoding;
        the lengths are written into the images' settings, so an exported classifier gives
        them to whatever skeleton it is fed.
      selection_fold: -1 scores the protocol's test sequences; k >= 0 scores training group
        k (`recognition.protocols.selection_split`) instead and never loads the test
        sequences: the split on which choices are made.
    """

    dataset: str = "synthetic"
    protocol: str = "cross_subject"
    data_dir: str = ""
    valid_fraction: float = 0.0
    train_copies: int = 8
    images: SpmfDataConfig = SpmfDataConfig()
    skeleton_source: str = "sensor"
    lifter: str = ""
    lifted_rigid_bones: bool = False
    joint_layout: str = "native"
    other_actions: bool = False
    reference_bones: bool = False
    selection_fold: int = -1

    def __post_init__(self):
        if self.skeleton_source not in SKELETON_SOURCES:
            raise ValueError(f"skeleton_source must be one of {SKELETON_SOURCES}, got "
                             f"{self.skeleton_source!r}")
        if self.dataset not in PROTOCOLS:
            raise ValueError(f"unknown skeleton dataset {self.dataset!r}; available: "
                             f"{', '.join(SEQUENCE_DATASETS)}")
        if self.protocol not in PROTOCOLS[self.dataset]:
            raise ValueError(f"protocol {self.protocol!r} is not one of {self.dataset}'s: "
                             f"{', '.join(PROTOCOLS[self.dataset])}")
        if self.joint_layout not in JOINT_LAYOUTS:
            raise ValueError(f"joint_layout must be one of {JOINT_LAYOUTS}, got "
                             f"{self.joint_layout!r}")
        if self.lifted_rigid_bones and self.skeleton_source != "lifted":
            raise ValueError("lifted_rigid_bones needs skeleton_source='lifted': the "
                             "sensor's skeletons are kept as recorded")
        if self.other_actions:
            require_other_actions(self.dataset, self.protocol)
        if not 0 <= self.valid_fraction < 1 or self.train_copies < 1:
            raise ValueError("valid_fraction must be in [0, 1) and train_copies >= 1")


def _views(dataset: SequenceDataset, config: SpmfDataConfig, shape: tuple[int, ...]
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pixels, labels, sequence ids) of every sequence's K evaluation views."""
    if not dataset.sequences:
        return (np.zeros((0, *shape), np.uint8), np.zeros(0, np.int32), np.zeros(0, np.int32))
    views = SkeletonImages(dataset, config).evaluation_images()
    return views.images, views.labels, views.sequence_ids


def skeleton_sequences(config: RecognitionData) -> SequenceDataset:
    """Every sequence of CONFIG's dataset, from the sensor or lifted (a search and the final
    runs of one protocol share them: loaded, or lifted, once)."""
    if config.skeleton_source == "lifted":
        dataset = lifted_sequences(config.dataset, config.data_dir or None,
                                   config.lifter or None, config.images.seed,
                                   rigid=config.lifted_rigid_bones)
    else:
        dataset = load_sequences(config.dataset, config.data_dir or None, config.images.seed)
    return in_h36m16(dataset) if config.joint_layout == "h36m16" else dataset


def sequence_splits(config: RecognitionData, dataset: SequenceDataset | None = None
                    ) -> SequenceSplits:
    """(train, valid, scored, what the scored sequences are) of CONFIG: the protocol's test
    sequences, or with a selection fold one training group held out in their place. DATASET:
    `skeleton_sequences(config)`, loaded here when not given."""
    if dataset is None:
        dataset = skeleton_sequences(config)
    train, test = protocol_split(dataset, config.dataset, config.protocol, config.other_actions)
    scored = f"{config.protocol} test"
    if config.selection_fold >= 0:
        train, held_out, group = selection_split(train, config.selection_fold)
        test = own_classes(held_out, test.class_names)
        scored = f"{config.protocol} training group {group} (selection)"
    train, valid = hold_out(train, config.valid_fraction, config.images.seed)
    if not train.sequences or not (test.sequences or config.protocol in EVERY_SUBJECT):
        raise ValueError(f"{config.dataset} {config.protocol}: {len(train.sequences)} training "
                         f"and {len(test.sequences)} test sequences; both must be non-empty")
    return train, valid, test, scored


def load_splits(config: RecognitionData, dataset: SequenceDataset | None = None
                ) -> ImageSplits:
    """The protocol's images (`image_splits` of `sequence_splits`)."""
    return image_splits(config, sequence_splits(config, dataset))


def _with_reference_bones(config: RecognitionData, train: SequenceDataset) -> RecognitionData:
    """CONFIG with the images' bone lengths taken from the TRAIN sequences if it asks for
    reference bones (from the training side only, so a scored sequence has no say in them)."""
    if not config.reference_bones:
        return config
    lengths = reference_bone_lengths([s.joints for s in train.sequences], train.layout,
                                     [s.source for s in train.sequences])
    skeleton = dataclasses.replace(config.images.skeleton, bone_lengths=lengths)
    return dataclasses.replace(config, images=dataclasses.replace(config.images,
                                                                  skeleton=skeleton))


def image_splits(config: RecognitionData, sequences: SequenceSplits) -> ImageSplits:
    """SEQUENCES' images, normalised with the training sequences' unaugmented images."""
    train, valid, test, scored = sequences
    config = _with_reference_bones(config, train)
    training = SkeletonImages(train, config.images)
    plain = training.encode(np.arange(len(training)), None)
    mean, std = channel_statistics(plain)
    shape = plain.shape[1:]

    def normalised(pixels: np.ndarray) -> np.ndarray:
        return (pixels.astype(np.float32) - mean) / std

    def epoch_train(epoch: int) -> tuple[np.ndarray, np.ndarray]:
        indices = np.tile(np.arange(len(training)), config.train_copies)
        rng = np.random.default_rng([config.images.seed, epoch, 3])
        return normalised(training.encode(indices, rng)), training.labels[indices]

    valid_pixels, valid_labels, valid_ids = _views(valid, config.images, shape)
    test_pixels, test_labels, test_ids = _views(test, config.images, shape)
    return ImageSplits(train=(normalised(plain), training.labels),
                       valid=(normalised(valid_pixels), valid_labels),
                       test=(normalised(test_pixels), test_labels),
                       num_classes=len(train.class_names), channel_mean=mean,
                       channel_std=std, class_names=tuple(train.class_names),
                       scored_classes=len(test.class_names),
                       valid_ids=valid_ids, test_ids=test_ids, epoch_train=epoch_train,
                       description={"dataset": config.dataset, "protocol": config.protocol,
                                    "skeleton_source": config.skeleton_source,
                                    **_lifted_by(config),
                                    "layout": train.layout.name, "units": train.units,
                                    "spmf_config": config.images.to_json(),
                                    "scored": scored,
                                    "images": "Enhanced-SPMF (spmf.encode), 0..255 pixels",
                                    **_other_actions(train, test)})


def _lifted_by(config: RecognitionData) -> dict[str, str]:
    """The description's note of which kind of lifter made lifted poses (a deployment lifts
    with that kind for this classifier) and whether their bones were made rigid; sensor
    skeletons have none."""
    if config.skeleton_source != "lifted":
        return {}
    return {"lifter_kind": source_lifter(config.lifter or None).kind,
            "bones": "rigid" if config.lifted_rigid_bones else "as lifted"}


def _other_actions(train: SequenceDataset, test: SequenceDataset) -> dict[str, str]:
    """The description's note of the training-only classes, if the training side has any."""
    extra = train.class_names[len(test.class_names):]
    return {"also_trained_on": ", ".join(extra)} if extra else {}


def search_splits(config: RecognitionData, dataset: SequenceDataset | None = None
                  ) -> ImageSplits:
    """`load_splits` without the test sequences: a search is never given them (nor are
    their views encoded)."""
    train, valid, test, scored = sequence_splits(config, dataset)
    splits = image_splits(config, (train, valid, test.select(lambda s: False), scored))
    return dataclasses.replace(splits, test_ids=None)
