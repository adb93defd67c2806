"""The temporal lifter's levers: the skeleton scale smoothed over a track's frames
(`--scale_frames`), flip testing in every served form, the loss, and the selection split that
judges them on a held-out training subject."""
import json
import os

import numpy as np
import pytest

from common.errors import DataFormatError
from datasets import h36m, synthetic
from lifting.data import Normalization, build_examples, rolling_median
from lifting.temporal_data import track_windows, window_dataset
from lifting.temporal_model import TemporalConfig
from lifting.temporal_trainer import TemporalTrainSettings, train_temporal


def test_the_rolling_median_repeats_the_ends_and_a_causal_one_looks_back_only():
    values = np.array([5.0, 1.0, 9.0, 2.0, 7.0])
    assert rolling_median(values, 3).numpy().tolist() == [5.0, 5.0, 2.0, 7.0, 7.0]
    assert rolling_median(values, 3, causal=True).numpy().tolist() == [5.0, 5.0, 5.0, 2.0, 7.0]
    assert rolling_median(values, 1).numpy().tolist() == values.tolist()
    assert rolling_median(values[:1], 81).numpy().tolist() == [5.0]


def _reaching_track() -> np.ndarray:
    """A still skeleton whose right wrist reaches far out for three of 30 frames."""
    pose = build_examples(synthetic.generate(0).corpus, ("S9",)).gt_2d[0]
    track = np.repeat(pose[None], 30, 0)
    track[12:15, 15] += [400.0, 0.0]
    return track


def _skeleton_norm(scale_frames: int) -> Normalization:
    return Normalization(np.zeros(32, np.float32), np.ones(32, np.float32),
                         np.zeros(48, np.float32), np.ones(48, np.float32), "skeleton",
                         scale_frames)


def test_a_smoothed_scale_keeps_the_torso_when_an_arm_reaches_out():
    """Divided by each frame's own scale the spine shrinks while the arm is out; divided by
    the median over 9 frames it keeps its length."""
    track = _reaching_track()
    spine = {}
    for frames in (1, 9):
        inputs = _skeleton_norm(frames).normalise_track(track).numpy().reshape(30, 16, 2)
        spine[frames] = np.linalg.norm(inputs[:, 7] - inputs[:, 0], axis=-1)  # Thorax - Hip
    assert spine[1][13] < 0.8 * spine[1][0]
    np.testing.assert_allclose(spine[9], spine[9][0], rtol=1e-6)


def test_training_windows_see_what_the_served_track_gives():
    """A window of the training pipeline equals the same frames of the whole track
    normalised and padded as the serving graph does, so training and serving agree."""
    examples = build_examples(synthetic.generate(0).corpus, ("S9",))
    norm = Normalization.fit(examples, "skeleton", scale_frames=5)
    config = TemporalConfig((3, 3), channels=4)
    windows = track_windows(examples, config, norm)
    inputs, _ = next(iter(window_dataset(windows, norm, batch_size=64)))
    track = examples.detected_2d[examples.track_rows()[0]]
    served = norm.normalise_track(track).numpy()
    padded = np.concatenate([np.repeat(served[:1], 4, 0), served, np.repeat(served[-1:], 4, 0)])
    for frame in (0, 3, 40):
        np.testing.assert_allclose(inputs[frame].numpy(), padded[frame:frame + 9], atol=1e-5)


def test_the_scale_window_is_stored_and_an_older_file_has_one_frame(tmp_path):
    _skeleton_norm(81).save(tmp_path / "norm.json")
    assert Normalization.load(tmp_path / "norm.json").scale_frames == 81
    fields = json.loads((tmp_path / "norm.json").read_text())
    del fields["scale_frames"], fields["scale_causal"]
    (tmp_path / "old.json").write_text(json.dumps(fields))
    assert Normalization.load(tmp_path / "old.json").scale_frames == 1
    (tmp_path / "even.json").write_text(json.dumps({**fields, "scale_frames": 4}))
    with pytest.raises(DataFormatError, match="even.json: scale_frames must be odd"):
        Normalization.load(tmp_path / "even.json")
    with pytest.raises(ValueError, match="needs input_normalization='skeleton'"):
        Normalization(*(np.zeros(n, np.float32) for n in (32, 32, 48, 48)), "pixels", 3)
    with pytest.raises(ValueError, match="flip_test needs --input_normalization=skeleton"):
        TemporalTrainSettings(model_dir=str(tmp_path), input_normalization="pixels",
                              architecture=TemporalConfig(flip_test=True))


def test_the_selection_split_holds_out_one_training_subject():
    assert h36m.subject_split() == (h36m.TRAIN_SUBJECTS, h36m.TEST_SUBJECTS)
    assert h36m.subject_split("S8") == (("S1", "S5", "S6", "S7"), ("S8",))
    with pytest.raises(ValueError, match="one of the training subjects"):
        h36m.subject_split("S9")


def test_a_selection_run_scores_its_held_out_subject_with_its_own_serving(tmp_path):
    """Trained on four subjects with a smoothed scale, flip augmentation and flip testing:
    scored on the fifth, and every deployable form smooths and flips as the run did (a
    mirrored track gets the mirrored poses)."""
    import tensorflow as tf
    from lifting.deployed import DeployedLifter
    from lifting.evaluation import EvaluateSettings, run
    from lifting.mirror import mirror_keypoints, mirror_pose
    settings = TemporalTrainSettings(
        model_dir=str(tmp_path), dataset="synthetic", epochs=1, scale_frames=3,
        selection_subject="S8", flip_augment=True,
        architecture=TemporalConfig((3,), channels=8, flip_test=True),
        batch_size=256, frame_stride=4)
    report = train_temporal(settings)
    held_out = build_examples(synthetic.generate(0).corpus, ("S8",))
    assert report["examples"] == len(held_out) and report["flip_test"]
    assert Normalization.load(tmp_path / "norm.json").scale_frames == 3
    export = os.path.join(tmp_path, "export")
    description = tf.saved_model.load(export).signatures["description"]()
    assert int(description["scale_frames"]) == 3 and bool(description["flip_test"])
    track = held_out.detected_2d[:50]
    mirrored = mirror_keypoints(track, np.full(50, 123.0)).numpy()
    for lifter in (DeployedLifter.load(str(tmp_path)), DeployedLifter.load(export)):
        np.testing.assert_allclose(mirror_pose(lifter.lift(mirrored)[:, 1:]),
                                   lifter.lift(track)[:, 1:], atol=1e-3)
    again = run(EvaluateSettings(model_dir=str(tmp_path), dataset="synthetic"))
    assert again["subjects"] == ["S8"] and again["examples"] == len(held_out)
    assert again["average"]["p1"] == pytest.approx(report["average"]["p1"], abs=1e-3)


def test_the_temporal_loss_is_chosen_by_name(tmp_path):
    from lifting.temporal_trainer import compiled_window_model
    settings = TemporalTrainSettings(model_dir=str(tmp_path), loss="mpjpe",
                                     architecture=TemporalConfig((3,), channels=4))
    model = compiled_window_model(settings, np.full(48, 50.0, np.float32), 10)
    assert model.loss.__name__ == "mpjpe_mm"
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        TemporalTrainSettings(model_dir=str(tmp_path), loss="l1")


def test_flip_testing_refuses_pixel_input():
    from lifting.temporal_serving import plain_track_function
    config = TemporalConfig((3,), channels=4, flip_test=True)
    with pytest.raises(ValueError, match="only skeleton input ignores"):
        plain_track_function(config.build(), Normalization.identity(), config)
