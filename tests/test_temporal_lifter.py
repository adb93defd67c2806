"""The temporal lifter: its two forms, its windows, training idioms, serving and deployment."""
import dataclasses
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from common.run_record import SettingConflict, SettingsMismatch
from common.weights_file import copy_layers
from datasets import synthetic
from lifting.data import Normalization, build_examples
from lifting.temporal_data import pad_track, track_windows
from lifting.temporal_model import SEQUENCE, WINDOW, TemporalConfig
from pose2d.front_end import FrontEndSettings
from pose2d.tracker import TrackerSettings
from lifting.temporal_trainer import TemporalTrainSettings, train_temporal
from tests.conftest import assert_same_trained_lifters

TINY = dict(dataset="synthetic", architecture=TemporalConfig((3, 3), channels=16),
            batch_size=256, frame_stride=2, eval_frame_stride=5)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    model_dir = str(tmp_path_factory.mktemp("temporal"))
    report = train_temporal(TemporalTrainSettings(model_dir=model_dir, epochs=2, **TINY))
    return model_dir, report


@pytest.mark.parametrize("causal", [False, True])
def test_the_window_form_and_the_sequence_form_compute_the_same_poses(causal):
    config = TemporalConfig((3, 3, 3), channels=8, causal=causal)
    window = config.build(WINDOW)
    sequence = copy_layers(window, config.build(SEQUENCE), source_name="window form")
    track = np.random.default_rng(0).normal(size=(1, 40, 32)).astype(np.float32)
    whole = sequence(track, training=False).numpy()[0]
    one_by_one = np.stack([window(track[:, start:start + 27], training=False).numpy()[0, 0]
                           for start in range(40 - 27 + 1)])
    assert whole.shape == (14, 48)
    np.testing.assert_allclose(whole, one_by_one, atol=1e-5)


@pytest.mark.parametrize("causal", [False, True])
def test_an_output_frame_sees_exactly_its_window(causal):
    """In track time, a changed frame moves the poses of the frames whose window holds it
    and no other: a centred model's 4 frames before and after it, a causal model's next 8
    (a causal pose never depends on a later frame)."""
    from lifting.temporal_serving import plain_track_function
    # seeded: a few in 100 random 8-channel models zero a frame's change on dead ReLUs
    keras.utils.set_random_seed(0)
    config = TemporalConfig((3, 3), channels=8, causal=causal)
    lift = plain_track_function(config.build(SEQUENCE), Normalization.identity(), config)
    track = np.random.default_rng(1).uniform(0, 500, size=(30, 16, 2)).astype(np.float32)
    changed = track.copy()
    changed[15] += 10.0
    moved = np.flatnonzero(np.abs(lift(changed).numpy() - lift(track).numpy()).max((1, 2)) > 0)
    assert moved.tolist() == (list(range(15, 24)) if causal else list(range(11, 20)))


def test_each_window_is_its_tracks_frames_with_edges_repeated():
    examples = build_examples(synthetic.generate(0).corpus, ("S9",))
    config = TemporalConfig((3, 3), channels=4)
    windows = track_windows(examples, config, Normalization.identity(), output_stride=3)
    rows = examples.track_rows()
    first = rows[0]
    assert len(windows) == sum(len(range(0, len(r), 3)) for r in rows)
    np.testing.assert_array_equal(windows.pose_3d[0], examples.pose_3d[first[0]])
    start = windows.output_frame[0] - windows.frames_before
    window = windows.keypoints[start:start + 9]
    np.testing.assert_array_equal(window[:4], np.repeat(examples.detected_2d[first[:1]], 4, 0))
    np.testing.assert_array_equal(window[4:], examples.detected_2d[first[:5]])
    assert pad_track(np.arange(3), 2, 1).tolist() == [0, 0, 0, 1, 2, 2]


def test_training_writes_every_artefact_and_learns(trained):
    model_dir, report = trained
    for name in ("config.json", "norm.json", "model.weights.h5", "eval.json", "export"):
        assert os.path.exists(os.path.join(model_dir, name)), name
    with open(os.path.join(model_dir, "eval.json")) as handle:
        saved = json.load(handle)["sh"]
    assert saved["lifter_kind"] == "temporal" and saved["receptive_field"] == 9
    assert saved["bone_length_variation"]["tracks"] > 0
    assert 0 < report["average"]["p2"] <= report["average"]["p1"]


def test_a_resumed_run_ends_equal_to_an_uninterrupted_one(trained, tmp_path):
    train_temporal(TemporalTrainSettings(model_dir=str(tmp_path), epochs=1, **TINY))
    report = train_temporal(TemporalTrainSettings(model_dir=str(tmp_path), epochs=2, **TINY))
    model_dir, uninterrupted = trained
    assert_same_trained_lifters(str(tmp_path), model_dir)
    assert report["average"]["p1"] == pytest.approx(uninterrupted["average"]["p1"], abs=1e-3)


def test_a_changed_receptive_field_is_refused(trained):
    model_dir, _ = trained
    with pytest.raises(SettingsMismatch, match="filter_widths"):
        train_temporal(TemporalTrainSettings(
            model_dir=model_dir, epochs=2,
            **{**TINY, "architecture": TemporalConfig((3, 3, 3), channels=16)}))


def test_every_form_lifts_a_track_alike_and_a_gap_cuts_it(trained, tmp_path):
    """model_dir, SavedModel and compact float16 files give the same poses; an unseen frame
    stays NaN and the runs on either side are lifted as separate tracks."""
    from lifting.deployed import DeployedLifter, save_compact
    model_dir, _ = trained
    save_compact(model_dir, str(tmp_path / "compact"))
    forms = [DeployedLifter.load(path) for path in
             (model_dir, os.path.join(model_dir, "export"), str(tmp_path / "compact"))]
    assert all(lifter.temporal for lifter in forms)
    track = build_examples(synthetic.generate(0).corpus, ("S9",)).detected_2d[:60].copy()
    track[25] = np.nan
    poses = [lifter.lift(track) for lifter in forms]
    assert np.isnan(poses[0][25]).all() and np.isfinite(np.delete(poses[0], 25, 0)).all()
    np.testing.assert_allclose(poses[0], poses[1], atol=1e-3)
    np.testing.assert_allclose(poses[0], poses[2], atol=5.0)  # float16 weights
    np.testing.assert_allclose(poses[0][26:], forms[0].lift(track[26:]), atol=1e-3)
    np.testing.assert_allclose(poses[0][:25], forms[0].lift(track[:25]), atol=1e-3)


def test_the_export_describes_itself_and_takes_raw_pixels_of_any_length(trained):
    model_dir, _ = trained
    loaded = tf.saved_model.load(os.path.join(model_dir, "export"))
    description = {k: v.numpy() for k, v in loaded.signatures["description"]().items()}
    assert description["lifter_kind"] == b"temporal" and description["receptive_field"] == 9
    for length in (1, 5, 40):
        pose = loaded.signatures["serving_default"](
            keypoints_2d=tf.random.uniform((length, 16, 2), 0, 1000))["pose_3d"]
        assert pose.shape == (length, 17, 3)


def test_evaluation_takes_every_frame_only(trained):
    from lifting.evaluation import EvaluateSettings, run
    model_dir, report = trained
    again = run(EvaluateSettings(model_dir=model_dir, dataset="synthetic", rigid_bones=True))
    assert again["bone_length_variation"]["worst_bone_largest_percent"] == 0.0
    assert again["average"]["p1"] == pytest.approx(report["average"]["p1"], abs=15)
    with pytest.raises(SettingConflict, match="every frame"):
        run(EvaluateSettings(model_dir=model_dir, dataset="synthetic", frame_stride=5))


def test_recognition_lifts_each_person_of_a_sequence_as_one_track_at_its_rate(trained):
    from datasets.layouts import H36M_16
    from datasets.sequences import SequenceDataset, SkeletonSequence
    from lifting.deployed import DeployedLifter
    from recognition.lifted import lift_dataset, source_lifter
    model_dir, _ = trained
    lifter = DeployedLifter.load(model_dir)
    examples = build_examples(synthetic.generate(0).corpus, ("S9",)).detected_2d
    two_people = np.stack([examples[:30], examples[100:130]], axis=1)  # (T, 2, 16, 2)
    dataset = SequenceDataset(name="pairs", layout=H36M_16, units="px", class_names=("a",),
                              sequences=(SkeletonSequence(two_people.reshape(30, 32, 2), 0, 1,
                                                          "pair"),))
    lifted = lift_dataset(dataset, lifter).sequences[0].joints.reshape(30, 2, 17, 3)
    np.testing.assert_allclose(lifted[:, 1], lifter.lift(examples[100:130]), atol=1e-4)
    at_15_hz = dataclasses.replace(dataset, frame_rate_hz=15.0)
    slow = lift_dataset(at_15_hz, lifter).sequences[0].joints.reshape(30, 2, 17, 3)
    np.testing.assert_allclose(slow[:, 1], lifter.lift(examples[100:130], 15.0), atol=1e-4)
    assert np.abs(slow - lifted).max() > 1.0  # the rate reaches the lifter
    assert source_lifter(model_dir).kind == "temporal"  # what its classifiers will state


def test_pipeline_run_lifts_each_track_with_the_temporal_lifter(trained, lifted_classifier,
                                                                 tmp_path):
    """Two people in an OpenPose folder, the second hidden for a few frames: each track's
    poses are the temporal lifter's on that track's keypoints (as keypoints_2d.json stores
    them, to 0.01 px), nothing lifted where nobody was seen."""
    from lifting.deployed import DeployedLifter
    from pipeline.analysis import RunSettings, run
    from tests.pipeline_inputs import openpose_folder_of, track_keypoints
    model_dir, _ = trained
    track = build_examples(synthetic.generate(0).corpus, ("S9",)).detected_2d[:40]
    people = np.stack([track, track + [600.0, 0.0]], axis=1)
    folder = openpose_folder_of(tmp_path / "in", people, hidden=range(15, 20))
    out = tmp_path / "out"
    summary = run(RunSettings(video=None, openpose_dir=str(folder), out_dir=str(out),
                              videos=False, lifter=model_dir, classifier=lifted_classifier,
                              rigid_bones=False, pairs="none",
                              front_end=FrontEndSettings(tracker=TrackerSettings(max_people=2))))
    lifter = DeployedLifter.load(model_dir)
    assert len(summary["people"]) == 2
    for person in summary["people"]:
        keypoints, _ = track_keypoints(out, person["track_id"])
        with np.load(out / f"track_{person['track_id']}" / "poses_3d.npz") as stored:
            poses = stored["poses"]
        np.testing.assert_allclose(poses, lifter.lift(keypoints.astype(np.float32), fps=30.0),
                                   atol=0.1)  # an OpenPose folder's default frame rate
        assert np.isfinite(poses).all(axis=(1, 2)).sum() >= 35


def test_a_track_at_another_frame_rate_is_lifted_at_the_training_rate(trained):
    """Every other frame of a 50 Hz track, said to be 25 fps, gets nearly the poses of those
    frames lifted at 50 Hz; lifted as if it were 50 Hz, the windows span twice the time."""
    from lifting.deployed import DeployedLifter
    model_dir, _ = trained
    lifter = DeployedLifter.load(model_dir)
    track = build_examples(synthetic.generate(0).corpus, ("S9",)).gt_2d[:80]  # smooth
    at_50 = lifter.lift(track)[::2]
    np.testing.assert_allclose(lifter.lift(track, fps=50.0), lifter.lift(track), atol=1e-4)
    resampled_error = np.abs(lifter.lift(track[::2], fps=25.0) - at_50).mean()
    unresampled_error = np.abs(lifter.lift(track[::2]) - at_50).mean()
    assert resampled_error < 0.7 * unresampled_error


def test_flip_testing_a_track_is_mirror_equivariant(trained):
    """Averaged with its mirrored track, a track's lift gives the mirrored track the
    mirrored answer: the same error on either; without the average it does not."""
    from lifting.config import load_trained
    from lifting.evaluation import evaluate_temporal
    model, norm, config = load_trained(trained[0])
    examples = build_examples(synthetic.generate(0).corpus, ("S9",))
    p1 = {(flip, mirrored): evaluate_temporal(model, norm, config,
                                              examples.mirrored() if mirrored else examples,
                                              flip_test=flip)["average"]["p1"]
          for flip in (False, True) for mirrored in (False, True)}
    assert p1[True, True] == pytest.approx(p1[True, False], abs=1e-3)
    assert abs(p1[False, True] - p1[False, False]) > 1e-2
