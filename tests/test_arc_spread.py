"""The found arc against random arcs: the draws, the spread and where the found seeds fall."""
import dataclasses
import json

import numpy as np
import pytest

from enas import arc as arc_lib
from recognition.arc_spread import drawn_arcs, per_class, place


def test_random_arcs_are_valid_distinct_and_the_same_every_time():
    arcs = drawn_arcs(num_layers=6, num_ops=4, count=8)
    assert arcs == drawn_arcs(num_layers=6, num_ops=4, count=8)
    assert len(set(arcs)) == 8
    for arc in arcs:
        arc_lib.validate(np.array(arc), num_layers=6)
        assert max(op for op, _ in arc_lib.layers(np.array(arc))) < 4


def _probe(seeds, figures, scored):
    return {"seeds": seeds, "network_percent": figures, "scored": scored,
            "network_mean": float(np.mean(figures)), "floor_percent": [70.0] * len(seeds)}


def test_each_found_seed_is_placed_among_the_random_arcs_scored_on_its_split():
    random = [_probe([0], [value], ["AS1 test"]) for value in (80.0, 84.0, 86.0, 90.0)]
    found = _probe([0, 1, 2], [85.0, 91.0, 60.0], ["AS1 test"] * 3)
    result = place(found, random)
    assert (result["random_min"], result["random_median"], result["random_max"]) == (80, 85, 90)
    assert result["found_beats_per_seed"] == {"0": 2, "1": 4, "2": 0}
    on_folds = _probe([0, 1], [85.0, 91.0], ["selection 01", "selection 03"])
    assert place(on_folds, [_probe([0], [84.0], ["selection 01"])])["found_beats_per_seed"] \
        == {"0": 1}  # seed 1 scored another subject: not comparable, not counted


def test_per_class_accuracy_is_of_the_seeds_softmax_ensemble(tmp_path):
    labels = [0, 0, 1, 1]
    seeds = {0: [[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.6, 0.4]],
             1: [[0.8, 0.2], [0.8, 0.2], [0.3, 0.7], [0.7, 0.3]]}
    for seed, probabilities in seeds.items():
        (tmp_path / f"seed{seed}").mkdir()
        (tmp_path / f"seed{seed}" / "eval.json").write_text(json.dumps(
            {"test_sequence_labels": labels, "test_sequence_probabilities": probabilities}))
    assert per_class(str(tmp_path), (0, 1), ("a", "b")) == {"a": 100.0, "b": 50.0}


@pytest.mark.slow  # three tiny fixed-arc trainings
def test_the_spread_trains_the_found_and_the_random_arcs_and_resumes(tmp_path):
    from enas.final import FinalConfig
    from recognition.arc_spread import SpreadSettings, run_spread
    from recognition.data import RecognitionData
    from recognition.lever_probe import ProbeSettings
    from spmf.data import SpmfDataConfig
    probe = ProbeSettings(
        output_dir="", seeds=(0,), selection=False,
        final=FinalConfig(output_dir="", arc=(0, 3, 1, 4, 0, 1), out_filters=8, batch_size=32,
                          num_epochs=1),
        data=RecognitionData(train_copies=1, images=SpmfDataConfig(eval_views=2)))
    settings = SpreadSettings(output_dir=str(tmp_path), probe=probe, num_arcs=2)
    result = run_spread(settings)
    assert len(result["random_percent"]) == 2 and set(result["found_beats_per_seed"]) == {"0"}
    trained = [tuple(json.loads((tmp_path / f"random{k}" / "seed0" / "config.json").read_text())
                     ["settings"]["arc"]) for k in range(2)]
    assert trained == drawn_arcs(3, arc_lib.NUM_OPS, 2)
    assert {"spread.md", "spread.png", "spread.json"} <= {p.name for p in tmp_path.iterdir()}
    from datasets.synthetic import generate
    assert set(result["per_class_percent"]) <= set(generate(0).sequences.class_names)
    with pytest.raises(Exception, match="other settings"):
        run_spread(dataclasses.replace(settings, num_arcs=3))
