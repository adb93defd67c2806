"""Sensor-3D against lifted-3D recognition, one table: what predicting the poses costs.

    python -m recognition.compare_sources --sensor=runs/msr_AS1/results.json,runs/msr_AS2/results.json \
        --lifted=runs/msr_lifted_AS1/results.json --out=runs/sensor_vs_lifted.md

Reads the results.json of recognition.experiment runs (any number of each source: their runs are
pooled per protocol) and writes, per protocol, the found arc's per-sequence accuracy as mean
± std over seeds for both sources, the difference, and the seeds behind each figure.
"""
from __future__ import annotations

import json
import os

import numpy as np
from absl import app, flags

from common.run_record import exit_on_user_error, require_writable_folder
from common.atomic import write_text
from common.errors import DataFormatError

FLAGS = flags.FLAGS


def pooled(paths: list[str]) -> dict[str, list[float]]:
    """{protocol: the found arc's per-sequence accuracy of every seed} over PATHS."""
    accuracies: dict[str, list[float]] = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                runs = json.load(handle)
            for run in runs:
                accuracies.setdefault(run["protocol"], []).append(
                    run["found_arc"]["test_sequence_accuracy"])
        except OSError as error:
            raise DataFormatError(path, f"cannot be read ({error.strerror})") from None
        except (ValueError, KeyError, TypeError) as error:
            raise DataFormatError(path, "not the results.json of an recognition.experiment "
                                        f"({type(error).__name__}: {error})") from None
    return accuracies


def _cell(values: list[float]) -> str:
    if not values:
        return "not run"
    return f"{100 * np.mean(values):.2f} ± {100 * np.std(values):.2f} (n={len(values)})"


def table(sensor: dict[str, list[float]], lifted: dict[str, list[float]]) -> str:
    protocols = sorted(set(sensor) | set(lifted))
    lines = ["| protocol | sensor 3D | lifted 3D | lifted - sensor |", "|---|---|---|---|"]
    for protocol in protocols:
        a, b = sensor.get(protocol, []), lifted.get(protocol, [])
        gap = f"{100 * (np.mean(b) - np.mean(a)):+.2f}" if a and b else ""
        lines.append(f"| {protocol} | {_cell(a)} | {_cell(b)} | {gap} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    del argv
    rows = exit_on_user_error("recognition.compare_sources",
                              lambda: table(pooled(FLAGS.sensor), pooled(FLAGS.lifted)))
    text = ("# Action recognition from sensor and from lifted 3D poses\n\nPer-sequence "
            "accuracy (%) of the found arc, mean ± std over seeds.\n\n" + rows)
    exit_on_user_error("recognition.compare_sources", lambda: (
        require_writable_folder(os.path.dirname(os.path.abspath(FLAGS.out))),
        write_text(FLAGS.out, text)))
    print(text)


if __name__ == "__main__":
    flags.DEFINE_list("sensor", [], "results.json files of sensor-3D experiments.")
    flags.DEFINE_list("lifted", [], "results.json files of lifted-3D experiments.")
    flags.DEFINE_string("out", None, "The markdown table to write.")
    flags.mark_flag_as_required("out")
    app.run(main)
