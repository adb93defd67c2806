import json

import numpy as np
import pytest

from datasets import openpose
from common.errors import DataFormatError
from datasets.layouts import BODY_25, COCO_18


def _person(joints, value, confidence=0.9):
    keypoints = []
    for j in range(joints):
        keypoints += [value + j, value + 2 * j, confidence]
    return {"pose_keypoints_2d": keypoints}


def _frame(folder, index, people):
    path = folder / f"video_{index:012d}_keypoints.json"
    path.write_text(json.dumps({"version": 1.3, "people": people}))
    return path


def test_picks_the_most_confident_person_and_reports_empty_frames(tmp_path):
    for index in range(12):
        people = [_person(18, 100.0 + index, 0.3), _person(18, 500.0 + index, 0.8)]
        _frame(tmp_path, index, [] if index == 4 else people)
    track = openpose.load_folder(tmp_path)
    assert track.layout == COCO_18 and track.keypoints.shape == (12, 18, 2)
    assert track.empty_frames == (4,)
    assert np.isnan(track.keypoints[4]).all()
    np.testing.assert_allclose(track.keypoints[10, 0], [510.0, 510.0])  # 10 sorts after 9
    assert track.frames[10].endswith("video_000000000010_keypoints.json")


def test_zero_confidence_joints_are_interpolated(tmp_path):
    for index in range(3):
        person = _person(25, 10.0 * index)
        if index == 1:
            person["pose_keypoints_2d"][3 * 5: 3 * 5 + 3] = [0.0, 0.0, 0.0]
        _frame(tmp_path, index, [person])
    track = openpose.load_folder(tmp_path)
    assert track.layout == BODY_25 and track.interpolated == 1
    np.testing.assert_allclose(track.keypoints[1, 5], [15.0, 20.0])
    assert track.confidence[1, 5] == 0.0


def test_bad_files(tmp_path):
    _frame(tmp_path, 0, [_person(18, 1.0)])
    (tmp_path / "video_000000000001_keypoints.json").write_text('{"people": [\n  {"pose')
    with pytest.raises(DataFormatError, match="000001_keypoints.json:2: invalid JSON"):
        openpose.load_folder(tmp_path)
    _frame(tmp_path, 1, [{"pose_keypoints_2d": [1.0, 2.0]}])
    with pytest.raises(DataFormatError, match="2 values; expected 54"):
        openpose.load_folder(tmp_path)
    _frame(tmp_path, 1, [_person(25, 1.0)])
    with pytest.raises(DataFormatError, match="layout body25 differs"):
        openpose.load_folder(tmp_path)
    with pytest.raises(DataFormatError, match="no \\*_keypoints.json"):
        openpose.load_folder(tmp_path / "..")
