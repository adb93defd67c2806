"""The softmax ensemble of several recipes' networks, judged on the probes' own splits:

    python -m recognition.recipe_ensemble \
        --probes=runs/probe_AS1_base,runs/probe_AS1_jitter30,runs/probe_AS1_h36m16

A seed's networks from one recipe make the same subject-wide mistakes (their ensemble lands on
their mean), so the ensemble worth asking about is one of networks that learnt differently.
Each probe folder (`recognition.probe`) holds one eval.json per seed; a seed scores the same
held-out sequences in every probe, so the mean of the probes' softmaxes per seed is an
ensemble scored on data no choice has seen. Prints one JSON line; --out also writes markdown.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import glob
import json
import os

import numpy as np
from absl import app, flags

from common.atomic import write_text
from common.errors import DataFormatError, read_json
from common.run_record import exit_on_user_error
from recognition.lever_probe import EVAL_FILE, ensemble_prediction

_NEEDED = {"seed", "scored", "test_sequence_labels", "test_sequence_probabilities",
           "test_sequence_accuracy", "floor_sequence_accuracy"}


def _seed_reports(probe: str) -> dict[int, dict]:
    """{seed: eval.json} of the finished seeds of PROBE."""
    reports = {}
    for path in sorted(glob.glob(os.path.join(probe, "seed*", EVAL_FILE))):
        report = read_json(path)
        missing = _NEEDED - set(report)
        if missing:
            raise DataFormatError(path, f"lacks {sorted(missing)}: not a probe seed's report")
        reports[int(report["seed"])] = report
    if not reports:
        raise DataFormatError(probe, f"holds no seed<k>/{EVAL_FILE}: not a finished probe")
    return reports


def _check_same_sequences(seed: int, reports: list[dict], probes: list[str]) -> None:
    """Refuses to average softmaxes of different sequences (other splits or datasets)."""
    first = reports[0]
    for probe, report in zip(probes[1:], reports[1:]):
        if (report["scored"] != first["scored"]
                or report["test_sequence_labels"] != first["test_sequence_labels"]):
            raise DataFormatError(probe, f"seed {seed} scored {report['scored']!r}, not the "
                                  f"sequences {probes[0]} scored ({first['scored']!r})")


def recipe_ensembles(probes: list[str]) -> dict:
    """Per seed every probe finished: each probe's accuracy, their mean, and the accuracy of
    their mean softmax (%), then the means over those seeds."""
    by_probe = [_seed_reports(probe) for probe in probes]
    seeds = sorted(set.intersection(*(set(reports) for reports in by_probe)))
    if not seeds:
        raise DataFormatError(",".join(probes), "the probes share no finished seed")
    rows = []
    for seed in seeds:
        reports = [reports[seed] for reports in by_probe]
        _check_same_sequences(seed, reports, probes)
        labels = np.array(reports[0]["test_sequence_labels"])
        singles = [100 * r["test_sequence_accuracy"] for r in reports]
        rows.append({"seed": seed, "scored": reports[0]["scored"], "singles": singles,
                     "singles_mean": float(np.mean(singles)),
                     "ensemble": 100 * float(np.mean(ensemble_prediction(reports) == labels)),
                     "floor": 100 * reports[0]["floor_sequence_accuracy"]})
    return {"probes": probes, "seeds": seeds, "rows": rows,
            "per_probe_mean": [float(np.mean([r["singles"][k] for r in rows]))
                               for k in range(len(probes))],
            "ensemble_mean": float(np.mean([r["ensemble"] for r in rows])),
            "floor_mean": float(np.mean([r["floor"] for r in rows]))}


def markdown(result: dict) -> str:
    names = [os.path.basename(os.path.normpath(p)) for p in result["probes"]]
    lines = ["| seed | scored | " + " | ".join(names) + " | ensemble | floor |",
             "|---|---|" + "---|" * (len(names) + 2)]
    for row in result["rows"]:
        lines.append(f"| {row['seed']} | {row['scored']} | "
                     + " | ".join(f"{v:.2f}" for v in row["singles"])
                     + f" | {row['ensemble']:.2f} | {row['floor']:.2f} |")
    lines.append("| mean | | " + " | ".join(f"{v:.2f}" for v in result["per_probe_mean"])
                 + f" | **{result['ensemble_mean']:.2f}** | {result['floor_mean']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    del argv
    result = exit_on_user_error("recognition.recipe_ensemble",
                                lambda: recipe_ensembles(flags.FLAGS.probes))
    if flags.FLAGS.out:
        write_text(flags.FLAGS.out, markdown(result))
    print(json.dumps({key: result[key] for key in
                      ("seeds", "per_probe_mean", "ensemble_mean", "floor_mean")}))


if __name__ == "__main__":
    flags.DEFINE_list("probes", None, "Probe folders of the same protocol and seeds.")
    flags.DEFINE_string("out", None, "Also write the per-seed table here (markdown).")
    flags.mark_flag_as_required("probes")
    app.run(main)
