"""The ensemble of several recipes' probe networks: softmaxes averaged per seed, only over the
same held-out sequences, with each recipe's own figure beside it."""
import json

import pytest

from common.errors import DataFormatError
from recognition.recipe_ensemble import markdown, recipe_ensembles


def _seed(probe, seed, probabilities, labels=(0, 1, 2), scored="AS1 subject 01"):
    folder = probe / f"seed{seed}"
    folder.mkdir(parents=True)
    predicted = [max(range(len(p)), key=p.__getitem__) for p in probabilities]
    accuracy = sum(p == t for p, t in zip(predicted, labels)) / len(labels)
    (folder / "eval.json").write_text(json.dumps({
        "seed": seed, "scored": scored, "test_sequence_labels": list(labels),
        "test_sequence_probabilities": probabilities, "test_sequence_accuracy": accuracy,
        "floor_sequence_accuracy": 1 / 3}))


def test_two_recipes_that_err_differently_are_averaged_per_seed(tmp_path):
    """Recipe a is sure and wrong on sequence 2, b mildly wrong on sequence 1: each scores
    2 of 3, their mean softmax all 3; a seed only one probe finished is left out."""
    a, b = tmp_path / "a", tmp_path / "b"
    _seed(a, 0, [[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1]])
    _seed(b, 0, [[0.8, 0.1, 0.1], [0.45, 0.35, 0.2], [0.1, 0.1, 0.8]])
    _seed(a, 1, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    result = recipe_ensembles([str(a), str(b)])
    assert result["seeds"] == [0]
    assert result["per_probe_mean"] == pytest.approx([200 / 3, 200 / 3])
    assert result["ensemble_mean"] == pytest.approx(100.0)
    assert "**100.00**" in markdown(result)


def test_softmaxes_of_different_sequences_are_refused_by_folder(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    _seed(a, 0, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    _seed(b, 0, [[1, 0, 0], [0, 1, 0], [0, 0, 1]], scored="AS1 subject 03")
    with pytest.raises(DataFormatError, match=r"/b: seed 0 scored 'AS1 subject 03'"):
        recipe_ensembles([str(a), str(b)])


def test_a_folder_without_finished_seeds_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFormatError, match="not a finished probe"):
        recipe_ensembles([str(tmp_path / "empty")])
