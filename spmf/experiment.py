"""Action recognition end to end: ENAS search on Enhanced-SPMF images, the found arc trained
from scratch, and two controls trained exactly like it, per protocol and seed.

    python -m spmf.experiment --flagfile=recipes/recognition/msr_cpu.flags \
        --data_dir=../shared/data/msr_action3d --output_dir=runs/msr_AS1

Per protocol and seed, in OUTPUT_DIR/<protocol>/seed<k>/:
  search/     enas.searcher on the training sequences (validation: held-out training
              sequences; the test sequences are never given to it), arc.txt at the end;
  final/      the best arc trained on every training sequence (enas.train's train_fixed);
  random_arc/ an arc sampled from the untrained controller, trained the same way;
  densenet/   the hand-designed DenseNet-BC of the Enhanced-SPMF paper, same data and budget.
Each phase resumes from its own checkpoint and is skipped once its result is written, so a
killed experiment continues with the same command. At the end: results.json, report.md (one
table with mean and std over seeds), a confusion matrix PNG per run (class names on the
axes) and the controller's reward curve PNG per search.

Accuracy is per SEQUENCE: the softmax of a sequence's K test views averaged; per-image
accuracy is reported beside it.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import dataclasses
import json
import os
import time

import matplotlib
import numpy as np
from absl import app, flags, logging

matplotlib.use("Agg")
from matplotlib import pyplot  # noqa: E402  (after the headless backend is chosen)

from common.run_record import exit_on_user_error, open_run  # noqa: E402
from common.tensorboard_scalars import read_scalars  # noqa: E402
from datasets.atomic import atomic_path, write_text  # noqa: E402
from enas import arc as arc_lib  # noqa: E402
from enas import search as search_binary  # noqa: E402
from enas.controller import Controller  # noqa: E402
from enas.searcher import SearchConfig, run_search  # noqa: E402
from enas.train import FinalConfig, train_fixed  # noqa: E402
from datasets.catalog import load_sequences  # noqa: E402
from spmf.lifted import draw_lifted_against_sensor, lifted_sequences  # noqa: E402
from spmf.recognition_data import PROTOCOLS, RecognitionData, load_splits  # noqa: E402

FLAGS = flags.FLAGS
CONTROLS = ("random_arc", "densenet")
EVAL_FILE = "eval.json"


@dataclasses.dataclass(frozen=True)
class ExperimentSettings:
    """The whole experiment, as config.json records it.

    Attributes:
      output_dir: one folder per protocol and seed below it, report.md and results.json.
      protocols: the protocols run (all of a dataset's with --protocol=all).
      seeds: one search, final training and controls per seed.
      search: the search (its output_dir, seed and data are set per run).
      final: the final training of the found arc; the controls copy it (network, arc).
      controls: which controls to train beside the found arc.
      data: the skeleton data and its encoding (valid_fraction is the search's; the final
        run and the controls train on every training sequence).
    """

    output_dir: str
    protocols: tuple[str, ...]
    seeds: tuple[int, ...]
    search: SearchConfig
    final: FinalConfig
    controls: tuple[str, ...]
    data: RecognitionData


def _finished(folder: str) -> dict | None:
    path = os.path.join(folder, EVAL_FILE)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def _train(config: FinalConfig, data) -> dict:
    """train_fixed, or its stored result when this phase already finished (the settings
    still checked against the folder's record)."""
    done = _finished(config.output_dir)
    if done is not None:
        open_run(config.output_dir, config, extendable=("num_epochs",))
        return done
    began = time.perf_counter()
    report = train_fixed(config, data)
    report["wall_seconds"] = round(time.perf_counter() - began, 1)
    write_text(os.path.join(config.output_dir, EVAL_FILE), json.dumps(report, indent=2))
    return report


def _search(config: SearchConfig, data) -> tuple[np.ndarray, float]:
    """The search's best arc and the wall time of the call that finished it."""
    arc_file = os.path.join(config.output_dir, "arc.txt")
    timing = os.path.join(config.output_dir, "wall_seconds.txt")
    if os.path.exists(arc_file) and os.path.exists(timing):
        open_run(config.output_dir, config, extendable=("num_epochs",))
    else:
        began = time.perf_counter()
        run_search(config, data)
        write_text(timing, f"{time.perf_counter() - began:.1f}\n")
    with open(timing, encoding="utf-8") as stream:
        return arc_lib.read_file(arc_file), float(stream.read())


def random_arc(search: SearchConfig, num_branches: int, seed: int) -> np.ndarray:
    """An arc of the untrained controller (the search's controller settings, another seed)."""
    controller = Controller(dataclasses.replace(
        search.controller, num_layers=search.child.num_layers, num_ops=num_branches),
        seed=seed + 10_007)
    return controller.sample()["arc"].numpy()


def run_one(settings: ExperimentSettings, protocol: str, seed: int) -> dict:
    """Search, final training and controls of one protocol and seed; their results."""
    folder = os.path.join(settings.output_dir, protocol, f"seed{seed}")
    data = dataclasses.replace(settings.data, protocol=protocol,
                               images=dataclasses.replace(settings.data.images, seed=seed))
    search_splits = load_splits(data)
    search_splits = dataclasses.replace(  # the search never sees the test sequences
        search_splits, test=(search_splits.test[0][:0], search_splits.test[1][:0]),
        test_ids=None)
    search = dataclasses.replace(settings.search, output_dir=os.path.join(folder, "search"),
                                 seed=seed, data=data)
    arc, search_seconds = _search(search, search_splits)
    final_data = dataclasses.replace(data, valid_fraction=0.0)
    splits = load_splits(final_data)
    final = dataclasses.replace(settings.final, seed=seed, data=final_data, network="enas_arc")
    runs = {"found_arc": dataclasses.replace(final, output_dir=os.path.join(folder, "final"),
                                             arc=tuple(int(v) for v in arc))}
    if "random_arc" in settings.controls:
        chosen = random_arc(settings.search, settings.search.child.num_branches, seed)
        runs["random_arc"] = dataclasses.replace(
            final, output_dir=os.path.join(folder, "random_arc"),
            arc=tuple(int(v) for v in chosen))
    if "densenet" in settings.controls:
        runs["densenet"] = dataclasses.replace(final, output_dir=os.path.join(folder, "densenet"),
                                               network="densenet_bc", arc=())
    results = {"protocol": protocol, "seed": seed, "search_seconds": search_seconds,
               "arc": arc_lib.format_flat(arc), "arc_rows": arc_lib.format_rows(arc),
               "arc_ops": arc_lib.describe(arc)["ops"], "class_names": list(splits.class_names)}
    for name, config in runs.items():
        logging.info("%s seed %d: training %s", protocol, seed, name)
        results[name] = _train(config, splits)
        draw_confusion(results[name]["confusion"], splits.class_names,
                       f"{protocol} seed {seed}: {name}",
                       os.path.join(config.output_dir, "confusion.png"))
    draw_reward_curve(search.output_dir, f"{protocol} seed {seed}")
    return results


def draw_confusion(confusion: list[list[int]], class_names, title: str, path: str) -> None:
    matrix = np.array(confusion)
    figure, axes = pyplot.subplots(figsize=(1.0 + 0.55 * len(matrix), 0.8 + 0.5 * len(matrix)))
    axes.imshow(matrix, cmap="Blues")
    for (row, column), count in np.ndenumerate(matrix):
        if count:
            axes.text(column, row, str(count), ha="center", va="center", fontsize=8,
                      color="white" if count > matrix.max() / 2 else "black")
    ticks = range(len(class_names))
    axes.set_xticks(ticks, class_names, rotation=60, ha="right", fontsize=8)
    axes.set_yticks(ticks, class_names, fontsize=8)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(f"{title} (per sequence)", fontsize=9)
    figure.tight_layout()
    with atomic_path(path) as staging:
        figure.savefig(staging, format="png", dpi=110)
    pyplot.close(figure)


def draw_reward_curve(search_dir: str, title: str) -> None:
    scalars = read_scalars(os.path.join(search_dir, "logs"))
    figure, axes = pyplot.subplots(figsize=(6, 3.5))
    for tag, label in (("controller/reward", "reward (mean over the phase)"),
                       ("controller/baseline", "baseline"),
                       ("child/valid_acc", "validation accuracy, fresh arc per batch")):
        if tag in scalars:
            steps = sorted(scalars[tag])
            axes.plot(steps, [scalars[tag][s] for s in steps], label=label)
    axes.set_xlabel("search epoch")
    axes.set_title(f"{title}: controller", fontsize=9)
    axes.legend(fontsize=8)
    figure.tight_layout()
    with atomic_path(os.path.join(search_dir, "reward_curve.png")) as staging:
        figure.savefig(staging, format="png", dpi=110)
    pyplot.close(figure)


def _mean_std(values: list[float]) -> str:
    return f"{100 * np.mean(values):.2f} ± {100 * np.std(values):.2f}"


def write_report(settings: ExperimentSettings, results: list[dict]) -> None:
    """report.md: a per-run table, the summary over seeds, the arcs found and the figures."""
    networks = ["found_arc", *(c for c in CONTROLS if c in settings.controls)]
    lines = [f"# Action recognition: {settings.data.dataset} ({settings.data.skeleton_source} "
             "skeletons)", "",
             "Accuracy per sequence (softmax of its "
             f"{settings.data.images.eval_views} test views averaged); per image in brackets.",
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


def draw_lifted_poses(settings: ExperimentSettings) -> str | None:
    """lifted_vs_sensor.png for MSR Action3D from lifted poses: a few sequences' middle
    frames as the sensor measured them and as the lifter lifted them; its path (drawn once:
    a resumed experiment keeps it)."""
    data = settings.data
    if data.skeleton_source != "lifted" or data.dataset != "msr_action3d":
        return None
    path = os.path.join(settings.output_dir, "lifted_vs_sensor.png")
    if os.path.exists(path):
        return path
    draw_lifted_against_sensor(
        load_sequences(data.dataset, data.data_dir),
        lifted_sequences(data.dataset, data.data_dir, data.lifter or None), path)
    return path


def run_experiment(settings: ExperimentSettings) -> list[dict]:
    open_run(settings.output_dir, settings,
             extendable=("search.num_epochs", "final.num_epochs"))
    draw_lifted_poses(settings)
    results = [run_one(settings, protocol, seed)
               for protocol in settings.protocols for seed in settings.seeds]
    write_text(os.path.join(settings.output_dir, "results.json"), json.dumps(results, indent=2))
    write_report(settings, results)
    return results


def define_flags() -> None:
    search_binary.define_flags()  # the search's flags, names and defaults of the original
    flags.DEFINE_list("seeds", ["0"], "One search and training per seed.")
    flags.DEFINE_list("controls", list(CONTROLS), f"Controls to train: {', '.join(CONTROLS)}.")
    flags.DEFINE_integer("final_out_filters", 96, "Final run: channels before the first pool.")
    flags.DEFINE_integer("final_num_epochs", 310, "Final run (and controls): epochs.")
    flags.DEFINE_integer("final_batch_size", 100, "Final run: batch size.")
    flags.DEFINE_float("final_keep_prob", 0.5, "Final run: keep probability of the dropout.")
    flags.DEFINE_float("final_l2_reg", 2e-4, "Final run: L2 weight.")
    flags.DEFINE_float("final_lr_min", 0.001, "Final run: cosine schedule's minimum.")
    flags.DEFINE_integer("densenet_depth", 40, "DenseNet-BC control: depth (6n + 4).")
    flags.DEFINE_integer("densenet_growth_rate", 12, "DenseNet-BC control: growth rate.")


def settings_from_flags() -> ExperimentSettings:
    every_protocol = FLAGS.protocol == "all"
    if every_protocol:
        FLAGS.protocol = None  # the search's settings take the first; all are run
    search = search_binary.settings_from_flags()
    if not isinstance(search.data, RecognitionData):
        raise app.UsageError("spmf.experiment needs a skeleton --dataset: "
                             + ", ".join(PROTOCOLS))
    if search.strategy == "multi_worker":  # its phases read each other's files on one machine
        raise app.UsageError("--strategy=multi_worker: run enas.search and enas.train on the "
                             "cluster; spmf.experiment runs on one machine (default, mirrored)")
    protocols = PROTOCOLS[search.data.dataset] if every_protocol else (search.data.protocol,)
    unknown = [name for name in FLAGS.controls if name not in CONTROLS]
    if unknown:
        raise app.UsageError(f"--controls: unknown {', '.join(unknown)}; choose from "
                             + ", ".join(CONTROLS))
    try:
        seeds = tuple(int(seed) for seed in FLAGS.seeds)
    except ValueError:
        raise app.UsageError(f"--seeds: integers separated by commas, got "
                             f"{','.join(FLAGS.seeds)!r}") from None
    final = FinalConfig(
        output_dir="", network="enas_arc", out_filters=FLAGS.final_out_filters,
        keep_prob=FLAGS.final_keep_prob, densenet_depth=FLAGS.densenet_depth,
        densenet_growth_rate=FLAGS.densenet_growth_rate, l2_reg=FLAGS.final_l2_reg,
        schedule=dataclasses.replace(search.schedule, lr_min=FLAGS.final_lr_min),
        grad_bound=search.grad_bound, clip_mode=search.clip_mode,
        batch_size=FLAGS.final_batch_size, num_epochs=FLAGS.final_num_epochs,
        eval_every_epochs=search.eval_every_epochs, strategy=search.strategy)
    return ExperimentSettings(
        output_dir=FLAGS.output_dir, protocols=tuple(protocols),
        seeds=seeds, search=search, final=final,
        controls=tuple(FLAGS.controls), data=search.data)


def main(argv: list[str]) -> None:
    del argv
    settings = settings_from_flags()
    exit_on_user_error("spmf.experiment", lambda: run_experiment(settings))
    logging.info("report: %s", os.path.join(FLAGS.output_dir, "report.md"))


if __name__ == "__main__":
    define_flags()
    app.run(main)
