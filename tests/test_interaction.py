"""Two people, one interaction: real SBU Kinect Interaction pairs, projected to 2D, through the
shipped interaction classifier (`recognition.interaction`) and pipeline.run's pair path."""
import json
import os
import shutil

import numpy as np
import pytest

from datasets import sbu
from datasets.layouts import H36M_17
from lifting.bone_lengths import rigid_bones
from lifting.deployed import DeployedLifter
from pipeline.analysis import PRETRAINED_INTERACTION, RunSettings, load_models, pair_lifter, run
from pose2d.front_end import FrontEndSettings
from pose2d.tracker import TrackerSettings
from recognition.deployed import OWN_LIFTER_DIR, DeployedClassifier
from recognition.interaction import classify_pair
from recognition.lifted import SBU_IMAGE_SIZE, keypoints_2d
from recognition.protocols import protocol_split
from tests.pipeline_inputs import openpose_folder_of, track_keypoints


@pytest.fixture(scope="module")
def one_per_class(sbu_dir):
    """The first fold-1 test sequence of each of SBU's 8 interactions: (T, 2, 16, 2) pixels."""
    _, test = protocol_split(keypoints_2d("sbu", str(sbu_dir)), "sbu", "fold1")
    chosen = {}
    for sequence in test.sequences:
        chosen.setdefault(sequence.label, sequence)
    assert len(chosen) == 8
    return [(label, sequence.joints.reshape(sequence.num_frames, 2, 16, 2))
            for label, sequence in sorted(chosen.items())]


@pytest.fixture(scope="module")
def interaction_classifier():
    return DeployedClassifier.load(PRETRAINED_INTERACTION)


def test_the_shipped_classifier_knows_sbus_interactions_on_the_lifters_joints(
        interaction_classifier):
    assert interaction_classifier.layout == H36M_17.name
    assert interaction_classifier.description["dataset"] == "sbu"
    assert "hugging" in interaction_classifier.class_names
    assert len(interaction_classifier.class_names) == 8


def test_a_pairs_label_does_not_depend_on_which_person_comes_first(one_per_class,
                                                                   interaction_classifier):
    lifter = DeployedLifter.load()
    _, keypoints = one_per_class[5]
    poses = [lifter.lift(keypoints[:, person]) for person in (0, 1)]
    focal = float(max(SBU_IMAGE_SIZE))
    forward = classify_pair(interaction_classifier, poses[0], poses[1], keypoints[:, 0],
                            keypoints[:, 1], focal)
    backward = classify_pair(interaction_classifier, poses[1], poses[0], keypoints[:, 1],
                             keypoints[:, 0], focal)
    np.testing.assert_allclose(forward, backward, atol=1e-4)  # the same images, re-batched
    assert forward.sum() == pytest.approx(1.0, abs=1e-4)


def test_sbu_pairs_through_pipeline_run_get_one_pair_and_the_classifiers_own_label(
        one_per_class, interaction_classifier, skeleton_lifter, tmp_path):
    settings = dict(video=None, videos=False, openpose_fps=sbu.FRAME_RATE_HZ,
                    front_end=FrontEndSettings(tracker=TrackerSettings(max_people=2)))
    models = load_models(RunSettings(openpose_dir=str(tmp_path), out_dir="", **settings))
    own_lifter = DeployedLifter.load(interaction_classifier.own_lifter)
    right = 0
    for label, keypoints in one_per_class:
        out = tmp_path / f"out_{label}"
        summary = run(RunSettings(openpose_dir=str(openpose_folder_of(tmp_path / str(label),
                                                                    keypoints)),
                                  out_dir=str(out), **settings), models)
        assert [p["track_ids"] for p in summary["pairs"]] == [[0, 1]]
        interaction = json.loads((out / "pair_0_1" / "interaction.json").read_text())
        assert interaction["frames_both_lifted"] >= 0.8 * len(keypoints)
        assert interaction["label_set"] == "sbu"
        (first, focal), (second, _) = track_keypoints(out, 0), track_keypoints(out, 1)
        poses = [rigid_bones(own_lifter.lift(track, sbu.FRAME_RATE_HZ))
                 for track in (first, second)]
        own = classify_pair(interaction_classifier, *poses, first, second, focal)
        assert interaction_classifier.class_names[own.argmax()] == summary["pairs"][0][
            "interaction"]
        assert interaction["top5"][0]["probability"] == pytest.approx(own.max(), abs=0.01)
        right += summary["pairs"][0]["interaction"] == interaction_classifier.class_names[label]
        assert (out / "pair_0_1" / "skeleton_3d.png").stat().st_size > 0
        assert "Pair #0 and #1" in (out / "report.html").read_text()
    # the shipped classifier trained on every set, these included: this checks the wiring
    # (a pair fed in the wrong order, unplaced or misaligned scores far lower)
    assert right >= 6


def test_a_pair_is_lifted_by_the_kind_of_lifter_its_classifier_learnt_from(one_per_class,
                                                                            tmp_path):
    """An interaction classifier that states the temporal lifter's poses gets that lifter's
    poses of the pair, whatever lifter the run shows the people with."""
    stated = tmp_path / "temporal_interaction"
    shutil.copytree(PRETRAINED_INTERACTION, stated)
    described = json.loads((stated / "classifier.json").read_text())
    described["description"]["lifter_kind"] = "temporal"
    (stated / "classifier.json").write_text(json.dumps(described))
    shutil.rmtree(stated / OWN_LIFTER_DIR)  # a classifier shipped without its lifter
    classifier = DeployedClassifier.load(str(stated))
    _, keypoints = one_per_class[5]
    out = tmp_path / "out"
    summary = run(RunSettings(
        video=None, openpose_dir=str(openpose_folder_of(tmp_path / "in", keypoints)),
        out_dir=str(out), videos=False, lifter_kind="frame", openpose_fps=sbu.FRAME_RATE_HZ,
        interaction_classifier=str(stated),
        front_end=FrontEndSettings(tracker=TrackerSettings(max_people=2))))
    interaction = json.loads((out / "pair_0_1" / "interaction.json").read_text())
    temporal = DeployedLifter.load(None, "temporal")
    assert interaction["lifter"] == temporal.source
    (first, focal), (second, _) = track_keypoints(out, 0), track_keypoints(out, 1)
    poses = [rigid_bones(temporal.lift(track, sbu.FRAME_RATE_HZ)) for track in (first, second)]
    own = classify_pair(classifier, *poses, first, second, focal)
    assert summary["pairs"][0]["interaction"] == classifier.class_names[own.argmax()]
    assert interaction["top5"][0]["probability"] == pytest.approx(own.max(), abs=0.01)
    with np.load(out / "track_0" / "poses_3d.npz") as stored:  # the person as shown
        assert np.nanmax(np.abs(stored["poses"] - poses[0])) > 1.0


def test_the_shipped_pair_classifier_is_fed_the_poses_of_the_lifter_it_ships_with(
        interaction_classifier):
    """Its figures were measured on that lifter's poses: whatever lifter the run shows people
    with, and whatever the shipped lifter of its kind is now, the pair is lifted by its own."""
    own = interaction_classifier.own_lifter
    assert own == os.path.join(PRETRAINED_INTERACTION, OWN_LIFTER_DIR)
    for kind in ("frame", "temporal"):
        lifter = pair_lifter(interaction_classifier, DeployedLifter.load(None, kind))
        assert lifter.source == own and lifter.kind == interaction_classifier.lifter_kind


def test_pairs_none_labels_people_alone(one_per_class, skeleton_lifter, tmp_path):
    _, keypoints = one_per_class[0]
    settings = RunSettings(video=None, openpose_dir=str(openpose_folder_of(tmp_path / "in",
                                                                         keypoints)),
                           out_dir=str(tmp_path / "out"), videos=False, pairs="none",
                           front_end=FrontEndSettings(tracker=TrackerSettings(max_people=2)))
    summary = run(settings)
    assert summary["pairs"] == [] and len(summary["people"]) == 2
    assert not list((tmp_path / "out").glob("pair_*"))


def test_a_person_hidden_for_a_few_frames_keeps_their_track_and_the_gap_is_reported(
        one_per_class, tmp_path):
    label, keypoints = one_per_class[5]  # hugging: the two bodies overlap
    hidden = range(10, 16)
    settings = RunSettings(video=None, openpose_dir=str(openpose_folder_of(
        tmp_path / "in", keypoints, hidden)), out_dir=str(tmp_path / "out"), videos=False,
        openpose_fps=sbu.FRAME_RATE_HZ, front_end=FrontEndSettings(
            tracker=TrackerSettings(max_people=2)))
    summary = run(settings)
    assert [p["track_id"] for p in summary["people"]] == [0, 1]  # no third id after the gap
    assert sorted(p["frames_lifted"] for p in summary["people"]) == [len(keypoints) - 6,
                                                                     len(keypoints)]
    interaction = json.loads((tmp_path / "out" / "pair_0_1" / "interaction.json").read_text())
    # the frames the second person was hidden in are not invented: the pair is classified
    # on the others and says how many
    assert interaction["frames_both_seen"] == interaction["frames_both_lifted"] == len(
        keypoints) - 6
    assert summary["pairs"][0]["interaction"] == "hugging"


def test_the_pair_scorer_refuses_a_network_that_is_not_sbu_from_lifted_poses(sbu_dir):
    import pretrained
    from pipeline.pair_scoring import score_model
    from pipeline.pairs import PairRule
    from recognition.zoo import WrongDataset
    for entry, kind in (("msr_AS1", "msr_action3d network on sensor"),
                        ("sbu_fold1", "sbu network on sensor")):
        with pytest.raises(WrongDataset, match=kind):
            score_model(pretrained.path("recognition", entry), str(sbu_dir), PairRule())
