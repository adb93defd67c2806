"""Human3.6M: the camera file, the compact npz release and the original Martinez h5 tree.

Both release formats become one PoseCorpus. Take names are canonicalised on arrival
("Directions_1" and "Directions 1" are the same take; "TakingPhoto" is "Photo"), and the action
of a take is its name without the take number, compared exactly, so "Sitting" never swallows
"SittingDown".
"""
from __future__ import annotations

import glob
import os
import re
import zipfile
from typing import Iterable

import h5py
import numpy as np

from datasets.corpus import PoseCorpus, Take
from common.errors import DataFormatError, require_dir, require_file
from datasets.geometry import Camera
from datasets.layouts import H36M_32_TO_17, SH_16, to_h36m16
from datasets.sequences import Skipped

ACTIONS = ("Directions", "Discussion", "Eating", "Greeting", "Phoning", "Photo", "Posing",
           "Purchases", "Sitting", "SittingDown", "Smoking", "Waiting", "WalkDog", "Walking",
           "WalkTogether")
# Names the same actions carry in other releases of the data.
_ACTION_ALIASES = {"TakingPhoto": "Photo", "WalkingDog": "WalkDog",
                   "WalkingTogether": "WalkTogether"}
# the rate of the released poses and detections (the cameras record at 50 Hz)
FRAME_RATE_HZ = 50.0
SUBJECTS = ("S1", "S5", "S6", "S7", "S8", "S9", "S11")
TRAIN_SUBJECTS = ("S1", "S5", "S6", "S7", "S8")
TEST_SUBJECTS = ("S9", "S11")
# Image sizes of the four Human3.6M cameras (width, height); not stored in cameras.h5.
_RESOLUTIONS = {"54138969": (1000, 1002), "55011271": (1000, 1000),
                "58860488": (1000, 1000), "60457274": (1000, 1002)}

NPZ_POSES = "positions_3d_17j.npz"
NPZ_DETECTIONS = "sh_detections_2d.npz"
CAMERA_FILE = "cameras.h5"
_TAKE_PATTERN = re.compile(r"^(?P<action>[A-Za-z]+)(?:[ _](?P<number>\d+))?$")


def parse_take(subject: str, raw_name: str, source: str) -> Take:
    """Canonical Take from a raw name such as "Directions_1", "Directions 1" or "TakingPhoto"."""
    match = _TAKE_PATTERN.match(raw_name.strip())
    if not match:
        raise DataFormatError(source, f"cannot parse take name {raw_name!r}")
    action = _ACTION_ALIASES.get(match["action"], match["action"])
    if action not in ACTIONS:
        raise DataFormatError(source, f"unknown Human3.6M action {match['action']!r}")
    name = action if match["number"] is None else f"{action} {match['number']}"
    return Take(subject=subject, name=name, action=action)


def _decode_name(codes: np.ndarray) -> str:
    return "".join(chr(int(code)) for code in np.ravel(codes))


def subject_split(selection_subject: str = "") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(training, validation) subjects: S1 S5 S6 S7 S8 against S9 S11, or, given one training
    subject, the other four against it.

    The second form is a selection split: a lever is judged on a held-out training subject,
    so the test subjects are scored once, for the choice already made.
    """
    if not selection_subject:
        return TRAIN_SUBJECTS, TEST_SUBJECTS
    if selection_subject not in TRAIN_SUBJECTS:
        raise ValueError(f"the selection subject must be one of the training subjects "
                         f"{' '.join(TRAIN_SUBJECTS)}, got {selection_subject!r}")
    return (tuple(s for s in TRAIN_SUBJECTS if s != selection_subject), (selection_subject,))


def load_cameras(path: str | os.PathLike, subjects: Iterable[str] = SUBJECTS
                 ) -> dict[str, tuple[Camera, ...]]:
    """Reads cameras.h5: subject -> its four cameras (R un-transposed, see Camera)."""
    path = require_file(path)
    cameras: dict[str, tuple[Camera, ...]] = {}
    try:
        with h5py.File(path, "r") as handle:
            for subject in subjects:
                group_name = f"subject{subject.lstrip('S')}"
                if group_name not in handle:
                    raise DataFormatError(path, f"no group {group_name}")
                cameras[subject] = tuple(
                    _read_camera(handle[group_name][f"camera{index}"])
                    for index in range(1, 5))
    except (OSError, KeyError) as error:
        raise DataFormatError(path, f"not a Human3.6M camera file ({error})") from None
    return cameras


def _read_camera(group: h5py.Group) -> Camera:
    try:
        name = _decode_name(group["Name"][:])
    except (OverflowError, ValueError, TypeError):
        raise DataFormatError(group.file.filename, f"{group.name}/Name is not a camera "
                                                   "name") from None
    camera = Camera(
        name=name,
        rotation=np.asarray(group["R"][:], np.float64).T,
        translation=np.asarray(group["T"][:], np.float64).ravel(),
        focal=np.asarray(group["f"][:], np.float64).ravel(),
        center=np.asarray(group["c"][:], np.float64).ravel(),
        radial=np.asarray(group["k"][:], np.float64).ravel(),
        tangential=np.asarray(group["p"][:], np.float64).ravel(),
        resolution=_RESOLUTIONS.get(name, (1000, 1000)),
    )
    _check_camera(camera, f"{group.file.filename}[{group.name}]")
    return camera


def _check_camera(camera: Camera, source: str) -> None:
    """A rotation that is 3 x 3 and orthonormal, a positive focal length, finite values."""
    shapes = {"R": (camera.rotation, (3, 3)), "T": (camera.translation, (3,)),
              "f": (camera.focal, (2,)), "c": (camera.center, (2,)),
              "k": (camera.radial, (3,)), "p": (camera.tangential, (2,))}
    for key, (values, shape) in shapes.items():
        if values.shape != shape:
            raise DataFormatError(source, f"{key} has shape {values.shape}, expected {shape}")
        if not np.isfinite(values).all():
            raise DataFormatError(source, f"{key} holds NaN or infinite values")
    if not np.allclose(camera.rotation @ camera.rotation.T, np.eye(3), atol=1e-3):
        raise DataFormatError(source, "R is not a rotation (not orthonormal)")
    if (camera.focal <= 0).any():
        raise DataFormatError(source, f"focal length {camera.focal.tolist()} is not positive")


def _check_pose_array(array: np.ndarray, shape_tail: tuple[int, ...], source: str) -> None:
    if array.ndim != len(shape_tail) + 1 or array.shape[1:] != shape_tail:
        raise DataFormatError(source, f"expected shape (T, {', '.join(map(str, shape_tail))}), "
                                      f"got {array.shape}")
    if array.shape[0] == 0:
        raise DataFormatError(source, "take has no frames")
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise DataFormatError(source, f"values of type {array.dtype}, not real numbers")
    bad = ~np.isfinite(array)
    if bad.any():
        frame = int(np.argwhere(bad)[0][0])
        raise DataFormatError(source, f"{int(bad.sum())} values are NaN or infinite (first in "
                                      f"frame {frame})")


def _store_take(corpus: PoseCorpus, take: Take, poses: np.ndarray, source: str) -> None:
    """Adds a take's 3D poses; two spellings of one take ("Directions 1", "Directions_1")
    are an error, not a silent overwrite."""
    if take in corpus.poses_3d:
        raise DataFormatError(source, f"take {take} appears twice (two spellings of one name)")
    corpus.poses_3d[take] = poses.astype(np.float32)


def _add_detection(corpus: PoseCorpus, take: Take, camera: str, sh16: np.ndarray,
                   source: str) -> None:
    """Stores one camera's SH-16 detections in H36M-16 order after checking frame counts."""
    _check_pose_array(sh16, (16, 2), source)
    known = [c.name for c in corpus.cameras.get(take.subject, ())]
    if known and camera not in known:
        raise DataFormatError(source, f"camera {camera!r} is not one of {take.subject}'s "
                                      f"cameras ({', '.join(known)})")
    if take not in corpus.poses_3d:
        corpus.skipped.append(Skipped(source, f"no 3D poses for take {take}"))
        return
    frames = corpus.poses_3d[take].shape[0]
    if (take, camera) in corpus.detections_2d:
        raise DataFormatError(source, f"detections of take {take}, camera {camera} appear twice")
    if sh16.shape[0] != frames:
        raise DataFormatError(source, f"{sh16.shape[0]} detected frames but {frames} 3D frames")
    corpus.detections_2d[(take, camera)] = to_h36m16(sh16.astype(np.float32), SH_16)


def _report_missing_cameras(corpus: PoseCorpus) -> None:
    """Records every (take, camera) that has 3D poses but no detections."""
    for take in sorted(corpus.poses_3d):
        for camera in corpus.cameras.get(take.subject, ()):
            if (take, camera.name) not in corpus.detections_2d:
                corpus.skipped.append(Skipped(f"{take}.{camera.name}",
                                              "no 2D detections for this camera"))


def _wanted(subject: str, subjects: Iterable[str] | None) -> bool:
    return subjects is None or subject in subjects


def load_npz(data_dir: str | os.PathLike, subjects: Iterable[str] | None = None,
             cameras_path: str | os.PathLike | None = None) -> PoseCorpus:
    """Loads the compact release: positions_3d_17j.npz, sh_detections_2d.npz, cameras.h5."""
    data_dir = require_dir(data_dir)
    subjects = tuple(subjects) if subjects is not None else None
    cameras_path = require_file(cameras_path or os.path.join(data_dir, CAMERA_FILE))
    corpus = PoseCorpus({}, {}, {}, detector="stacked_hourglass")
    poses_path = require_file(os.path.join(data_dir, NPZ_POSES))
    for key, array in _npz_items(poses_path, subjects):
        subject, raw_take = key.split("/", 1)
        source = f"{poses_path}[{key}]"
        if subject not in corpus.cameras:  # the subjects the release holds, as it names them
            corpus.cameras.update(_cameras_of(subject, cameras_path, source))
        _check_pose_array(array, (17, 3), source)
        _store_take(corpus, parse_take(subject, raw_take, source), array, source)
    detections_path = require_file(os.path.join(data_dir, NPZ_DETECTIONS))
    for key, array in _npz_items(detections_path, subjects):
        subject, rest = key.split("/", 1)
        raw_take, _, camera = rest.rpartition(".")
        source = f"{detections_path}[{key}]"
        _add_detection(corpus, parse_take(subject, raw_take, source), camera, array, source)
    _report_missing_cameras(corpus)
    return corpus


def _cameras_of(subject: str, cameras_path: str, source: str) -> dict[str, tuple[Camera, ...]]:
    """SUBJECT's cameras, or an error naming the take that needs them and the camera file."""
    try:
        return load_cameras(cameras_path, [subject])
    except DataFormatError as error:
        raise DataFormatError(source, f"subject {subject} has no usable cameras: "
                                      f"{error}") from None


def _npz_items(path: str, subjects: tuple[str, ...] | None):
    """Yields (key, array) of an npz archive for the wanted subjects; never unpickles."""
    with open(path, "rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            raise DataFormatError(path, "not an npz archive (no zip signature: empty, an .npy "
                                        "or another format under an npz name)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            for key in archive.files:
                if "/" not in key:
                    raise DataFormatError(path, f"key {key!r} is not '<subject>/<take>'")
                if _wanted(key.split("/", 1)[0], subjects):
                    yield key, archive[key]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        if isinstance(error, DataFormatError):
            raise
        raise DataFormatError(path, f"not a readable npz archive, truncated or corrupt "
                                    f"({type(error).__name__}: {error})") from None


def _read_h5_dataset(path: str, dataset: str) -> np.ndarray:
    try:
        with h5py.File(path, "r") as handle:
            return np.asarray(handle[dataset][:])
    except (OSError, KeyError) as error:
        raise DataFormatError(path, f"cannot read dataset {dataset!r} ({error})") from None


def load_martinez_tree(data_dir: str | os.PathLike, subjects: Iterable[str] | None = None,
                       cameras_path: str | os.PathLike | None = None) -> PoseCorpus:
    """Loads the original release: S*/MyPoses/3D_positions/*.h5, S*/StackedHourglass/*.h5.

    The 3D files hold the 32-joint layout as (96, T); we keep the 17 joints the lifter uses.
    Cameras come from `cameras_path` (default DATA_DIR/cameras.h5); without them the corpus
    has no cameras, which is recorded in `skipped`.
    """
    data_dir = require_dir(data_dir)
    subject_dirs = sorted(d for d in glob.glob(os.path.join(data_dir, "S*"))
                          if os.path.isdir(d) and _wanted(os.path.basename(d), subjects))
    if not subject_dirs:
        raise DataFormatError(data_dir, "no subject folders S* found")
    found = tuple(os.path.basename(d) for d in subject_dirs)
    cameras_path = cameras_path or os.path.join(data_dir, CAMERA_FILE)
    corpus = PoseCorpus({}, {}, {}, detector="stacked_hourglass")
    if os.path.isfile(cameras_path):
        corpus.cameras = load_cameras(cameras_path, found)
    else:
        corpus.skipped.append(Skipped(os.fspath(cameras_path), "camera file not found"))
    for subject_dir in subject_dirs:
        subject = os.path.basename(subject_dir)
        for path in sorted(glob.glob(os.path.join(subject_dir, "MyPoses", "3D_positions",
                                                  "*.h5"))):
            raw = _read_h5_dataset(path, "3D_positions")
            if raw.ndim != 2 or raw.shape[0] != 96:
                raise DataFormatError(path, f"expected (96, T) positions, got {raw.shape}")
            poses = raw.T.reshape(-1, 32, 3)[:, H36M_32_TO_17].astype(np.float32)
            take_name = os.path.splitext(os.path.basename(path))[0]
            _check_pose_array(poses, (17, 3), path)
            _store_take(corpus, parse_take(subject, take_name, path), poses, path)
        for path in sorted(glob.glob(os.path.join(subject_dir, "StackedHourglass", "*.h5"))):
            stem = os.path.splitext(os.path.basename(path))[0]
            raw_take, _, camera = stem.rpartition(".")
            _add_detection(corpus, parse_take(subject, raw_take, path), camera,
                           _read_h5_dataset(path, "poses"), path)
    _report_missing_cameras(corpus)
    return corpus


def load(data_dir: str | os.PathLike, subjects: Iterable[str] | None = None,
         cameras_path: str | os.PathLike | None = None) -> PoseCorpus:
    """Loads whichever release DATA_DIR holds (npz files first, else the Martinez tree)."""
    data_dir = require_dir(data_dir)
    if os.path.isfile(os.path.join(data_dir, NPZ_POSES)):
        return load_npz(data_dir, subjects, cameras_path)
    return load_martinez_tree(data_dir, subjects, cameras_path)
