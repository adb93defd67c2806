"""Joint layouts of every source the project reads, and the one mapping to H36M-16/17.

Every detector and sensor orders its joints differently. The lifter speaks H36M-16 (inputs)
and H36M-17 (outputs), so each layout declares here, once, how each H36M-16 joint is computed
from its own joints: either a joint of the same meaning, or a fixed linear combination where
the layout lacks it (e.g. Hip = mid-hips). Being linear, a mapping is one matrix, so it applies
to 2D pixels, 3D millimetres and whole sequences alike.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from typing import Mapping

import numpy as np


@dataclasses.dataclass(frozen=True)
class JointLayout:
    """An ordered list of joint names; the position of a name is its index in arrays."""

    name: str
    joints: tuple[str, ...]

    @property
    def num_joints(self) -> int:
        return len(self.joints)

    def mirror_indices(self) -> tuple[int, ...]:
        """For each joint, the index of its left/right counterpart (itself on the midline).

        Joints are sided by an "L" or "R" before a capital ("LShoulder") or after a lower-case
        letter ("MouthL"), as every layout here names them; a sided joint without a
        counterpart is an error, not a silent no-op.
        """
        swap = {"L": "R", "R": "L"}

        def counterpart(joint: str) -> str:
            if re.fullmatch(r"[LR][A-Z].*", joint):
                return swap[joint[0]] + joint[1:]
            if re.fullmatch(r".*[a-z][LR]", joint):
                return joint[:-1] + swap[joint[-1]]
            return joint

        return tuple(self.index(counterpart(joint)) for joint in self.joints)

    def limbs(self) -> tuple[tuple[int, tuple[int, ...]], ...]:
        """The four limbs as (root, members): each side's arm hangs from its shoulder (elbow,
        wrist, hand and any finger joints) and leg from its hip (knee, ankle, foot, heel,
        toes), read off the joint names as `mirror_indices` reads sides. A layout that names
        none of them (a face, a hand) has no limbs."""
        stems = {"Shoulder": ("Elbow", "Wrist", "Hand", "Pinky", "Index", "Thumb"),
                 "Hip": ("Knee", "Ankle", "Foot", "Heel", "FootIndex", "BigToe", "SmallToe")}
        found = []
        for side in "LR":
            for root, members in stems.items():
                chain = tuple(self.index(side + m) for m in members
                              if side + m in self.joints)
                if side + root in self.joints and chain:
                    found.append((self.index(side + root), chain))
        return tuple(found)

    def body_part_order(self) -> tuple[int, ...]:
        """Every joint index once, grouped by body part: the trunk (the joints of no limb, in
        the layout's order), then each arm and each leg from its root outwards (left arm,
        right arm, left leg, right leg; `limbs`). A layout without limbs keeps its order.

        Why: an image row of Enhanced-SPMF averages the pairs of about one joint and the next
        in this order, so neighbours should be of one limb, not a left and a right wrist."""
        limbs = sorted(self.limbs(), key=lambda limb: "Hip" in self.joints[limb[0]])
        parts = [(root, *chain) for root, chain in limbs]
        in_limbs = {joint for part in parts for joint in part}
        trunk = tuple(joint for joint in range(self.num_joints) if joint not in in_limbs)
        return trunk + tuple(joint for part in parts for joint in part)

    def index(self, joint: str) -> int:
        try:
            return self.joints.index(joint)
        except ValueError:
            raise KeyError(f"layout {self.name} has no joint {joint!r}") from None


H36M_17 = JointLayout("h36m17", (
    "Hip", "RHip", "RKnee", "RFoot", "LHip", "LKnee", "LFoot", "Spine", "Thorax",
    "Neck/Nose", "Head", "LShoulder", "LElbow", "LWrist", "RShoulder", "RElbow", "RWrist"))

# Indices of H36M-17 in the 32-joint layout of the original Human3.6M / Martinez files.
H36M_32_TO_17 = (0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27)

# Parent of each H36M-17 joint (-1 for the root): used for forward kinematics and drawing.
H36M_17_PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)

H36M_16 = JointLayout("h36m16", tuple(j for j in H36M_17.joints if j != "Neck/Nose"))

# Stacked Hourglass detections on Human3.6M, MPII order, named with H36M's joint names.
SH_16 = JointLayout("sh16", (
    "RFoot", "RKnee", "RHip", "LHip", "LKnee", "LFoot", "Hip", "Spine", "Thorax", "Head",
    "RWrist", "RElbow", "RShoulder", "LShoulder", "LElbow", "LWrist"))

COCO_18 = JointLayout("coco18", (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar"))

BODY_25 = JointLayout("body25", (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar",
    "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel"))

BLAZEPOSE_33 = JointLayout("blazepose33", (
    "Nose", "LEyeInner", "LEye", "LEyeOuter", "REyeInner", "REye", "REyeOuter", "LEar",
    "REar", "MouthL", "MouthR", "LShoulder", "RShoulder", "LElbow", "RElbow", "LWrist",
    "RWrist", "LPinky", "RPinky", "LIndex", "RIndex", "LThumb", "RThumb", "LHip", "RHip",
    "LKnee", "RKnee", "LAnkle", "RAnkle", "LHeel", "RHeel", "LFootIndex", "RFootIndex"))

# MSR Action3D (Kinect v1). Left/right are the SUBJECT's, read off the data rather than the
# commonly quoted list: in the right-arm actions (a01, a03, a05) joint 11 moves about 4x more
# than joint 10, and in the forward kick (a14) joint 17 more than joint 16, so the second joint
# of each pair is the right one (tests/test_msr_action3d.py pins this on the real files).
KINECT_20 = JointLayout("kinect20", (
    "LShoulder", "RShoulder", "Neck", "Spine", "LHip", "RHip", "HipCentre", "LElbow",
    "RElbow", "LWrist", "RWrist", "LHand", "RHand", "LKnee", "RKnee", "LAnkle", "RAnkle",
    "LFoot", "RFoot", "Head"))

SBU_15 = JointLayout("sbu15", (
    "Head", "Neck", "Torso", "LShoulder", "LElbow", "LHand", "RShoulder", "RElbow", "RHand",
    "LHip", "LKnee", "LFoot", "RHip", "RKnee", "RFoot"))

LAYOUTS: Mapping[str, JointLayout] = {layout.name: layout for layout in (
    H36M_17, H36M_16, SH_16, COCO_18, BODY_25, BLAZEPOSE_33, KINECT_20, SBU_15)}

# How each H36M-16 joint is made from a source layout: a joint name, a tuple of names (their
# mean), or {name: weight}. Joints absent from the dict are taken by the same name. Choices
# where a layout lacks the joint (all documented in BUILD_NOTES.md):
#   Hip = mid-hips; Thorax = OpenPose "Neck" (it is the mid-shoulder point) or mid-shoulders;
#   Spine = midpoint of Hip and Thorax; Head (top of head) = mid-ears pushed half the
#   neck-to-ears distance further up; Foot = ankle (H36M's "Foot" joint is the ankle).
_MID_SHOULDERS_HIPS = {"LShoulder": 0.25, "RShoulder": 0.25, "LHip": 0.25, "RHip": 0.25}
_OPENPOSE_TO_H36M = {
    "Hip": ("RHip", "LHip"), "RFoot": "RAnkle", "LFoot": "LAnkle", "Thorax": "Neck",
    "Spine": {"Neck": 0.5, "RHip": 0.25, "LHip": 0.25},
    "Head": {"REar": 0.75, "LEar": 0.75, "Neck": -0.5},
}
_RECIPES: Mapping[str, Mapping[str, object]] = {
    "h36m17": {},
    "h36m16": {},
    "sh16": {},
    "coco18": _OPENPOSE_TO_H36M,
    "body25": {**_OPENPOSE_TO_H36M, "Hip": "MidHip",
               "Spine": {"Neck": 0.5, "MidHip": 0.5}},
    "blazepose33": {
        "Hip": ("RHip", "LHip"), "RFoot": "RAnkle", "LFoot": "LAnkle",
        "Thorax": ("RShoulder", "LShoulder"), "Spine": _MID_SHOULDERS_HIPS,
        "Head": {"REar": 0.75, "LEar": 0.75, "RShoulder": -0.25, "LShoulder": -0.25},
    },
    "kinect20": {"Hip": "HipCentre", "RFoot": "RAnkle", "LFoot": "LAnkle", "Thorax": "Neck"},
    "sbu15": {"Hip": ("RHip", "LHip"), "Spine": "Torso", "Thorax": "Neck",
              "LWrist": "LHand", "RWrist": "RHand"},
}


def _weights(recipe: object, target: str) -> dict[str, float]:
    """Normalises one recipe entry to {source joint: weight}."""
    if recipe is None:
        return {target: 1.0}
    if isinstance(recipe, str):
        return {recipe: 1.0}
    if isinstance(recipe, tuple):
        return {name: 1.0 / len(recipe) for name in recipe}
    return dict(recipe)  # type: ignore[arg-type]


def mapping_matrix(source: JointLayout) -> np.ndarray:
    """The (16, J_source) matrix M with h36m16 = M @ source (rows sum to 1)."""
    recipes = _RECIPES[source.name]
    matrix = np.zeros((H36M_16.num_joints, source.num_joints), np.float32)
    for row, target in enumerate(H36M_16.joints):
        for name, weight in _weights(recipes.get(target), target).items():
            matrix[row, source.index(name)] += weight
    return matrix


def to_h36m16(points: np.ndarray, source: JointLayout) -> np.ndarray:
    """Maps (..., J_source, D) points of any layout to (..., 16, D) in H36M-16 order."""
    points = np.asarray(points)
    if points.shape[-2] != source.num_joints:
        raise ValueError(f"expected {source.num_joints} joints of layout {source.name}, "
                         f"got array of shape {points.shape}")
    matrix = mapping_matrix(source)
    if not np.issubdtype(points.dtype, np.floating):
        points = points.astype(np.float32)
    return np.einsum("tj,...jd->...td", matrix, points).astype(points.dtype)


def h36m17_to_16(points: np.ndarray) -> np.ndarray:
    """Drops Neck/Nose from (..., 17, D) H36M-17 points."""
    return to_h36m16(points, H36M_17)


def bones(parents: tuple[int, ...] = H36M_17_PARENTS) -> tuple[tuple[int, int], ...]:
    """(parent, child) index pairs of a kinematic tree, for drawing skeletons."""
    return tuple((p, c) for c, p in enumerate(parents) if p >= 0)


# Each joint's parent in the kinematic tree of the layouts whose skeletons can be given other
# bone lengths (`spmf.skeleton`): the root is the joint without an entry. A joint's parent is
# the joint it turns about (a hand about its wrist), so that setting a bone's length moves
# only the joints below it.
_TREES: Mapping[str, Mapping[str, str]] = {
    "h36m17": {child: H36M_17.joints[parent] for child, parent in
               zip(H36M_17.joints, H36M_17_PARENTS) if parent >= 0},
    "h36m16": {"RHip": "Hip", "RKnee": "RHip", "RFoot": "RKnee", "LHip": "Hip",
               "LKnee": "LHip", "LFoot": "LKnee", "Spine": "Hip", "Thorax": "Spine",
               "Head": "Thorax", "LShoulder": "Thorax", "LElbow": "LShoulder",
               "LWrist": "LElbow", "RShoulder": "Thorax", "RElbow": "RShoulder",
               "RWrist": "RElbow"},
    "kinect20": {"Spine": "HipCentre", "Neck": "Spine", "Head": "Neck", "LShoulder": "Neck",
                 "RShoulder": "Neck", "LElbow": "LShoulder", "RElbow": "RShoulder",
                 "LWrist": "LElbow", "RWrist": "RElbow", "LHand": "LWrist",
                 "RHand": "RWrist", "LHip": "HipCentre", "RHip": "HipCentre",
                 "LKnee": "LHip", "RKnee": "RHip", "LAnkle": "LKnee", "RAnkle": "RKnee",
                 "LFoot": "LAnkle", "RFoot": "RAnkle"},
    "sbu15": {"Neck": "Torso", "Head": "Neck", "LShoulder": "Neck", "LElbow": "LShoulder",
              "LHand": "LElbow", "RShoulder": "Neck", "RElbow": "RShoulder",
              "RHand": "RElbow", "LHip": "Torso", "LKnee": "LHip", "LFoot": "LKnee",
              "RHip": "Torso", "RKnee": "RHip", "RFoot": "RKnee"},
}


@functools.cache
def kinematic_bones(layout: JointLayout) -> tuple[tuple[int, int], ...]:
    """(parent, child) index pairs of LAYOUT's kinematic tree, every parent placed before its
    children (so that a walk in this order moves a joint after the joint it hangs from)."""
    if layout.name not in _TREES:
        raise ValueError(f"layout {layout.name} has no kinematic tree here; layouts with one: "
                         f"{', '.join(sorted(_TREES))}")
    tree = _TREES[layout.name]
    placed, ordered = {joint for joint in layout.joints if joint not in tree}, []
    while len(ordered) < len(tree):
        ready = [child for child, parent in tree.items()
                 if parent in placed and child not in placed]
        if not ready:
            raise ValueError(f"the tree of {layout.name} does not reach every joint")
        ordered += [(layout.index(tree[child]), layout.index(child)) for child in ready]
        placed.update(ready)
    return tuple(ordered)
