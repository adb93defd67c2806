"""The sensor-against-lifted table pools seeds per protocol and shows the gap."""
import json

import pytest

from common.errors import DataFormatError
from recognition.compare_sources import pooled, table


def _results(path, protocol, accuracies):
    path.write_text(json.dumps([{"protocol": protocol, "seed": seed,
                                 "found_arc": {"test_sequence_accuracy": accuracy}}
                                for seed, accuracy in enumerate(accuracies)]))
    return str(path)


def test_the_table_pools_seeds_and_shows_the_gap(tmp_path):
    sensor = pooled([_results(tmp_path / "a.json", "AS1", [0.80, 0.90]),
                     _results(tmp_path / "b.json", "AS2", [0.70])])
    lifted = pooled([_results(tmp_path / "c.json", "AS1", [0.75])])
    text = table(sensor, lifted)
    assert "| AS1 | 85.00 ± 5.00 (n=2) | 75.00 ± 0.00 (n=1) | -10.00 |" in text
    assert "| AS2 | 70.00 ± 0.00 (n=1) | not run |  |" in text


@pytest.mark.parametrize("content", ["", "{\"protocol\": 1}", "[{\"seed\": 0}]"],
                         ids=["empty", "not_a_list_of_runs", "run_without_fields"])
def test_a_file_that_is_not_an_experiments_results_is_named(tmp_path, content):
    path = tmp_path / "results.json"
    path.write_text(content)
    with pytest.raises(DataFormatError, match="results.json: not the results.json"):
        pooled([str(path)])


def test_a_missing_results_file_is_named(tmp_path):
    with pytest.raises(DataFormatError, match="absent.json: cannot be read"):
        pooled([str(tmp_path / "absent.json")])
