import time

import numpy as np
import pytest

from datasets import h36m
from common.errors import DataFormatError


@pytest.mark.parametrize("raw, name, action", [
    ("Directions_1", "Directions 1", "Directions"),
    ("Directions 1", "Directions 1", "Directions"),
    ("Directions", "Directions", "Directions"),
    ("TakingPhoto_1", "Photo 1", "Photo"),
    ("WalkingDog", "WalkDog", "WalkDog"),
    ("Sitting 2", "Sitting 2", "Sitting"),
    ("SittingDown", "SittingDown", "SittingDown"),
])
def test_take_names_are_canonicalised(raw, name, action):
    take = h36m.parse_take("S1", raw, "src")
    assert (take.name, take.action) == (name, action)


def test_unknown_action_is_an_error():
    with pytest.raises(DataFormatError, match="unknown Human3.6M action 'Dancing'"):
        h36m.parse_take("S1", "Dancing 1", "src")


def test_npz_with_mismatched_frames_is_rejected(tmp_path, h36m_dir):
    np.savez(tmp_path / h36m.NPZ_POSES, **{"S9/Directions": np.zeros((5, 17, 3), np.float32)})
    np.savez(tmp_path / h36m.NPZ_DETECTIONS,
             **{"S9/Directions.54138969": np.zeros((4, 16, 2), np.int16)})
    with pytest.raises(DataFormatError, match="4 detected frames but 5 3D frames"):
        h36m.load(tmp_path, subjects=["S9"], cameras_path=h36m_dir / h36m.CAMERA_FILE)


def test_pickled_npz_is_refused(tmp_path, h36m_dir):
    np.savez(tmp_path / h36m.NPZ_POSES, **{"S9/Directions": np.array([{"a": 1}], object)})
    with pytest.raises(DataFormatError, match="not a readable npz"):
        h36m.load(tmp_path, subjects=["S9"], cameras_path=h36m_dir / h36m.CAMERA_FILE)


def test_missing_folder_and_bad_camera_file(tmp_path):
    with pytest.raises(DataFormatError, match="folder does not exist"):
        h36m.load(tmp_path / "absent")
    bad = tmp_path / "cameras.h5"
    bad.write_text("not hdf5")
    with pytest.raises(DataFormatError, match="not a Human3.6M camera file"):
        h36m.load_cameras(bad)


@pytest.fixture(scope="module")
def corpus_and_seconds(h36m_dir):
    start = time.perf_counter()
    corpus = h36m.load(h36m_dir)
    return corpus, time.perf_counter() - start


def test_whole_release_loads_quickly_and_completely(corpus_and_seconds):
    corpus, seconds = corpus_and_seconds
    assert seconds < 20.0
    assert len(corpus.poses_3d) == 205 and corpus.num_frames == 497_888
    assert len(corpus.detections_2d) == 819
    assert corpus.subjects == h36m.SUBJECTS and corpus.actions == tuple(sorted(h36m.ACTIONS))
    assert [s.source for s in corpus.skipped] == ["S11/Directions.54138969"]


def test_known_missing_takes_are_absent(corpus_and_seconds):
    corpus, _ = corpus_and_seconds
    names = {str(take) for take in corpus.poses_3d}
    for missing in ("S5/Discussion 2", "S5/Discussion 3", "S7/Discussion", "S7/SittingDown 1",
                    "S9/Discussion 1"):
        assert missing not in names
    sitting = {t.action for t in corpus.poses_3d if t.name.startswith("Sitting")}
    assert sitting == {"Sitting", "SittingDown"}


def test_cameras_are_rotations_with_decoded_names(corpus_and_seconds):
    corpus, _ = corpus_and_seconds
    names = [camera.name for camera in corpus.cameras["S9"]]
    assert names == ["54138969", "55011271", "58860488", "60457274"]
    for camera in corpus.cameras["S9"]:
        np.testing.assert_allclose(camera.rotation @ camera.rotation.T, np.eye(3), atol=1e-6)
        assert abs(np.linalg.det(camera.rotation) - 1) < 1e-6


def test_martinez_tree_equals_the_npz_release(corpus_and_seconds, h36m_dir):
    corpus, _ = corpus_and_seconds
    tree = h36m.load(h36m_dir / "martinez_sample", cameras_path=h36m_dir / h36m.CAMERA_FILE)
    (take,) = tree.poses_3d
    assert str(take) == "S9/Directions"
    np.testing.assert_array_equal(tree.poses_3d[take], corpus.poses_3d[take])
    for camera in corpus.cameras["S9"]:
        np.testing.assert_array_equal(tree.detections_2d[(take, camera.name)],
                                      corpus.detections_2d[(take, camera.name)])


def test_martinez_tree_without_cameras_says_so(h36m_dir):
    tree = h36m.load(h36m_dir / "martinez_sample")
    assert tree.cameras == {} and "camera file not found" in tree.skipped[0].reason


def test_action_windows_thin_the_take_and_overlap_by_half():
    from datasets import h36m_actions
    poses = np.arange(300, dtype=np.float32)[:, None, None] * np.ones((1, 17, 3), np.float32)
    windows = h36m_actions.windows(poses, frame_step=3, length=40, stride=20)
    assert len(windows) == 4  # 100 frames kept: windows start at 0, 20, 40, 60
    np.testing.assert_array_equal(windows[1][:, 0, 0], np.arange(60, 180, 3))
    assert h36m_actions.windows(poses[:100]) == []  # 34 frames kept: not one window


def test_the_release_becomes_action_windows_split_by_the_lifters_subjects(h36m_dir):
    from datasets.catalog import load_sequences
    from recognition.protocols import protocol_split
    windows = load_sequences("h36m_actions", str(h36m_dir))
    assert windows.class_names == h36m.ACTIONS and windows.layout.name == "h36m17"
    assert {s.label for s in windows.sequences} == set(range(15))
    assert {s.joints.shape for s in windows.sequences} == {(40, 17, 3)}
    train, test = protocol_split(windows, "h36m_actions", "cross_subject")
    assert {s.subject for s in test.sequences} == {9, 11}
    assert {s.subject for s in train.sequences} == {1, 5, 6, 7, 8}
