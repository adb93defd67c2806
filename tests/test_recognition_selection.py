"""Choices are made without the test split: a selection fold scores one held-out training
group, the floor picks its setting by cross-validation on the training side, and the probe
reports every seed beside the floor."""
import dataclasses
import json

import numpy as np
import pytest

from datasets.catalog import load_sequences
from common.run_record import SettingsMismatch
from recognition.data import RecognitionData, sequence_splits
from recognition.floor import FloorSettings, floor_accuracy, sequence_features
from recognition.protocols import protocol_split, selection_split, training_groups


def test_a_selection_fold_holds_out_one_whole_training_group_and_never_the_test_side():
    dataset = load_sequences("synthetic", None)
    train, test = protocol_split(dataset, "synthetic", "cross_subject")
    groups = training_groups(train)
    assert len(groups) == 5
    held = []
    for fold in range(len(groups) + 1):
        fit, scored, name = selection_split(train, fold)
        assert {s.subject for s in scored.sequences} == {int(name.split()[-1])}
        assert not {s.source for s in fit.sequences} & {s.source for s in scored.sequences}
        assert len(fit.sequences) + len(scored.sequences) == len(train.sequences)
        held.append(name)
    assert held[:5] == groups and held[5] == held[0]  # the folds cycle through the groups
    config = RecognitionData(selection_fold=2)
    fit, _, scored, what = sequence_splits(config)
    test_sources = {s.source for s in test.sequences}
    assert not test_sources & ({s.source for s in fit.sequences}
                               | {s.source for s in scored.sequences})
    assert "selection" in what and groups[2] in what


def test_the_floors_features_forget_position_and_body_size():
    rng = np.random.default_rng(0)
    joints = rng.normal(size=(30, 17, 3)) * 100
    features = sequence_features(joints, 10)
    moved = sequence_features(2.5 * joints + np.array([500.0, -40.0, 3000.0]), 10)
    np.testing.assert_allclose(features, moved, rtol=1e-4, atol=1e-5)
    assert features.shape == (10 * 17 * 3 + 9 * 17 * 3 + 10 * 17 * 16 // 2,)


def test_the_floor_chooses_its_setting_on_the_training_side_only():
    dataset = load_sequences("synthetic", None)
    train, test = protocol_split(dataset, "synthetic", "cross_subject")
    quick = FloorSettings(num_frames=6, c_grid=(0.01, 1.0), folds=3)
    result = floor_accuracy(train, test, quick)
    assert result["floor_sequence_accuracy"] > 0.5  # eight actions: chance is 0.125
    scores = result["cross_validated_accuracy_by_c"]
    assert result["chosen_c"] == max((0.01, 1.0), key=lambda c: (scores[f"{c:g}"], -c))
    relabelled = dataclasses.replace(test, sequences=tuple(
        dataclasses.replace(s, label=(s.label + 1) % 8) for s in test.sequences))
    again = floor_accuracy(train, relabelled, quick)
    assert again["chosen_c"] == result["chosen_c"]  # the test labels decide nothing
    assert again["cross_validated_accuracy_by_c"] == scores
    assert again["floor_sequence_accuracy"] < 0.5


@pytest.mark.slow  # two tiny fixed-arc trainings
def test_the_probe_scores_every_seed_beside_the_floor_and_resumes(tmp_path):
    from enas.final import FinalConfig
    from recognition.lever_probe import ProbeSettings, run_probe
    from spmf.data import SpmfDataConfig
    settings = ProbeSettings(
        output_dir=str(tmp_path), seeds=(0, 1),
        final=FinalConfig(output_dir="", arc=(0, 3, 1, 4, 0, 1), out_filters=8, batch_size=32,
                          num_epochs=1),
        data=RecognitionData(train_copies=1, images=SpmfDataConfig(eval_views=2)))
    result = run_probe(settings)
    assert result["seeds"] == [0, 1] and len(result["floor_percent"]) == 2
    assert result["scored"][0] != result["scored"][1] and "selection" in result["scored"][0]
    assert result["ensemble_percent"] is None  # the seeds scored different groups
    stamp = (tmp_path / "seed0" / "eval.json").stat().st_mtime_ns
    assert run_probe(settings) == result
    assert (tmp_path / "seed0" / "eval.json").stat().st_mtime_ns == stamp
    assert "margin" in (tmp_path / "probe.md").read_text()
    # seeds may be added to the folder (each sets its own seed fields); other changes may not
    more = run_probe(dataclasses.replace(settings, seeds=(0, 1, 2), data=dataclasses.replace(
        settings.data, images=SpmfDataConfig(eval_views=2, seed=2))))
    assert more["seeds"] == [0, 1, 2] and more["network_percent"][:2] == result["network_percent"]
    assert (tmp_path / "seed0" / "eval.json").stat().st_mtime_ns == stamp
    with pytest.raises(SettingsMismatch, match="data.train_copies stored 1, given 2"):
        run_probe(dataclasses.replace(settings, data=dataclasses.replace(settings.data,
                                                                         train_copies=2)))
    tested = run_probe(dataclasses.replace(settings, output_dir=str(tmp_path / "test"),
                                           selection=False))
    assert tested["ensemble_percent"] is not None and "test" in tested["scored"][0]
    assert json.loads((tmp_path / "test" / "probe.json").read_text()) == tested


def test_seeds_that_hold_out_the_same_group_are_ensembled_per_group():
    from recognition.lever_probe import summary

    def report(seed, scored, probabilities, labels):
        correct = np.argmax(probabilities, 1) == np.array(labels)
        return {"seed": seed, "scored": scored, "test_sequence_labels": labels,
                "test_sequence_probabilities": probabilities,
                "test_sequence_accuracy": float(correct.mean()), "floor_sequence_accuracy": 0.5}

    # group a: each seed right on one of two sequences, their mean right on both
    a0 = report(0, "a", [[0.9, 0.1], [0.6, 0.4]], [0, 1])
    a2 = report(2, "a", [[0.4, 0.6], [0.1, 0.9]], [0, 1])
    b1 = report(1, "b", [[1.0, 0.0]], [0])  # held out by one seed only: no ensemble
    result = summary([a0, b1, a2])
    assert result["ensembles"] == {"a": {"size": 2, "percent": 100.0}}
    assert result["ensemble_percent"] == 100.0
    assert result["ensembled_singles_percent"] == 50.0  # seeds 0 and 2, not seed 1
    # group c, three seeds all right: it weighs as much as group a, not one and a half times
    c = [report(seed, "c", [[0.9, 0.1]], [0]) for seed in (3, 4, 5)]
    both = summary([a0, b1, a2, *c])
    assert both["ensemble_percent"] == 100.0
    assert both["ensembled_singles_percent"] == 75.0  # (50 + 100) / 2, not (50 * 2 + 100 * 3) / 5


def test_other_actions_add_the_training_subjects_other_classes_and_score_the_subsets_own(
        msr_dir):
    dataset = load_sequences("msr_action3d", str(msr_dir))
    own_train, test = protocol_split(dataset, "msr_action3d", "AS1")
    train, same_test = protocol_split(dataset, "msr_action3d", "AS1", other_actions=True)
    assert same_test == test and len(train.class_names) == 20
    assert train.class_names[:8] == test.class_names
    assert {s.subject for s in train.sequences} == {1, 3, 5, 7, 9}
    assert {s.label for s in train.sequences} == set(range(20))
    assert len(train.sequences) > 2 * len(own_train.sequences)
    own = {s.source: s.label for s in own_train.sequences}
    assert all(own[s.source] == s.label for s in train.sequences if s.label < 8)
    assert sum(s.label < 8 for s in train.sequences) == len(own)
    # a selection fold holds the subject out of every action and scores the subset's only
    config = RecognitionData(dataset="msr_action3d", protocol="AS1", data_dir=str(msr_dir),
                             other_actions=True, selection_fold=1)
    fit, _, scored, what = sequence_splits(config, dataset)
    assert scored.class_names == test.class_names and {s.label for s in scored.sequences} <= set(
        range(8))
    assert {s.subject for s in scored.sequences} == {3} and 3 not in {
        s.subject for s in fit.sequences}
    assert len(fit.class_names) == 20
    # the floor stays the protocol's own plain model
    quick = FloorSettings(num_frames=6, c_grid=(0.1,), folds=2)
    assert floor_accuracy(train, test, quick) == floor_accuracy(own_train, test, quick)


@pytest.mark.parametrize("dataset, protocol", [("msr_action3d", "all20"), ("sbu", "fold1"),
                                               ("synthetic", "cross_subject")])
def test_other_actions_are_refused_where_the_protocol_has_every_action_already(dataset,
                                                                               protocol):
    with pytest.raises(ValueError, match="other_actions needs"):
        RecognitionData(dataset=dataset, protocol=protocol, other_actions=True)
