import time

import numpy as np
import pytest

from datasets import msr_action3d
from common.errors import DataFormatError
from datasets.layouts import KINECT_20


def _write_sequence(folder, name, frames, columns=4):
    rows = np.asarray(frames, np.float64).reshape(-1, columns)
    (folder / name).write_text("\n".join(" ".join(f"{v:.6f}" for v in r) for r in rows) + "\n")


def test_fixture_folder_skips_degenerate_and_converts_to_mm(tmp_path, caplog):
    rng = np.random.default_rng(0)
    _write_sequence(tmp_path, "a01_s01_e01_skeleton3D.txt", rng.normal(size=(3, 20, 4)))
    _write_sequence(tmp_path, "a02_s02_e01_skeleton3D.txt", np.zeros((3, 20, 4)))
    _write_sequence(tmp_path, "a03_s03_e01_skeleton3D.txt", rng.normal(size=(1, 20, 4)))
    nan = rng.normal(size=(3, 20, 4))
    nan[1, 3, 0] = np.nan
    _write_sequence(tmp_path, "a04_s04_e01_skeleton3D.txt", nan)
    dataset = msr_action3d.load(tmp_path)
    assert len(dataset.sequences) == 1 and dataset.frame_rate_hz == 15.0
    reasons = sorted(s.reason for s in dataset.skipped)
    assert reasons == ["all coordinates are zero", "contains NaN or infinite values",
                       "fewer than 2 frames (1)"]
    assert "a02_s02_e01_skeleton3D.txt" in caplog.text
    sequence = dataset.sequences[0]
    assert (sequence.label, sequence.subject) == (0, 1)
    raw = np.loadtxt(tmp_path / "a01_s01_e01_skeleton3D.txt").reshape(3, 20, 4)
    np.testing.assert_allclose(sequence.joints, raw[..., :3] * 1000, rtol=1e-5)


def test_malformed_files_raise_with_file_and_line(tmp_path):
    path = tmp_path / "a01_s01_e01_skeleton3D.txt"
    path.write_text("0.1 0.2 0.3 1\n" * 20 + "0.1 0.2 0.3\n" + "0.1 0.2 0.3 1\n" * 19)
    with pytest.raises(DataFormatError, match=r"skeleton3D.txt:21: expected 4 values"):
        msr_action3d.load(tmp_path)
    path.write_text("0.1 0.2 0.3 1\n" * 21)
    with pytest.raises(DataFormatError, match="21 lines is not a whole number of 20-joint"):
        msr_action3d.load(tmp_path)
    path.write_text("")
    with pytest.raises(DataFormatError, match="file is empty"):
        msr_action3d.load(tmp_path)
    with pytest.raises(DataFormatError, match="no MSR Action3D"):
        msr_action3d.load(tmp_path / "..")


@pytest.fixture(scope="module")
def msr_3d(msr_dir):
    start = time.perf_counter()
    dataset = msr_action3d.load(msr_dir)
    return dataset, time.perf_counter() - start


def test_real_folder_loads_566_sequences_in_under_5_s(msr_3d):
    dataset, seconds = msr_3d
    assert seconds < 5.0
    assert len(dataset.sequences) == 566
    assert [s.source.rsplit("/", 1)[-1] for s in dataset.skipped] == [
        "a13_s09_e02_skeleton3D.txt"]


def test_cross_subject_split_and_subsets(msr_3d):
    dataset, _ = msr_3d
    train, test = msr_action3d.cross_subject(dataset)
    assert {s.subject for s in train.sequences} == {1, 3, 5, 7, 9}
    assert {s.subject for s in test.sequences} == {2, 4, 6, 8, 10}
    assert len(train.sequences) + len(test.sequences) == 566
    for name, actions in msr_action3d.SUBSETS.items():
        part = msr_action3d.subset(dataset, name)
        assert sorted({s.label for s in part.sequences}) == list(range(8))
        assert part.class_names[0] == msr_action3d.CLASS_NAMES[actions[0] - 1]
        assert len(part.sequences) == sum(s.label + 1 in actions for s in dataset.sequences)


def test_right_and_left_are_the_subjects(msr_3d):
    """MSR subjects use the right arm/leg: the labelled right wrist/ankle must move most."""
    dataset, _ = msr_3d
    right_wrist, left_wrist = KINECT_20.index("RWrist"), KINECT_20.index("LWrist")
    right_ankle, left_ankle = KINECT_20.index("RAnkle"), KINECT_20.index("LAnkle")

    def motion(label, joint):
        return np.mean([s.joints[:, joint].std(axis=0).sum() for s in dataset.sequences
                        if s.label == label])
    for label in (0, 2, 4):  # high arm wave, hammer, forward punch
        assert motion(label, right_wrist) > 2 * motion(label, left_wrist)
    assert motion(13, right_ankle) > 1.5 * motion(13, left_ankle)  # forward kick


def test_real_2d_files_are_pixels(msr_dir):
    dataset = msr_action3d.load(msr_dir, kind="2d")
    assert len(dataset.sequences) == 566 and dataset.units == "px"
    joints = np.concatenate([s.joints for s in dataset.sequences])
    assert joints.shape[1:] == (20, 2)
    assert np.abs(joints).max() < 1000  # the 2^31 - 1 sentinel is gone
    inside = (joints >= 0).all(-1) & (joints[..., 0] <= 320) & (joints[..., 1] <= 240)
    assert inside.mean() > 0.95  # about 2% of real projections (feet) fall below the image


def test_off_image_sentinel_is_interpolated(tmp_path, caplog):
    frames = np.tile(np.array([100.0, 50.0, 600.0, 1.0]), (3, 20, 1))
    frames[:, :, 0] += np.arange(3)[:, None] * 10  # u moves 10 px per frame
    frames[1, 12, 1] = 2 ** 31 - 1
    _write_sequence(tmp_path, "a01_s01_e01_skeleton.txt", frames)
    sequence = msr_action3d.load(tmp_path, kind="2d").sequences[0]
    np.testing.assert_allclose(sequence.joints[1, 12], [110.0, 50.0])
    assert sequence.confidence[1, 12] == 0.0
    assert "1 joint positions outside the image" in caplog.text


@pytest.mark.parametrize("name, columns", [("a01_s01_e01_skeleton3D.txt", 3),
                                           ("a01_s01_e01_skeleton.txt", 2)])
def test_untracked_all_zero_frames_are_interpolated_not_kept_at_the_origin(tmp_path, caplog,
                                                                          name, columns):
    frames = np.tile(np.array([0.1, 0.5, 2.6, 1.0]), (4, 20, 1))
    frames[:, :, 0] += np.arange(4)[:, None] * 0.01
    frames[2, :, :3] = 0.0  # the sensor lost the skeleton in frame 2
    _write_sequence(tmp_path, name, frames)
    kind = "3d" if columns == 3 else "2d"
    sequence = msr_action3d.load(tmp_path, kind=kind).sequences[0]
    expected = frames[2, 0, :columns].copy()
    expected[0] = 0.12
    expected[1:] = frames[1, 0, 1:columns]
    scale = 1000.0 if kind == "3d" else 1.0
    np.testing.assert_allclose(sequence.joints[2, 0], expected * scale, rtol=1e-5)
    assert (sequence.confidence[2] == 0).all() and (sequence.confidence[1] == 1).all()
    assert "20 untracked joint positions" in caplog.text and name in caplog.text


def test_no_real_sequence_keeps_a_joint_at_the_origin(msr_dir):
    for kind in ("3d", "2d"):
        for sequence in msr_action3d.load(msr_dir, kind).sequences:
            assert not (sequence.joints == 0).all(-1).any(), sequence.source
