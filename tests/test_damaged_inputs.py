"""Damaged copies of every supported format, generated here from real-shaped data: each one
is a DataFormatError that names the file, never a raw Python or numpy exception."""

import h5py
import numpy as np
import pytest

from datasets import h36m, openpose, sbu
from common.errors import DataFormatError
from lifting.data import LiftingExamples, Normalization

CAMERA_IDS = ("54138969", "55011271", "58860488", "60457274")


def _write_cameras(path, focal=(1145.0, 1144.0), rotation=np.eye(3)):
    with h5py.File(path, "w") as handle:
        for index, name in enumerate(CAMERA_IDS, start=1):
            group = handle.create_group(f"subject9/camera{index}")
            group["R"], group["T"] = np.asarray(rotation).T, np.array([[0.0], [0.0], [5000.0]])
            group["f"], group["c"] = np.array(focal)[:, None], np.array([[512.0], [515.0]])
            group["k"], group["p"] = np.zeros((3, 1)), np.zeros((2, 1))
            group["Name"] = np.array([[float(ord(c))] for c in name])


@pytest.fixture
def release(tmp_path):
    """A one-take Human3.6M release in the npz format, every file well formed."""
    rng = np.random.default_rng(0)
    poses = rng.normal(0, 300, (20, 17, 3)).astype(np.float32)
    np.savez(tmp_path / h36m.NPZ_POSES, **{"S9/Directions 1": poses})
    np.savez(tmp_path / h36m.NPZ_DETECTIONS, **{
        f"S9/Directions_1.{camera}": rng.integers(0, 1000, (20, 16, 2)).astype(np.int16)
        for camera in CAMERA_IDS})
    _write_cameras(tmp_path / h36m.CAMERA_FILE)
    return tmp_path


def _load(folder):
    return h36m.load(folder, subjects=["S9"])


def test_the_well_formed_release_loads(release):
    assert len(_load(release).detections_2d) == 4


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _corrupt_crc(path):
    data = bytearray(path.read_bytes())
    data[60:70] = b"\x00" * 10  # inside the first member's compressed bytes
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [
    _truncate, _corrupt_crc, lambda p: p.write_bytes(b""),
    lambda p: np.save(open(p, "wb"), np.zeros((3, 17, 3))),
    lambda p: p.write_bytes(np.random.default_rng(1).bytes(4096)),
], ids=["truncated", "crc", "empty", "npy_under_npz_name", "random_bytes"])
def test_a_damaged_npz_is_named(release, damage):
    damage(release / h36m.NPZ_POSES)
    with pytest.raises(DataFormatError, match=h36m.NPZ_POSES):
        _load(release)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_non_finite_pose_is_named_with_its_take(release, value):
    poses = np.zeros((20, 17, 3), np.float32)
    poses[7, 3, 1] = value
    np.savez(release / h36m.NPZ_POSES, **{"S9/Directions 1": poses})
    with pytest.raises(DataFormatError, match=r"Directions 1\].*NaN or infinite.*frame 7"):
        _load(release)


def test_complex_poses_are_named_not_cast_to_real(release):
    poses = np.zeros((20, 17, 3), np.complex64) + 1j
    np.savez(release / h36m.NPZ_POSES, **{"S9/Directions 1": poses})
    with pytest.raises(DataFormatError, match=r"Directions 1\].*complex64, not real numbers"):
        _load(release)


def test_detections_of_a_camera_the_subject_does_not_have_are_named(release):
    np.savez(release / h36m.NPZ_DETECTIONS,
             **{"S9/Directions_1.12345": np.zeros((20, 16, 2), np.int16)})
    with pytest.raises(DataFormatError, match=r"Directions_1.12345\].*not one of S9's cameras"):
        _load(release)


def test_a_subject_without_cameras_is_named_with_its_take(release):
    np.savez(release / h36m.NPZ_POSES, **{"S99/Directions 1": np.zeros((20, 17, 3))})
    with pytest.raises(DataFormatError, match=r"S99/Directions 1\].*S99 has no usable cameras"):
        h36m.load(release)


def test_two_spellings_of_one_take_are_an_error(release):
    poses = np.zeros((20, 17, 3), np.float32)
    np.savez(release / h36m.NPZ_POSES, **{"S9/Directions 1": poses, "S9/Directions_1": poses})
    with pytest.raises(DataFormatError, match="appears twice"):
        _load(release)


@pytest.mark.parametrize("cameras, problem", [
    (dict(focal=(np.nan, 1144.0)), "NaN"), (dict(focal=(-3.0, 1144.0)), "not positive"),
    (dict(rotation=np.eye(2)), "shape"), (dict(rotation=np.eye(3) * 2), "not a rotation"),
], ids=["nan_focal", "negative_focal", "2x2_rotation", "not_orthonormal"])
def test_an_impossible_camera_is_named(release, cameras, problem):
    _write_cameras(release / h36m.CAMERA_FILE, **cameras)
    with pytest.raises(DataFormatError, match=f"{h36m.CAMERA_FILE}.*{problem}"):
        _load(release)


def test_an_out_of_range_camera_name_is_named(release):
    with h5py.File(release / h36m.CAMERA_FILE, "a") as handle:
        del handle["subject9/camera1/Name"]
        handle["subject9/camera1/Name"] = np.array([[1e30]])
    with pytest.raises(DataFormatError, match="Name is not a camera name"):
        _load(release)


def _person(confidence=0.9, values=75):
    return {"pose_keypoints_2d": [confidence if i % 3 == 2 else 100.0 + i
                                  for i in range(values)]}


@pytest.mark.parametrize("content, problem", [
    (b"\xff\xfe\x00binary", "not text"),
    ({"people": [_person(), _person(values=54)]}, "one file holds one layout"),
    ({"people": [_person(confidence=float("nan"))]}, "NaN or infinite"),
    ({"people": [_person(confidence=-0.5)]}, r"outside \[0, 1\]"),
    (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
], ids=["binary", "mixed_layouts", "nan", "negative_confidence", "deeply_nested"])
def test_a_damaged_openpose_file_is_named(tmp_path, content, problem):
    import json
    path = tmp_path / "clip_000000000000_keypoints.json"
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    with pytest.raises(DataFormatError, match=f"keypoints.json.*{problem}"):
        openpose.read_people(tmp_path)


@pytest.mark.parametrize("line", ["1,,0.5", "1,0.5 0.2,0.3"], ids=["empty_field", "space"])
def test_a_damaged_sbu_line_is_named_with_its_number(tmp_path, line):
    folder = tmp_path / "s01s02" / "01" / "001"
    folder.mkdir(parents=True)
    good = ",".join(["1"] + ["0.5"] * 90)
    bad = line + "," + ",".join(["0.5"] * (91 - len(line.split(","))))
    (folder / sbu.FILE_NAME).write_text(good + "\n" + bad + "\n")
    with pytest.raises(DataFormatError, match=r"skeleton_pos.txt:2: not a number"):
        sbu.load(tmp_path)


def test_normalisation_statistics_refuse_non_finite_training_data():
    keypoints = np.full((4, 16, 2), 500.0, np.float32)
    poses = np.zeros((4, 16, 3), np.float32)
    poses[2, 5, 0] = np.nan
    examples = LiftingExamples(keypoints, keypoints, poses, np.full(4, 500.0, np.float32),
                               np.zeros(4, np.int32), ("a",))
    with pytest.raises(ValueError, match="3D poses hold NaN"):
        Normalization.fit(examples)
