"""pipeline.run: 2D keypoints -> lifted 3D poses -> an action, per tracked person, with every
output file, and clear errors for inputs and models that cannot work."""
import json

import numpy as np
import pytest

from bench import scenes
from datasets import openpose, synthetic
from common.errors import DataFormatError
from datasets.geometry import project
from pipeline.analysis import RunSettings, run
from pose2d import video
from pose2d.video_writer import write_mp4
from pose2d.front_end import FrontEndSettings
from pose2d.tracker import TrackerSettings
from recognition.deployed import DeployedClassifier, LayoutMismatch

FRAMES = 60


def _two_people_folder(folder, nobody_at=(10,), frames=FRAMES, apart=500):
    """OpenPose files of two synthetic S9 people side by side, APART pixels apart, for FRAMES
    frames (a sequence shorter than that repeated), nobody in NOBODY_AT frames."""
    generated = synthetic.generate(0)
    camera = generated.corpus.cameras["S9"][0]
    chosen = [s for s in generated.sequences.sequences if s.subject == 9][:2]
    people = [openpose.body25_from_h36m17(project(np.resize(s.joints, (frames, 17, 3)), camera))
              + [shift, 0] for s, shift in zip(chosen, (-apart / 2, apart / 2))]
    per_frame = [[] if t in nobody_at else [p[t] for p in people] for t in range(frames)]
    openpose.write_folder(folder, per_frame)
    return folder


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory, skeleton_lifter, lifted_classifier):
    root = tmp_path_factory.mktemp("pipeline")
    settings = RunSettings(video=None, openpose_dir=str(_two_people_folder(root / "json")),
                           out_dir=str(root / "out"), lifter=skeleton_lifter,
                           classifier=lifted_classifier, window=30,
                           front_end=FrontEndSettings(tracker=TrackerSettings(max_people=2)))
    return root / "out", run(settings)


def test_every_output_is_written_per_person(pipeline_run):
    out, summary = pipeline_run
    assert [p["track_id"] for p in summary["people"]] == [0, 1]
    for name in ("keypoints_2d.json", "overlay.mp4", "report.html", "config.json"):
        assert (out / name).stat().st_size > 0
    for track in (0, 1):
        folder = out / f"track_{track}"
        with np.load(folder / "poses_3d.npz", allow_pickle=False) as stored:
            poses, lifted = stored["poses"], stored["lifted"]
            assert list(stored["joints"])[:2] == ["Hip", "RHip"]
        assert poses.shape == (FRAMES, 17, 3) and lifted.sum() == FRAMES - 1
        assert not lifted[10] and np.isnan(poses[10]).all()  # nobody there: nothing invented
        np.testing.assert_array_equal(poses[lifted][:, 0], 0)
        action = json.loads((folder / "action.json").read_text())
        assert len(action["top5"]) == 5 and action["label_set"] == "synthetic"
        assert sum(e["probability"] for e in action["top5"]) <= 1.0001
        assert action["frames"] == [0, FRAMES - 1]
        assert [w["frames"] for w in action["windows"]] == [[0, 30], [16, 45], [30, 59]]
        assert len(action["limb_length_cv"]) == 16 and min(action["limb_length_cv"].values()) >= 0
        for name in ("keypoints_2d.json", "skeleton_3d.mp4", "skeleton_3d.png", "spmf.png"):
            assert (folder / name).stat().st_size > 0
    page = (out / "report.html").read_text()
    assert "track_1/spmf.png" in page and "Per window" in page


def test_models_that_cannot_work_are_named(tmp_path, skeleton_lifter, lifted_classifier):
    folder = _two_people_folder(tmp_path / "json")
    base = dict(video=None, openpose_dir=str(folder), out_dir=str(tmp_path / "out"))
    with pytest.raises(FileNotFoundError, match="absent"):
        run(RunSettings(**base, lifter=str(tmp_path / "absent"), classifier=lifted_classifier))
    with pytest.raises(DataFormatError, match="not an action classifier"):
        run(RunSettings(**base, lifter=skeleton_lifter,
                        classifier=f"{skeleton_lifter}/export"))
    with pytest.raises(LayoutMismatch, match="kinect20"):
        DeployedClassifier.load(lifted_classifier).require_layout("kinect20", "a sensor")
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_an_input_with_nobody_is_refused_by_name(tmp_path, skeleton_lifter, lifted_classifier):
    openpose.write_folder(tmp_path / "json", [[] for _ in range(5)])
    with pytest.raises(DataFormatError, match="no person detected in any frame"):
        run(RunSettings(video=None, openpose_dir=str(tmp_path / "json"),
                        out_dir=str(tmp_path / "out"), lifter=skeleton_lifter,
                        classifier=lifted_classifier))
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    with pytest.raises(DataFormatError, match="bad.mp4"):
        run(RunSettings(video=str(tmp_path / "bad.mp4"), openpose_dir=None,
                        out_dir=str(tmp_path / "out"), lifter=skeleton_lifter,
                        classifier=lifted_classifier))


def _scenes(ntu_video, kind):
    """Frames the test makes from the NTU clip (`bench.scenes`)."""
    return getattr(scenes, kind)(list(video.frames(ntu_video))[:16])


@pytest.mark.parametrize("kind, people", [("two_people", 2), ("two_people_close", 2),
                                          ("low_resolution", 1),
                                          ("cut_off_at_the_waist", 1)])
def test_hard_videos_give_outputs_not_crashes(tmp_path, ntu_video, pose_models_dir,
                                              skeleton_lifter, lifted_classifier, kind,
                                              people):
    clip = tmp_path / f"{kind}.mp4"
    write_mp4(clip, _scenes(ntu_video, kind), 30.0)
    summary = run(RunSettings(
        video=str(clip), openpose_dir=None, out_dir=str(tmp_path / "out"),
        lifter=skeleton_lifter, classifier=lifted_classifier, videos=False,
        front_end=FrontEndSettings(model="lite", pose_models_dir=str(pose_models_dir),
                                   tracker=TrackerSettings(max_people=2))))
    assert len(summary["people"]) == people
    assert len(summary["pairs"]) == people - 1  # two people near each other: one pair
    for person in summary["people"]:
        assert person["frames_lifted"] >= 12 and person["action"]
        with np.load(tmp_path / "out" / f"track_{person['track_id']}" / "poses_3d.npz",
                     allow_pickle=False) as stored:
            assert np.isfinite(stored["poses"][stored["lifted"]]).all()
