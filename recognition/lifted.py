"""Lifted skeletons: a dataset's 2D joints -> H36M-16 pixels -> the lifter -> H36M-17 mm.

The paper's unified protocol recognises actions from PREDICTED 3D poses. Each skeleton dataset
has a 2D form of its sequences:
  msr_action3d  the released screen joints (`MSRAction3DSkeleton(20joints)`, 320 x 240), which
                are mirrored (BUILD_NOTES.md, "Layouts"): u -> 320 - u before lifting;
  sbu           the released normalised x, y of a 640 x 480 image (x grows against the
                sensor's mirrored X, so it is already the camera's view: u = 640 x, v = 480 y);
  synthetic     the 3D poses projected through the first virtual camera.
Every sequence of the dataset is lifted in one batched call (a few graph calls in all, not
one per frame), and each person of a two-person sequence separately, then placed beside the
other from their 2D (`recognition.pair_placement`; SBU's 640 x 480 image, focal length 640
px). The lifter's 17 joints are what the classifier sees: joints the lifter does not produce
are not invented.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import time

import numpy as np
from absl import logging

from datasets import msr_action3d, sbu, synthetic
from datasets.geometry import project
from datasets.layouts import H36M_16, H36M_17, KINECT_20, h36m17_to_16, to_h36m16
from datasets.sequences import SequenceDataset
from datasets.skeleton_drawing import skeleton_3d_image, write_png
from lifting.bone_lengths import rigid_bones
from lifting.deployed import DeployedLifter
from recognition.pair_placement import place_people

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


def _lifted_people(people_2d: list[np.ndarray], lifter: DeployedLifter,
                   fps: float | None) -> list[np.ndarray]:
    """(T, P, 17, 3) mm per (T, P, 16, 2) sequence of PEOPLE_2D: a frame lifter's in one
    batched call over every frame of the dataset, a temporal one's person by person (each
    person's frames in order are one track, seen at the rate it learnt from when FPS, the
    sequences' rate, is known)."""
    if lifter.temporal:
        return [np.stack([lifter.lift(people[:, person], fps)
                          for person in range(people.shape[1])], axis=1)
                for people in people_2d]
    if not people_2d:
        return []
    poses = lifter.lift(np.concatenate([people.reshape(-1, *people.shape[2:])
                                        for people in people_2d]))
    ends = np.cumsum([people.shape[0] * people.shape[1] for people in people_2d])
    return [rows.reshape(*people.shape[:2], 17, 3)
            for people, rows in zip(people_2d, np.split(poses, ends[:-1]))]


def lift_dataset(dataset_2d: SequenceDataset, lifter: DeployedLifter,
                 focal_px: float | None = None, rigid: bool = False) -> SequenceDataset:
    """Every sequence of DATASET_2D (H36M-16 pixels) lifted: (T, P x 17, 3) mm, H36M-17; with
    RIGID, each person's bones set to one length over the sequence (as `pipeline.run` shows
    and classifies them); with FOCAL_PX, the people of a several-person sequence placed in
    one frame of reference from their 2D (`recognition.pair_placement`), else each relative
    to their own hip."""
    if dataset_2d.layout != H36M_16:
        raise ValueError(f"lifting needs H36M-16 keypoints, {dataset_2d.name} is in "
                         f"{dataset_2d.layout.name}")
    started = time.perf_counter()
    people_2d = [s.joints.reshape(s.num_frames, -1, H36M_16.num_joints, 2)
                 for s in dataset_2d.sequences]
    sequences = []
    for sequence, keypoints, lifted in zip(dataset_2d.sequences, people_2d,
                                           _lifted_people(people_2d, lifter,
                                                          dataset_2d.frame_rate_hz)):
        if rigid:
            lifted = np.stack([rigid_bones(lifted[:, person])
                               for person in range(lifted.shape[1])], axis=1)
        if focal_px:
            lifted = place_people(lifted, keypoints, focal_px)
        sequences.append(dataclasses.replace(
            sequence, joints=lifted.reshape(sequence.num_frames, -1, 3)))
    logging.info("lifted %d frames of %d sequences in %.1f s with %s",
                 sum(s.num_frames for s in sequences), len(sequences),
                 time.perf_counter() - started, lifter.source)
    return dataclasses.replace(dataset_2d, name=f"{dataset_2d.name}_lifted", layout=H36M_17,
                               sequences=tuple(sequences), units="mm")


def _h36m17_from_16(points: np.ndarray) -> np.ndarray:
    """(..., 16, 3) -> (..., 17, 3) with Neck/Nose halfway from Thorax to Head (for drawing)."""
    thorax, head = H36M_16.index("Thorax"), H36M_16.index("Head")
    neck = (points[..., thorax, :] + points[..., head, :]) / 2
    return np.insert(points, H36M_17.index("Neck/Nose"), neck, axis=-2)


def msr_sensor_in_camera_view(joints: np.ndarray) -> np.ndarray:
    """MSR Action3D's (T, 20, 3) sensor mm -> (T, 17, 3) H36M-17 in the lifter's camera frame
    (x right, y down, root at the origin): the sensor's x is mirrored like its screen joints
    and its y points up."""
    mapped = _h36m17_from_16(to_h36m16(joints, KINECT_20))
    camera = mapped * np.float32([-1, -1, 1])
    return camera - camera[:, :1]


def take_name(source: str) -> str:
    """aAA_sSS_eEE of an MSR Action3D file, the same for its 2D and 3D files."""
    return os.path.basename(source)[:11]


def draw_lifted_against_sensor(sensor: SequenceDataset, lifted: SequenceDataset, path: str,
                               count: int = 4) -> None:
    """A picture of COUNT sequences' middle frames: the sensor's skeleton above, the lifted
    one below, from the same fixed viewpoint (MSR Action3D, whose sensor 3D is known)."""
    by_take = {take_name(s.source): s for s in sensor.sequences}
    pairs = []
    for sequence in lifted.sequences:
        match = by_take.get(take_name(sequence.source))
        if match is not None and len(pairs) < count and sequence.label % 5 == len(pairs) % 5:
            pairs.append((match, sequence))
    columns = []
    for truth, lifted_sequence in pairs:
        middle = min(truth.num_frames, lifted_sequence.num_frames) // 2
        name = lifted.class_names[lifted_sequence.label]
        columns.append(np.concatenate([
            skeleton_3d_image(msr_sensor_in_camera_view(truth.joints[middle:middle + 1])[0], 320,
                              f"sensor: {name}"),
            skeleton_3d_image(lifted_sequence.joints[middle], 320, "lifted")], axis=0))
    if columns:
        write_png(path, np.concatenate(columns, axis=1))


def source_lifter(lifter_path: str | None) -> DeployedLifter:
    """The lifter at LIFTER_PATH, or when None the shipped frame lifter: recipes that name
    no lifter were trained on its poses, whatever the deployed default, so a run that
    recorded no lifter means that one. Loaded once per folder and process: the lifting and
    the classifier's description of which lifter it learnt from share the load."""
    return _load_lifter(os.path.realpath(lifter_path) if lifter_path else None)


@functools.lru_cache(maxsize=4)
def _load_lifter(lifter_path: str | None) -> DeployedLifter:
    return DeployedLifter.load(lifter_path, kind="frame")


def lifted_sequences(name: str, data_dir: str | None, lifter_path: str | None,
                     seed: int = 0, rigid: bool = False) -> SequenceDataset:
    """Dataset NAME with its 3D joints predicted from its 2D joints by `source_lifter`
    (with RIGID, bones of one length per person and sequence)."""
    lifter = source_lifter(lifter_path)
    return lift_dataset(keypoints_2d(name, data_dir, seed), lifter,
                        focal_px=max(SBU_IMAGE_SIZE) if name == "sbu" else None, rigid=rigid)

