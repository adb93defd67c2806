"""The 2D front-end on real files: the NTU clip, frames made from it with 0, 1 and 2 people,
low resolution, a person cut off at the waist, OpenPose folders, bad videos, model files."""
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from common.errors import DataFormatError
from datasets.layouts import BODY_25, H36M_16
from pose2d import model_files, video
from pose2d.front_end import FrontEndSettings, load_models, track_frames, track_openpose, \
    track_video
from pose2d.tracker import PoseTracker, TrackerSettings
from tests.conftest import REPO


@pytest.fixture(scope="module")
def settings(pose_models_dir):
    return FrontEndSettings(model="lite", pose_models_dir=str(pose_models_dir))


@pytest.fixture(scope="module")
def models(settings):
    return load_models(settings)


@pytest.fixture(scope="module")
def ntu_frames(ntu_video):
    return list(video.frames(ntu_video))


def _tracked(models, frames, **tracker):
    tracker = PoseTracker(*models, TrackerSettings(**tracker))
    return track_frames(frames, tracker), tracker


def test_the_ntu_person_is_tracked_in_every_frame_with_the_detector_rarely(ntu_video, settings):
    tracked, stats = track_video(str(ntu_video), settings)
    assert tracked.num_frames == 103 and len(tracked.tracks) == 1 and not tracked.empty_frames
    assert stats.detector_runs <= 0.1 * tracked.num_frames
    person = tracked.tracks[0]
    assert person.seen.all() and person.keypoints.shape == (103, 16, 2)
    # She stands at x 990-1110, head to feet y 290-720 of the 1920 x 1080 frames.
    assert (person.keypoints[..., 0] > 940).all() and (person.keypoints[..., 0] < 1160).all()
    assert (person.keypoints[..., 1] > 250).all() and (person.keypoints[..., 1] < 760).all()
    head, foot = H36M_16.index("Head"), H36M_16.index("RFoot")
    assert (person.keypoints[:, head, 1] < person.keypoints[:, foot, 1] - 300).all()


def _scene(ntu_frames, positions, count=12):
    """Frames of a grey room with the NTU person pasted at each x of POSITIONS."""
    scenes = []
    for frame in ntu_frames[:count]:
        scene = np.full((720, 1280, 3), 190, np.uint8)
        for x in positions:
            scene[40:680, x:x + 320] = frame[140:780, 880:1200]
        scenes.append(scene)
    return scenes


@pytest.mark.parametrize("positions", [(), (480,), (200, 760)], ids=["nobody", "one", "two"])
def test_zero_one_and_two_people_give_as_many_tracks(models, ntu_frames, positions):
    per_frame, tracker = _tracked(models, _scene(ntu_frames, positions), max_people=2,
                                  redetect_every=5)
    assert [sorted(frame) for frame in per_frame] == [list(range(len(positions)))] * 12
    if positions:
        assert tracker.detector_runs <= 3  # found once, then followed


def test_one_person_of_two_is_followed_not_swapped(models, ntu_frames):
    per_frame, _ = _tracked(models, _scene(ntu_frames, (200, 760)), max_people=1)
    assert all(sorted(frame) == [0] for frame in per_frame)
    hips = [frame[0].points[23, 0] for frame in per_frame]
    assert np.ptp(hips) < 60  # the same one of the two, all along


def test_a_low_resolution_video_is_still_tracked(models, ntu_frames):
    small = [cv2.resize(f, (320, 180), interpolation=cv2.INTER_AREA) for f in ntu_frames[:10]]
    per_frame, _ = _tracked(models, small)
    assert all(list(frame) == [0] for frame in per_frame)


def test_a_person_cut_off_at_the_waist_keeps_the_upper_body_and_marks_the_legs(models, ntu_frames):
    cut = [f[100:560, 760:1320] for f in ntu_frames[:10]]
    per_frame, _ = _tracked(models, cut)
    landmarks = per_frame[-1][0]
    confidence = landmarks.confidence
    assert confidence[[11, 12]].min() > 0.9  # shoulders
    assert confidence[[27, 28]].max() < 0.2  # ankles, below the frame


def _openpose_person(x, y, confidence=0.9, size=100.0):
    points = []
    for joint in range(BODY_25.num_joints):
        angle = 2 * np.pi * joint / BODY_25.num_joints
        points += [x + size * np.cos(angle), y + 2 * size * np.sin(angle), confidence]
    return {"pose_keypoints_2d": points}


def test_openpose_people_keep_their_ids_whatever_order_the_files_list_them(tmp_path, settings):
    for index in range(10):
        left, right = _openpose_person(200 + 5 * index, 300), _openpose_person(800 - 5 * index, 300)
        people = [right, left] if index % 2 else [left, right]
        if index == 6:
            people = []
        (tmp_path / f"clip_{index:012d}_keypoints.json").write_text(json.dumps({"people": people}))
    two = FrontEndSettings(tracker=TrackerSettings(max_people=2))
    tracked = track_openpose(str(tmp_path), two)
    assert [t.track_id for t in tracked.tracks] == [0, 1] and tracked.empty_frames == (6,)
    hip = H36M_16.index("Hip")
    xs = [t.keypoints[[0, 1, 2, 9], hip, 0] for t in tracked.tracks]
    assert np.all(np.diff(xs[0]) > 0) or np.all(np.diff(xs[1]) > 0)  # each stays on its side
    assert abs(xs[0][0] - xs[1][0]) > 400
    one = track_openpose(str(tmp_path), settings)
    assert len(one.tracks) == 1


def test_bad_videos_are_named(tmp_path, ntu_video):
    garbage = tmp_path / "garbage.avi"
    garbage.write_bytes(np.random.default_rng(0).bytes(5000))
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    truncated = tmp_path / "truncated.avi"
    truncated.write_bytes(ntu_video.read_bytes()[:4000])
    for path in (garbage, empty, truncated, tmp_path / "absent.avi"):
        with pytest.raises(DataFormatError, match=path.name):
            video.probe(path)


def test_model_files_are_verified_and_a_missing_one_says_how_to_get_it(tmp_path, monkeypatch,
                                                                         pose_models_dir):
    monkeypatch.delenv(model_files.ENVIRONMENT, raising=False)
    monkeypatch.setattr(model_files, "CACHE", str(tmp_path / "cache"))
    assert model_files.locate(model_files.DETECTOR, str(pose_models_dir)).startswith(
        str(pose_models_dir))
    with pytest.raises(model_files.ModelFileError, match="pose2d.fetch_models"):
        model_files.locate(model_files.DETECTOR, str(tmp_path))
    (tmp_path / model_files.DETECTOR).write_bytes(b"not a model")
    with pytest.raises(model_files.ModelFileError, match="not a known release"):
        model_files.locate(model_files.DETECTOR, str(tmp_path))
    monkeypatch.setenv(model_files.ENVIRONMENT, str(pose_models_dir))
    assert model_files.locate(model_files.LANDMARKS["full"]).startswith(str(pose_models_dir))


@pytest.mark.slow
def test_the_binary_writes_keypoints_and_an_overlay(tmp_path, ntu_video, pose_models_dir):
    clip = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 30, (1920, 1080))
    for frame in list(video.frames(ntu_video))[:8]:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "pose2d.track", f"--video={clip}", f"--out_dir={out}",
         "--model=lite", f"--pose_models_dir={pose_models_dir}"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    document = json.loads((out / "keypoints_2d.json").read_text())
    assert document["num_frames"] == 8 and document["joints"] == list(H36M_16.joints)
    assert all(len(f["people"]) == 1 and len(f["people"][0]["keypoints"]) == 48
               for f in document["frames"])
    overlay = cv2.VideoCapture(str(out / "overlay.mp4"))
    assert int(overlay.get(cv2.CAP_PROP_FRAME_COUNT)) == 8
    assert (out / "config.json").exists()


@pytest.mark.parametrize("model", ["lite", "full"])
def test_litert_gives_the_keypoints_the_tensorflow_interpreter_gave(ntu_video, pose_models_dir,
                                                                    model):
    """tests/data/ntu_keypoints_reference.npz: the first 20 NTU frames' keypoints as
    tf.lite.Interpreter computed them (the same flatbuffers, the same XNNPACK kernels); LiteRT
    must agree to a hundredth of a pixel."""
    reference = np.load(REPO / "tests" / "data" / "ntu_keypoints_reference.npz")[model]
    tracked, _ = track_video(str(ntu_video), FrontEndSettings(
        model=model, pose_models_dir=str(pose_models_dir)))
    np.testing.assert_allclose(tracked.tracks[0].keypoints[:20], reference, atol=0.01)


def _recoloured(person: np.ndarray, hue_turn: int) -> np.ndarray:
    """PERSON (the 640-row cut of the NTU person) with the hues below the neck turned by
    HUE_TURN (OpenCV's 0-180 scale): other clothes, the same face (the detector looks for
    faces)."""
    hsv = cv2.cvtColor(person, cv2.COLOR_RGB2HSV)
    hsv[230:, :, 0] = (hsv[230:, :, 0].astype(np.int32) + hue_turn) % 180
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def _hidden_and_back(ntu_frames, back_at: int, back_hue: int) -> list[np.ndarray]:
    """Person A (the NTU person) at x 40 throughout; person B (A in other colours) at x 480
    for 6 frames, hidden for 4, then for 8 frames at BACK_AT in the colours BACK_HUE."""
    scenes = []
    for index, frame in enumerate(ntu_frames[:18]):
        scene = np.full((720, 1280, 3), 190, np.uint8)
        person = frame[140:780, 880:1200]
        scene[40:680, 40:360] = person
        if index < 6:
            scene[40:680, 480:800] = _recoloured(person, 45)
        elif index >= 10:
            scene[40:680, back_at:back_at + 320] = _recoloured(person, back_hue)
        scenes.append(scene)
    return scenes


def test_a_person_back_from_behind_someone_takes_their_track_back_on_their_colours(
        models, ntu_frames):
    # B comes back 460 px from where it was lost: too far for its region to overlap enough.
    per_frame, _ = _tracked(models, _hidden_and_back(ntu_frames, 940, 45), max_people=2,
                            redetect_every=2)
    assert all(sorted(frame) == [0, 1] for frame in per_frame[:6])
    assert all(sorted(frame) == [0, 1] for frame in per_frame[-4:])  # not a new id 2
    assert per_frame[-1][1].points[23, 0] > 940


def test_a_stranger_where_someone_was_lost_gets_a_new_track(models, ntu_frames):
    # Someone in other clothes steps into the very place B was lost.
    per_frame, _ = _tracked(models, _hidden_and_back(ntu_frames, 480, 135), max_people=2,
                            redetect_every=2)
    assert all(sorted(frame) == [0, 2] for frame in per_frame[-4:])


def test_without_colour_evidence_the_reach_does_not_rejoin(models, ntu_frames):
    per_frame, _ = _tracked(models, _hidden_and_back(ntu_frames, 940, 45), max_people=2,
                            redetect_every=2, rejoin_reach=0.1)
    assert all(sorted(frame) == [0, 2] for frame in per_frame[-4:])
