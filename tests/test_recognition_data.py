"""Skeleton datasets as the ENAS binaries' image splits: protocols, held-out validation from
the training side only, fresh augmented images per epoch, per-sequence scoring."""
import cv2
import numpy as np
import pytest

from common.per_sequence import per_sequence
from datasets import sbu
from datasets.catalog import load_sequences
from datasets.layouts import H36M_16, H36M_17
from enas.data import EpochFeed
from lifting.deployed import DeployedLifter
from spmf.data import AugmentOptions, SpmfDataConfig
from spmf.skeleton import reference_bone_lengths
from recognition.lifted import (draw_lifted_against_sensor, keypoints_2d, lift_dataset,
                         msr_sensor_in_camera_view)
from recognition.data import RecognitionData, load_splits, sequence_splits
from recognition.protocols import hold_out, protocol_split

AUGMENTED = SpmfDataConfig(augment=AugmentOptions(rotation_degrees=15, jitter_mm=5),
                           eval_views=3)


def test_msr_cross_subject_with_validation_from_training_subjects_only(msr_dir):
    dataset = load_sequences("msr_action3d", str(msr_dir))
    train, test = protocol_split(dataset, "msr_action3d", "AS1")
    kept, valid = hold_out(train, 0.15, seed=0)
    assert {s.subject for s in test.sequences} <= {2, 4, 6, 8, 10}
    assert {s.subject for s in kept.sequences} | {s.subject for s in valid.sequences} <= {
        1, 3, 5, 7, 9}
    assert not {s.source for s in kept.sequences} & {s.source for s in valid.sequences}
    assert len(kept.sequences) + len(valid.sequences) == len(train.sequences)
    # every class keeps most of its sequences and gives at least one to validation
    assert sorted({s.label for s in valid.sequences}) == list(range(8))
    assert len(train.class_names) == 8 and train.class_names[0] == "horizontal arm wave"


def _write_sbu(root, group, label, sequence, frames, first_frame):
    folder = root / group / f"{label:02d}" / f"{sequence:03d}"
    folder.mkdir(parents=True)
    lines = [",".join([str(first_frame + i)] + [f"{v:.6f}" for v in frame.ravel()])
             for i, frame in enumerate(frames)]
    (folder / sbu.FILE_NAME).write_text("\n".join(lines) + "\n")
    (folder / ".DS_Store").write_bytes(b"\x00\x01binary")


@pytest.fixture
def sbu_tree(tmp_path):
    """Two sequences per class in five sets (one test set of fold 1), frame numbers that do
    not start at 1, and the stray files a copied folder carries."""
    rng = np.random.default_rng(0)
    base = rng.uniform(0.3, 0.7, (30, 3)) * np.array([1, 1, 0.5])
    for group in ("s01s02", "s02s03", "s01s03", "s02s07", "s07s01"):
        for label in range(1, 9):
            for sequence in (1, 2):
                drift = np.cumsum(rng.normal(0, 0.004, (12, 30, 3)), axis=0)
                _write_sbu(tmp_path, group, label, sequence, base + drift,
                           first_frame=int(rng.integers(2, 90)))
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    (tmp_path / "s01s02" / "._s01s02").write_text("resource fork")
    return tmp_path


def test_sbu_folds_from_a_user_folder_with_stray_files(sbu_tree):
    config = RecognitionData(dataset="sbu", protocol="fold1", data_dir=str(sbu_tree),
                             valid_fraction=0.25, train_copies=2, images=AUGMENTED)
    splits = load_splits(config)
    assert splits.num_classes == 8 and splits.class_names[0] == "approaching"
    assert len(np.unique(splits.test_ids)) == 16  # s01s02 is fold 1's only set here
    assert len(splits.test[1]) == 16 * 3
    assert splits.description["layout"] == "sbu15"
    assert splits.train[0].shape[0] + len(np.unique(splits.valid_ids)) == 4 * 16
    with pytest.raises(ValueError, match="fold9"):
        RecognitionData(dataset="sbu", protocol="fold9")


def test_each_epoch_draws_its_own_images_as_a_pure_function_of_the_epoch():
    config = RecognitionData(valid_fraction=0.2, train_copies=2, images=AUGMENTED)
    first, again = load_splits(config), load_splits(config)
    images, labels = first.train_for_epoch(4)
    np.testing.assert_array_equal(images, again.train_for_epoch(4)[0])
    assert not np.array_equal(images, first.train_for_epoch(5)[0])
    assert len(labels) == 2 * len(first.train[1])
    # validation and test images are views of sequences the training side does not hold
    assert len(np.unique(first.valid_ids)) * 3 == len(first.valid[1])


def test_a_feed_opened_at_epoch_e_gives_the_batches_an_uninterrupted_run_sees_there():
    splits = load_splits(RecognitionData(train_copies=2, images=AUGMENTED))
    uninterrupted, resumed = EpochFeed(splits, 16, seed=3), EpochFeed(splits, 16, seed=3)
    for epoch in range(3):
        uninterrupted.on_epoch_begin(epoch)
        seen = [labels for _, labels in uninterrupted.dataset().as_numpy_iterator()]
    resumed.on_epoch_begin(2)
    again = [labels for _, labels in resumed.dataset().as_numpy_iterator()]
    assert len(seen) == len(splits.train[1]) * 2 // 16
    for a, b in zip(seen, again):
        np.testing.assert_array_equal(a, b)


def test_a_sequence_is_predicted_by_the_mean_of_its_views():
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]])
    means, labels = per_sequence(probabilities, np.array([0, 0, 1, 1]), np.array([0, 0, 1, 1]))
    np.testing.assert_allclose(means, [[0.55, 0.45], [0.45, 0.55]])
    np.testing.assert_array_equal(labels, [0, 1])


def test_msr_screen_joints_are_unmirrored_into_the_cameras_view(msr_dir):
    """Facing the sensor, a subject's right shoulder is on the left of the camera's image."""
    keypoints = keypoints_2d("msr_action3d", str(msr_dir))
    assert keypoints.layout.name == "h36m16" and keypoints.units == "px"
    first = np.stack([s.joints[0] for s in keypoints.sequences])
    right, left = (H36M_16.index(joint) for joint in ("RShoulder", "LShoulder"))
    assert np.mean(first[:, right, 0] < first[:, left, 0]) > 0.9
    head, hip = H36M_16.index("Head"), H36M_16.index("Hip")
    assert np.all(first[:, head, 1] < first[:, hip, 1])  # v grows downwards


def test_lifted_sequences_are_the_lifters_17_joints_per_person(sbu_tree, skeleton_lifter):
    lifter = DeployedLifter.load(skeleton_lifter)
    two_people = lift_dataset(keypoints_2d("sbu", str(sbu_tree)), lifter)
    assert two_people.layout.name == "h36m17" and two_people.units == "mm"
    assert all(s.joints.shape[1:] == (34, 3) for s in two_people.sequences)
    config = RecognitionData(dataset="synthetic", train_copies=1, images=AUGMENTED,
                             skeleton_source="lifted", lifter=skeleton_lifter)
    splits = load_splits(config)
    assert splits.description["layout"] == "h36m17"
    assert splits.description["skeleton_source"] == "lifted"
    assert splits.description["lifter_kind"] == "frame"  # what a deployment lifts it with
    assert np.isfinite(splits.train[0]).all() and splits.num_classes == 8


def test_rigid_lifted_bones_keep_one_length_per_person_and_sequence(sbu_tree, skeleton_lifter):
    """What pipeline.run classifies (rigid bones by default) is what such a classifier learns
    from: every bone of each person one length over the sequence."""
    from lifting.bone_lengths import bone_lengths

    lifter = DeployedLifter.load(skeleton_lifter)
    keypoints = keypoints_2d("sbu", str(sbu_tree))
    as_lifted = lift_dataset(keypoints, lifter)
    rigid = lift_dataset(keypoints, lifter, rigid=True)
    for loose, kept in zip(as_lifted.sequences, rigid.sequences):
        for person in range(2):
            people = kept.joints.reshape(kept.num_frames, 2, 17, 3)[:, person]
            lengths = bone_lengths(people)
            np.testing.assert_allclose(lengths, np.broadcast_to(lengths[:1], lengths.shape),
                                       rtol=1e-4)
            before = loose.joints.reshape(loose.num_frames, 2, 17, 3)[:, person]
            assert np.std(bone_lengths(before), axis=0).max() > 1e-3  # they did vary
    with pytest.raises(ValueError, match="lifted_rigid_bones needs"):
        RecognitionData(dataset="synthetic", lifted_rigid_bones=True)
    config = RecognitionData(dataset="synthetic", train_copies=1, images=AUGMENTED,
                             skeleton_source="lifted", lifter=skeleton_lifter,
                             lifted_rigid_bones=True)
    assert load_splits(config).description["bones"] == "rigid"


def test_the_every_subject_protocol_trains_on_all_and_tests_on_nothing(msr_dir):
    dataset = load_sequences("msr_action3d", str(msr_dir))
    train, test = protocol_split(dataset, "msr_action3d", "all20_every_subject")
    assert len(train.sequences) == len(dataset.sequences) and not test.sequences
    assert len(train.class_names) == 20


def test_lifted_msr_poses_are_drawn_beside_the_sensors(msr_dir, skeleton_lifter, tmp_path):
    sensor = load_sequences("msr_action3d", str(msr_dir))
    lifted = lift_dataset(keypoints_2d("msr_action3d", str(msr_dir)),
                          DeployedLifter.load(skeleton_lifter))
    assert len(lifted.sequences) == len(sensor.sequences)
    path = tmp_path / "lifted_vs_sensor.png"
    draw_lifted_against_sensor(sensor, lifted, str(path))
    picture = cv2.imread(str(path))
    assert picture.shape == (640, 4 * 320, 3)  # sensor above lifted, four sequences
    upright = msr_sensor_in_camera_view(sensor.sequences[0].joints[:1])[0]
    assert upright[H36M_17.index("Head"), 1] < upright[H36M_17.index("RFoot"), 1] - 1000


def test_a_classifier_for_every_subject_trains_and_exports_without_a_test_split(
        msr_dir, skeleton_lifter, tmp_path):
    from enas import arc as arc_lib
    from enas.final import FinalConfig, train_fixed
    from recognition.deployed import DeployedClassifier

    data = RecognitionData(dataset="msr_action3d", protocol="all20_every_subject",
                           data_dir=str(msr_dir), train_copies=1, skeleton_source="lifted",
                           lifter=skeleton_lifter)
    config = FinalConfig(output_dir=str(tmp_path), arc=tuple(arc_lib.parse("0").tolist()),
                         out_filters=4, num_epochs=1, batch_size=64, data=data)
    report = train_fixed(config, load_splits(data))
    assert report["test_examples"] == 0 and report["train_examples"] == 566
    classifier = DeployedClassifier.load(str(tmp_path / "export"))
    assert len(classifier.class_names) == 20 and classifier.layout == "h36m17"
    assert classifier.description["protocol"] == "all20_every_subject"
    assert classifier.lifter_kind == "frame"


def test_a_network_trained_on_other_actions_too_is_scored_and_deployed_among_its_own(
        msr_dir, tmp_path):
    from enas import arc as arc_lib
    from enas.final import FinalConfig, train_fixed
    from recognition.deployed import DeployedClassifier, save_compact

    data = RecognitionData(dataset="msr_action3d", protocol="AS2", data_dir=str(msr_dir),
                           train_copies=1, other_actions=True, selection_fold=0)
    splits = load_splits(data)
    assert splits.num_classes == 20 and splits.num_scored == 8
    assert splits.description["also_trained_on"].startswith("horizontal arm wave, hammer,")
    assert "high arm wave" not in splits.description["also_trained_on"]  # AS2's own
    config = FinalConfig(output_dir=str(tmp_path / "run"), arc=tuple(arc_lib.parse("0").tolist()),
                         out_filters=4, num_epochs=1, batch_size=64, data=data)
    report = train_fixed(config, splits)
    assert np.array(report["test_sequence_probabilities"]).shape == (report["test_sequences"], 8)
    np.testing.assert_allclose(np.sum(report["test_sequence_probabilities"], 1), 1, atol=1e-3)
    assert np.array(report["confusion"]).shape == (8, 8)
    exported = DeployedClassifier.load(str(tmp_path / "run" / "export"))
    save_compact(str(tmp_path / "run"), splits, str(tmp_path / "compact"))
    compact = DeployedClassifier.load(str(tmp_path / "compact"))
    assert exported.class_names == compact.class_names == splits.class_names[:8]
    joints = load_sequences("msr_action3d", str(msr_dir)).sequences[0].joints
    for classifier in (exported, compact):
        probabilities = classifier.classify(joints)
        assert probabilities.shape == (8,) and abs(probabilities.sum() - 1) < 1e-4


def test_reference_bones_come_from_the_training_sequences_and_travel_with_the_classifier():
    config = RecognitionData(valid_fraction=0.2, reference_bones=True)
    train, _, test, _ = sequence_splits(config)
    splits = load_splits(config)
    carried = SpmfDataConfig.from_json(splits.description["spmf_config"]).skeleton.bone_lengths
    assert carried == reference_bone_lengths([s.joints for s in train.sequences], train.layout,
                                             [s.source for s in train.sequences])
    assert carried != reference_bone_lengths([s.joints for s in test.sequences], test.layout,
                                             [s.source for s in test.sequences])
    plain = load_splits(RecognitionData(valid_fraction=0.2))
    assert SpmfDataConfig.from_json(plain.description["spmf_config"]).skeleton.bone_lengths == ()
    assert not np.array_equal(plain.train[0], splits.train[0])
