"""Skeleton sequences made comparable before encoding: people filled in, centred, oriented.

Sensors and datasets differ in where the origin is (Kinect: the sensor; Human3.6M: the room;
the lifter: the pelvis in camera axes) and which axis is up (Kinect y, Human3.6M z, camera
frames -y). Encoding raw coordinates would make the image depend on those conventions, so
every sequence is first expressed in a frame read off the body itself: the origin at the
pelvis, "up" along the mean pelvis-to-thorax direction, "right" along the mean hip and
shoulder lines. Which of these steps apply is a `SkeletonOptions` field (defaults and the
measurement behind them in BUILD_NOTES.md). The pelvis, thorax, hips and shoulders of any
layout come from its H36M-16 mapping (`datasets.layouts`), so every layout works unchanged.
"""
from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

from datasets.kinematics import bone_lengths, with_bone_lengths
from datasets.layouts import H36M_16, JointLayout, kinematic_bones, mapping_matrix
from spmf.encode import SequenceError


@dataclasses.dataclass(frozen=True)
class SkeletonOptions:
    """How a sequence is normalised before augmentation and encoding.

    Attributes:
      centre: "sequence" subtracts the first person's pelvis averaged over the sequence (the
        trajectory stays: jogging and walking keep their displacement in the motion feature);
        "frame" subtracts each frame's pelvis (only the pose and its change remain); "none"
        keeps the data's origin.
      orientation: "none" keeps the data's axes; "upright" rotates the body's up direction to
        +y (datasets with different up axes, or the lifter's camera frames, then agree);
        "facing" also turns the body about the vertical so that its right is +x, which
        removes the viewpoint about the vertical axis altogether.
      joint_order: the order of each person's joints in the image's rows: "layout" keeps
        the dataset's order; "body_parts" groups them by part (`JointLayout.body_part_order`:
        trunk, arms, legs, each limb from its root out), so that a row, which averages the
        pairs of about one joint and the next, blends joints of one limb.
      bone_lengths: empty keeps the bones as recorded; otherwise a length per bone of the
        layout's tree (`datasets.layouts.kinematic_bones` order, the data's units) that every
        person of every frame is given, directions kept: subjects of another build then draw
        the image of the same movement (Vemulapalli et al., CVPR 2014, give every skeleton
        a reference skeleton's bone lengths for the same reason).
    """

    centre: Literal["sequence", "frame", "none"] = "sequence"
    orientation: Literal["none", "upright", "facing"] = "facing"
    joint_order: Literal["layout", "body_parts"] = "layout"
    bone_lengths: tuple[float, ...] = ()

    def __post_init__(self):
        # a tuple, also when read back from JSON as a list (the options are hashed and compared)
        object.__setattr__(self, "bone_lengths", tuple(float(x) for x in self.bone_lengths))
        if not all(np.isfinite(x) and x > 0 for x in self.bone_lengths):
            raise ValueError(f"bone_lengths must be positive and finite, got {self.bone_lengths}")
        if self.centre not in ("sequence", "frame", "none"):
            raise ValueError(f"centre must be sequence, frame or none, got {self.centre!r}")
        if self.orientation not in ("none", "upright", "facing"):
            raise ValueError("orientation must be none, upright or facing, got "
                             f"{self.orientation!r}")
        if self.joint_order not in ("layout", "body_parts"):
            raise ValueError("joint_order must be layout or body_parts, got "
                             f"{self.joint_order!r}")


def joint_order(layout: JointLayout, people: int, order: str) -> np.ndarray | slice:
    """The joint indices of PEOPLE skeletons of LAYOUT (concatenated) in image-row ORDER
    (`SkeletonOptions.joint_order`), person by person; the layout's own order is the whole
    slice, so that indexing with it copies nothing on the encoder's path."""
    if order == "layout":
        return slice(None)
    single = np.array(layout.body_part_order())
    return np.concatenate([single + person * layout.num_joints for person in range(people)])


def people(joints: np.ndarray, layout: JointLayout, source: str) -> int:
    """How many people of LAYOUT a (T, J, 3) sequence holds (SBU: 2 x 15 joints)."""
    count, extra = divmod(joints.shape[1], layout.num_joints)
    if count == 0 or extra:
        raise SequenceError(source, f"{joints.shape[1]} joints is not a whole number of "
                                    f"{layout.name} skeletons ({layout.num_joints} joints)")
    return count


def _per_person(joints: np.ndarray, layout: JointLayout, source: str) -> np.ndarray:
    """(T, P x J, 3) -> (T, P, J, 3)."""
    return joints.reshape(len(joints), people(joints, layout, source), layout.num_joints, 3)


def fill_missing_people(joints: np.ndarray, layout: JointLayout, source: str) -> np.ndarray:
    """A copy of (T, J, 3) in which a person absent from a frame is filled in.

    Kinect-based datasets write an absent person as all-zero (or non-finite) coordinates.
    Frames where a person is absent take that person's pose linearly interpolated from the
    frames where it is present (held at the ends); a person absent from every frame becomes a
    copy of the first person, so a two-person image of a lone subject shows that subject twice
    instead of distances to an invented body at the origin. A first person absent from every
    frame leaves nothing to encode and is an error.
    """
    per_person = _per_person(joints, layout, source).astype(np.float32)
    count = per_person.shape[1]
    present = np.isfinite(per_person).all(axis=(2, 3)) & np.any(per_person != 0, axis=(2, 3))
    if present.all():
        return joints.astype(np.float32)
    if not present[:, 0].any():
        raise SequenceError(source, "the first person is absent (all zeros) in every frame")
    frames = np.arange(joints.shape[0])
    for person in range(count):
        seen = present[:, person]
        if not seen.any():
            per_person[:, person] = per_person[:, 0]
            continue
        flat = per_person[:, person].reshape(len(frames), -1)
        for column in range(flat.shape[1]):
            flat[~seen, column] = np.interp(frames[~seen], frames[seen], flat[seen, column])
        per_person[:, person] = flat.reshape(len(frames), layout.num_joints, 3)
    return per_person.reshape(joints.shape)


def _h36m_joint(joints: np.ndarray, layout: JointLayout, name: str) -> np.ndarray:
    """(T, 3) position of an H36M-16 joint of the first person, however LAYOUT makes it."""
    weights = mapping_matrix(layout)[H36M_16.index(name)]
    return np.einsum("j,tjd->td", weights, joints[:, :layout.num_joints])


def _unit(vector: np.ndarray, source: str, what: str) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    if norm < 1e-6:
        raise SequenceError(source, f"cannot tell the body's {what} direction (zero length)")
    return vector / norm


def body_axes(joints: np.ndarray, layout: JointLayout, source: str) -> np.ndarray:
    """(3, 3) rows right, up, forward of the first person, averaged over the sequence."""
    up = _unit((_h36m_joint(joints, layout, "Thorax")
                - _h36m_joint(joints, layout, "Hip")).mean(0), source, "up")
    sideways = sum(_h36m_joint(joints, layout, "R" + part) - _h36m_joint(joints, layout, "L" + part)
                   for part in ("Hip", "Shoulder")).mean(0)
    right = _unit(sideways - np.dot(sideways, up) * up, source, "right")
    return np.stack([right, up, np.cross(right, up)])


def upright_rotation(up: np.ndarray) -> np.ndarray:
    """The smallest rotation taking unit vector UP to +y (Rodrigues' formula)."""
    target = np.array([0.0, 1.0, 0.0])
    axis = np.cross(up, target)
    sine, cosine = np.linalg.norm(axis), float(np.dot(up, target))
    if sine < 1e-9:
        return np.eye(3) if cosine > 0 else np.diag([1.0, -1.0, -1.0])
    k = axis / sine
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + sine * cross + (1 - cosine) * cross @ cross


def _given_bone_lengths(joints: np.ndarray, layout: JointLayout, lengths: tuple[float, ...],
                          source: str) -> np.ndarray:
    """(T, J, 3) with every person's bones set to LENGTHS (`SkeletonOptions.bone_lengths`)."""
    tree = kinematic_bones(layout)
    if len(lengths) != len(tree):
        raise SequenceError(source, f"{len(lengths)} bone lengths given, but the "
                                    f"{layout.name} tree has {len(tree)} bones")
    rebuilt = with_bone_lengths(_per_person(joints, layout, source), tree, np.array(lengths))
    return rebuilt.reshape(joints.shape).astype(np.float32)


def reference_bone_lengths(sequences: list[np.ndarray], layout: JointLayout,
                           sources: list[str]) -> tuple[float, ...]:
    """Each bone's length in a reference body: the mean over SEQUENCES (each (T, J, 3), any
    number of people) and their people of the bone's median length over the frames, in
    `kinematic_bones(layout)` order. Taken from a training split, it is what
    `SkeletonOptions.bone_lengths` gives every skeleton, seen in training or not."""
    tree = kinematic_bones(layout)
    medians = [np.median(bone_lengths(_per_person(
                   fill_missing_people(joints, layout, source), layout, source), tree), axis=0)
               for joints, source in zip(sequences, sources)]
    return tuple(float(x) for x in np.concatenate(medians).mean(axis=0))


def normalise(joints: np.ndarray, layout: JointLayout, options: SkeletonOptions,
              source: str) -> np.ndarray:
    """(T, J, 3) -> (T, J, 3) float32: people filled in, centred and oriented per OPTIONS."""
    joints = fill_missing_people(np.asarray(joints), layout, source)
    if options.bone_lengths:
        joints = _given_bone_lengths(joints, layout, options.bone_lengths, source)
    pelvis = _h36m_joint(joints, layout, "Hip")
    if options.centre == "sequence":
        joints = joints - pelvis.mean(0)
    elif options.centre == "frame":
        joints = joints - pelvis[:, None]
    if options.orientation != "none":
        axes = body_axes(joints, layout, source)
        rotation = axes if options.orientation == "facing" else upright_rotation(axes[1])
        joints = joints @ rotation.T
    return joints.astype(np.float32)
