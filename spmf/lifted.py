"""Lifted skeletons: a dataset's 2D joints -> H36M-16 pixels -> the lifter -> H36M-17 mm.

The paper's unified protocol recognises actions from PREDICTED 3D poses. Each skeleton dataset
has a 2D form of its sequences:
  msr_action3d  the released screen joints (`MSRAction3DSkeleton(20joints)`, 320 x 240), which
                are mirrored (BUILD_NOTES.md, "Layouts"): u -> 320 - u before lifting;
  sbu           the released normalised x, y of a 640 x 480 image (x grows against the
                sensor's mirrored X, so it is already the camera's view: u = 640 x, v = 480 y);
  synthetic     the 3D poses projected through the first virtual camera.
Every sequence of the dataset is lifted in one batched call (a few graph calls in all, not
one per frame), and each person of a two-person sequence separately. The lifter's 17 joints
are what the classifier sees: joints the lifter does not produce are not invented.
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np
from absl import logging

from datasets import msr_action3d, sbu, synthetic
from datasets.geometry import project
from datasets.layouts import H36M_16, H36M_17, h36m17_to_16, to_h36m16
from datasets.sequences import SequenceDataset
from lifting.deployed import DeployedLifter

MSR_IMAGE_WIDTH = 320
SBU_IMAGE_SIZE = (640, 480)
SKELETON_SOURCES = ("sensor", "lifted")


def keypoints_2d(name: str, data_dir: str | None, seed: int = 0) -> SequenceDataset:
    """Dataset NAME's sequences as (T, P x 16, 2) H36M-16 pixels, P people per sequence."""
    if name == "msr_action3d":
        dataset = msr_action3d.load(data_dir, "2d")
        return _to_h36m16(dataset, lambda joints: _unmirrored(joints, MSR_IMAGE_WIDTH))
    if name == "sbu":
        dataset = sbu.load(data_dir, metric=False)
        return _to_h36m16(dataset, lambda joints: joints[..., :2] * np.float32(SBU_IMAGE_SIZE))
    if name == "synthetic":
        generated = synthetic.generate(seed)
        camera = generated.corpus.cameras[generated.corpus.subjects[0]][0]
        sequences = tuple(dataclasses.replace(s, joints=h36m17_to_16(project(s.joints, camera))
                                              .astype(np.float32))
                          for s in generated.sequences.sequences)
        return dataclasses.replace(generated.sequences, layout=H36M_16, sequences=sequences,
                                   units="px")
    raise ValueError(f"no 2D form of dataset {name!r}")


def _unmirrored(joints: np.ndarray, width: int) -> np.ndarray:
    return np.stack([width - joints[..., 0], joints[..., 1]], axis=-1)


def _to_h36m16(dataset: SequenceDataset, to_pixels) -> SequenceDataset:
    layout = dataset.layout
    sequences = []
    for sequence in dataset.sequences:
        frames = sequence.joints.shape[0]
        people = sequence.joints.reshape(frames, -1, layout.num_joints,
                                         sequence.joints.shape[-1])
        mapped = to_h36m16(to_pixels(people.astype(np.float32)), layout)
        sequences.append(dataclasses.replace(
            sequence, joints=mapped.reshape(frames, -1, 2), confidence=None))
    return dataclasses.replace(dataset, layout=H36M_16, sequences=tuple(sequences), units="px")


def lift_dataset(dataset_2d: SequenceDataset, lifter: DeployedLifter) -> SequenceDataset:
    """Every sequence of DATASET_2D (H36M-16 pixels) lifted: (T, P x 17, 3) mm, H36M-17."""
    if dataset_2d.layout != H36M_16:
        raise ValueError(f"lifting needs H36M-16 keypoints, {dataset_2d.name} is in "
                         f"{dataset_2d.layout.name}")
    started = time.perf_counter()
    frames = [s.joints.reshape(-1, H36M_16.num_joints, 2) for s in dataset_2d.sequences]
    poses = lifter.lift(np.concatenate(frames)) if frames else np.zeros((0, 17, 3), np.float32)
    sequences, offset = [], 0
    for sequence, rows in zip(dataset_2d.sequences, frames):
        lifted = poses[offset:offset + len(rows)].reshape(sequence.num_frames, -1, 3)
        offset += len(rows)
        sequences.append(dataclasses.replace(sequence, joints=lifted))
    logging.info("lifted %d frames of %d sequences in %.1f s with %s", len(poses),
                 len(sequences), time.perf_counter() - started, lifter.source)
    return dataclasses.replace(dataset_2d, name=f"{dataset_2d.name}_lifted", layout=H36M_17,
                               sequences=tuple(sequences), units="mm")


def lifted_sequences(name: str, data_dir: str | None, lifter_path: str | None,
                     seed: int = 0) -> SequenceDataset:
    """Dataset NAME with its 3D joints predicted from its 2D joints by the lifter at
    LIFTER_PATH (the shipped pretrained lifter when None)."""
    return lift_dataset(keypoints_2d(name, data_dir, seed), DeployedLifter.load(lifter_path))

