"""report.md of a recognition experiment: per-run table, the summary over seeds, the arcs."""
from __future__ import annotations

import os

import numpy as np

from common.atomic import write_text

CONTROLS = ("random_arc", "densenet")


def _mean_std(values: list[float]) -> str:
    return f"{100 * np.mean(values):.2f} ± {100 * np.std(values):.2f}"


def write_report(settings, results: list[dict]) -> None:
    """report.md: a per-run table, the summary over seeds, the arcs found and the figures."""
    networks = ["floor", "found_arc", *(c for c in CONTROLS if c in settings.controls)]
    lines = [f"# Action recognition: {settings.data.dataset} ({settings.data.skeleton_source} "
             "skeletons)", "",
             "Accuracy per sequence (softmax of its "
             f"{settings.data.images.eval_views} test views averaged); per image in brackets. "
             "The floor is a logistic regression on plain joint features (`recognition.floor`), "
             "trained on the same sequences.",
             "", "| protocol | seed | " + " | ".join(networks) + " | search s | final s |",
             "|---" * (len(networks) + 4) + "|"]
    for item in results:
        cells = [f"{100 * item[n]['test_sequence_accuracy']:.2f} "
                 f"({100 * item[n]['test_accuracy']:.2f})" for n in networks]
        lines.append(f"| {item['protocol']} | {item['seed']} | " + " | ".join(cells)
                     + f" | {item['search_seconds']:.0f} | "
                       f"{item['found_arc']['wall_seconds']:.0f} |")
    lines += ["", "## Mean ± std over seeds (per sequence, %)", "",
              "| protocol | " + " | ".join(networks) + " |", "|---" * (len(networks) + 1) + "|"]
    for protocol in settings.protocols:
        chosen = [item for item in results if item["protocol"] == protocol]
        lines.append(f"| {protocol} | " + " | ".join(
            _mean_std([item[n]["test_sequence_accuracy"] for item in chosen])
            for n in networks) + " |")
    if settings.data.skeleton_source == "lifted" and settings.data.dataset == "msr_action3d":
        lines += ["", "The lifted poses beside the sensor's, the middle frame of a few test "
                  "sequences:", "", "![lifted against sensor](lifted_vs_sensor.png)"]
    lines += ["", "## Arcs found", ""]
    for item in results:
        lines += [f"### {item['protocol']} seed {item['seed']}: {item['arc_ops']}, "
                  f"{item['found_arc']['params']:,} parameters", "",
                  "One layer per line: op (0 c3, 1 s3, 2 c5, 3 s5, 4 ap, 5 mp), then one skip "
                  "bit per earlier layer.", "", "```", item["arc_rows"], "```", "",
                  f"![reward]({item['protocol']}/seed{item['seed']}/search/reward_curve.png) "
                  f"![confusion]({item['protocol']}/seed{item['seed']}/final/confusion.png)", ""]
    write_text(os.path.join(settings.output_dir, "report.md"), "\n".join(lines) + "\n")
