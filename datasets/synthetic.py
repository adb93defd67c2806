"""The embedded default data: procedural human motion that needs no download.

An H36M-17 skeleton with per-subject bone lengths is driven by forward kinematics through eight
parametric actions (wave, clap, punch, kick, squat, jump, bend, walk in place). Each take varies
speed, amplitude, phase, facing direction and position, and adds smooth joint-angle jitter and
marker noise. Four virtual cameras with Human3.6M-like intrinsics and distortion see it; the
"detections" are the projections plus pixel noise, occasional outliers and integer rounding
(like the Stacked Hourglass release). The result has the same structures as the real loaders:
a PoseCorpus for the lifter and a SequenceDataset for action recognition. Deterministic per seed.

Subjects are named like Human3.6M's (S1 S5 S6 S7 S8 train, S9 S11 test) so that every split
and flag that works on the real data works here unchanged.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from datasets.corpus import PoseCorpus, Take
from datasets.geometry import Camera, look_at, project
from datasets.h36m import SUBJECTS
from datasets.layouts import H36M_17, H36M_17_PARENTS, h36m17_to_16
from datasets.sequences import SequenceDataset, SkeletonSequence

# Rest pose of a 1.75 m person: offset of each joint from its parent in the body frame
# (x = subject's left, y = forward, z = up), millimetres, H36M-17 order.
_REST_OFFSETS = np.array([
    [0, 0, 0], [-130, 0, 0], [0, 0, -440], [0, 0, -440], [130, 0, 0], [0, 0, -440],
    [0, 0, -440], [0, 0, 230], [0, 0, 250], [0, 70, 120], [0, -40, 110], [150, 0, -20],
    [0, 0, -280], [0, 0, -250], [-150, 0, -20], [0, 0, -280], [0, 0, -250]], np.float64)
_ANKLE_HEIGHT = 90.0
_J = {name: index for index, name in enumerate(H36M_17.joints)}


def _rot(axis: int, angle: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations by `angle` (radians, shape (T,)) about axis 0=x, 1=y, 2=z."""
    c, s = np.cos(angle), np.sin(angle)
    one, zero = np.ones_like(angle), np.zeros_like(angle)
    rows = {
        0: [[one, zero, zero], [zero, c, -s], [zero, s, c]],
        1: [[c, zero, s], [zero, one, zero], [-s, zero, c]],
        2: [[c, -s, zero], [s, c, zero], [zero, zero, one]],
    }[axis]
    return np.moveaxis(np.array(rows), (0, 1), (-2, -1))


def _deg(value) -> np.ndarray:
    return np.deg2rad(value)


# Sign conventions, in the parent's frame: for a limb hanging down, Rx(+a) swings it forward
# (shoulder/hip flexion, elbow flexion) and Rx(-a) backward (knee flexion); Ry(-a) raises a
# LEFT arm sideways and Ry(+a) a right one; for the upward spine Rx(-a) bends forward.
@dataclasses.dataclass(frozen=True)
class Motion:
    """Local joint rotations (T, 17, 3, 3) and extra root height (T,) of one take."""

    rotations: np.ndarray
    lift: np.ndarray


def _motion(num_frames: int, lift: np.ndarray | None = None, **local: np.ndarray) -> Motion:
    """A Motion with the named joints' local rotations set and all others at rest."""
    rotations = np.tile(np.eye(3), (num_frames, 17, 1, 1))
    for joint, rotation in local.items():
        rotations[:, _J[joint]] = rotation
    return Motion(rotations, np.zeros(num_frames) if lift is None else lift)


def _wave(p: np.ndarray, a: float) -> Motion:
    return _motion(len(p), RShoulder=_rot(1, np.full_like(p, _deg(150 * a))),
                   RElbow=_rot(1, _deg(35 * a) * np.sin(p)))


def _clap(p: np.ndarray, a: float) -> Motion:
    opening = _deg(40 * a) * (0.5 + 0.5 * np.sin(p))
    flex = _rot(0, np.full_like(p, _deg(80)))
    return _motion(len(p), LShoulder=_rot(2, -opening) @ flex,
                   RShoulder=_rot(2, opening) @ flex,
                   LElbow=_rot(0, np.full_like(p, _deg(20))),
                   RElbow=_rot(0, np.full_like(p, _deg(20))))


def _punch(p: np.ndarray, a: float) -> Motion:
    left, right = 0.5 + 0.5 * np.sin(p), 0.5 - 0.5 * np.sin(p)
    return _motion(len(p), LShoulder=_rot(0, _deg(40 + 50 * a * left)),
                   LElbow=_rot(0, _deg(10 + 120 * (1 - left))),
                   RShoulder=_rot(0, _deg(40 + 50 * a * right)),
                   RElbow=_rot(0, _deg(10 + 120 * (1 - right))))


def _kick(p: np.ndarray, a: float) -> Motion:
    reach = np.maximum(0.0, np.sin(p))
    return _motion(len(p), RHip=_rot(0, _deg(75 * a) * reach),
                   RKnee=_rot(0, -_deg(70) * (1 - reach) * (reach > 0)),
                   LShoulder=_rot(1, np.full_like(p, -_deg(15))),
                   RShoulder=_rot(1, np.full_like(p, _deg(15))))


def _squat(p: np.ndarray, a: float) -> Motion:
    depth = a * (0.5 - 0.5 * np.cos(p))
    return _motion(len(p), LHip=_rot(0, _deg(95) * depth), RHip=_rot(0, _deg(95) * depth),
                   LKnee=_rot(0, -_deg(115) * depth), RKnee=_rot(0, -_deg(115) * depth),
                   Spine=_rot(0, -_deg(25) * depth),
                   LShoulder=_rot(0, _deg(85) * depth), RShoulder=_rot(0, _deg(85) * depth))


def _jump(p: np.ndarray, a: float) -> Motion:
    air, crouch = np.maximum(0.0, np.sin(p)), np.maximum(0.0, -np.sin(p))
    return _motion(len(p), lift=250.0 * a * air,
                   LHip=_rot(0, _deg(45) * crouch), RHip=_rot(0, _deg(45) * crouch),
                   LKnee=_rot(0, -_deg(60) * crouch), RKnee=_rot(0, -_deg(60) * crouch),
                   LShoulder=_rot(1, -_deg(70) * air), RShoulder=_rot(1, _deg(70) * air))


def _bend(p: np.ndarray, a: float) -> Motion:
    return _motion(len(p), Spine=_rot(0, -_deg(85 * a) * (0.5 - 0.5 * np.cos(p))))


def _walk(p: np.ndarray, a: float) -> Motion:
    left, right = np.maximum(0.0, np.sin(p)), np.maximum(0.0, -np.sin(p))
    swing = _deg(30 * a) * np.sin(p)
    return _motion(len(p), LHip=_rot(0, _deg(55 * a) * left), RHip=_rot(0, _deg(55 * a) * right),
                   LKnee=_rot(0, -_deg(80 * a) * left), RKnee=_rot(0, -_deg(80 * a) * right),
                   LShoulder=_rot(0, -swing), RShoulder=_rot(0, swing))


# name -> (motion of phase and amplitude, nominal cycles per second)
ACTIONS: dict[str, tuple[Callable[[np.ndarray, float], Motion], float]] = {
    "wave": (_wave, 1.5), "clap": (_clap, 1.6), "punch": (_punch, 1.2),
    "kick": (_kick, 0.8), "squat": (_squat, 0.5), "jump": (_jump, 0.9),
    "bend": (_bend, 0.4), "walk_in_place": (_walk, 0.9),
}
ACTION_NAMES = tuple(ACTIONS)


def forward_kinematics(offsets: np.ndarray, motion: Motion, yaw: float,
                       position: np.ndarray) -> np.ndarray:
    """(T, 17, 3) world positions from bone offsets, local rotations and placement.

    The body is turned by `yaw` about the vertical, placed at `position` on the floor, and
    lifted so that the lower ankle rests at ankle height (plus the motion's own lift).
    """
    num_frames = motion.rotations.shape[0]
    facing = _rot(2, np.full(num_frames, yaw))
    global_rot = np.empty_like(motion.rotations)
    points = np.zeros((num_frames, 17, 3))
    global_rot[:, 0] = facing @ motion.rotations[:, 0]
    for joint in range(1, 17):
        parent = H36M_17_PARENTS[joint]
        points[:, joint] = points[:, parent] + global_rot[:, parent] @ offsets[joint]
        global_rot[:, joint] = global_rot[:, parent] @ motion.rotations[:, joint]
    lowest_ankle = np.minimum(points[:, _J["RFoot"], 2], points[:, _J["LFoot"], 2])
    points[..., 2] += (_ANKLE_HEIGHT - lowest_ankle + motion.lift)[:, None]
    points[..., :2] += position[:2]
    return points


def _jitter(rng: np.random.Generator, num_frames: int, degrees: float) -> np.ndarray:
    """(T, 17, 3, 3) smooth small random rotations: two random sinusoids per joint axis."""
    t = np.arange(num_frames)[:, None, None]
    freq = rng.uniform(0.01, 0.05, (2, 17, 3))
    phase = rng.uniform(0, 2 * np.pi, (2, 17, 3))
    angles = _deg(degrees) * 0.5 * sum(np.sin(2 * np.pi * freq[i] * t + phase[i])
                                       for i in range(2))
    return (_rot(0, angles[..., 0]) @ _rot(1, angles[..., 1]) @ _rot(2, angles[..., 2]))


def virtual_cameras(rng: np.random.Generator) -> tuple[Camera, ...]:
    """Four cameras around the capture space, with Human3.6M-like intrinsics."""
    cameras = []
    for index, yaw in enumerate(np.deg2rad([45.0, 135.0, 225.0, 315.0]) + rng.normal(0, 0.05, 4)):
        radius, height = rng.uniform(4500, 5500), rng.uniform(1300, 1800)
        eye = np.array([radius * np.cos(yaw), radius * np.sin(yaw), height])
        cameras.append(Camera(
            name=f"virtual{index + 1}", rotation=look_at(eye, np.array([0.0, 0.0, 900.0])),
            translation=eye, focal=rng.normal(1145.0, 2.0, 2), center=rng.normal(512, 3, 2),
            radial=np.array([-0.2, 0.24, -0.002]) + rng.normal(0, 0.005, 3),
            tangential=rng.normal(0, 0.001, 2), resolution=(1000, 1000)))
    return tuple(cameras)


def _subject_offsets(rng: np.random.Generator) -> np.ndarray:
    return _REST_OFFSETS * rng.uniform(0.9, 1.1) * rng.uniform(0.96, 1.04, (17, 1))


def _take_poses(rng: np.random.Generator, action: str, offsets: np.ndarray, num_frames: int,
                fps: float) -> np.ndarray:
    motion_fn, cycles_per_second = ACTIONS[action]
    speed = cycles_per_second * rng.uniform(0.7, 1.3)
    phase = 2 * np.pi * speed * np.arange(num_frames) / fps + rng.uniform(0, 2 * np.pi)
    motion = motion_fn(phase, float(rng.uniform(0.75, 1.15)))
    motion = dataclasses.replace(motion, rotations=motion.rotations @ _jitter(rng, num_frames, 4))
    poses = forward_kinematics(offsets, motion, yaw=rng.uniform(-np.pi, np.pi),
                               position=rng.uniform(-500, 500, 3))
    return (poses + rng.normal(0, 5.0, poses.shape)).astype(np.float32)


def _detect(rng: np.random.Generator, pixels: np.ndarray) -> np.ndarray:
    """Simulated detector: Gaussian pixel noise, 3% outliers, integer rounding."""
    noisy = pixels + rng.normal(0, 4.0, pixels.shape)
    outliers = rng.random(pixels.shape[:-1]) < 0.03
    noisy[outliers] += rng.normal(0, 25.0, (int(outliers.sum()), 2))
    return np.round(noisy).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class SyntheticData:
    """The same data twice: as a lifting corpus and as labelled sequences."""

    corpus: PoseCorpus
    sequences: SequenceDataset


def generate(seed: int = 0, takes_per_action: int = 2, num_frames: int = 100,
             fps: float = 50.0, subjects: tuple[str, ...] = SUBJECTS) -> SyntheticData:
    """Generates every subject performing every action `takes_per_action` times."""
    rng = np.random.default_rng(seed)
    cameras = virtual_cameras(rng)
    corpus = PoseCorpus({}, {}, {}, detector="synthetic")
    sequences = []
    for subject in subjects:
        offsets = _subject_offsets(rng)
        corpus.cameras[subject] = cameras
        for label, action in enumerate(ACTION_NAMES):
            for number in range(1, takes_per_action + 1):
                take = Take(subject=subject, name=f"{action} {number}", action=action)
                poses = _take_poses(rng, action, offsets, num_frames, fps)
                corpus.poses_3d[take] = poses
                for camera in cameras:
                    corpus.detections_2d[(take, camera.name)] = _detect(
                        rng, h36m17_to_16(project(poses, camera)))
                sequences.append(SkeletonSequence(
                    joints=poses, label=label, subject=int(subject.lstrip("S")),
                    source=f"synthetic:{seed}/{take}"))
    dataset = SequenceDataset(name="synthetic", layout=H36M_17, class_names=ACTION_NAMES,
                              sequences=tuple(sequences), frame_rate_hz=fps)
    return SyntheticData(corpus=corpus, sequences=dataset)
