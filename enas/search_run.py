"""A whole ENAS search: opened or resumed from its checkpoint, run epoch by epoch, and the
best arcs chosen at the end (`enas.searcher` holds the state and the epoch).

A checkpoint after every epoch holds all the search's state, so a killed search resumes
exactly. At the end, as the paper describes (the original never does it), N sampled arcs are
scored on the whole validation set and the best is written to arc.txt, the top 10 to
arcs.jsonl. Only the chief of a multi-worker cluster writes the run folder.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import time

import keras
import tensorflow as tf
from absl import logging

from common.atomic import write_text
from common.distribute import is_chief, make_strategy, worker_folder
from common.run_record import open_run
from enas import arc as arc_lib
from enas.data import ImageSplits
from enas.searcher import Search, SearchConfig, evaluate_accuracy, resolved, run_epoch


def select_best_arcs(search: Search) -> list[dict]:
    """Scores N sampled arcs on the whole validation set; the best 10, best first."""
    scored = []
    for _ in range(search.config.num_arcs_to_score):
        arc = search.controller.sample()["arc"]
        scored.append({"arc": arc_lib.format_flat(arc.numpy()),
                       "valid_acc": evaluate_accuracy(search, search.data.valid,
                                              search.config.batch_size, arc)})
    scored.sort(key=lambda item: -item["valid_acc"])
    return scored[:10]


def open_search(config: SearchConfig, data: ImageSplits, folder: str | None = None
                ) -> tuple[Search, tf.train.CheckpointManager]:
    """A new search, or the one in FOLDER (default config.output_dir; a worker's temporary
    folder on the other workers of a cluster) restored from its last checkpoint, refused
    when the folder's config.json records other settings. Under several workers the chief's
    state is then broadcast, so every worker continues from the chief's checkpoint."""
    folder = folder or config.output_dir
    config = resolved(config, data)
    open_run(folder, config, extendable=("num_epochs",))
    keras.utils.set_random_seed(config.seed)
    search = Search(config, data)
    checkpoint = tf.train.Checkpoint(search=search)
    ckpt_dir = os.path.join(folder, "ckpt")
    # A save killed midway leaves its shards in ckpt-N_temp/ (the index names only finished
    # checkpoints, so they are never read): cleared here rather than left to accumulate.
    for leftover in glob.glob(os.path.join(glob.escape(ckpt_dir), "ckpt-*_temp")):
        shutil.rmtree(leftover, ignore_errors=True)
    manager = tf.train.CheckpointManager(checkpoint, ckpt_dir, max_to_keep=2)
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
        logging.info("resumed from %s at epoch %d", manager.latest_checkpoint,
                     int(search.epoch.numpy()))
    search.share_chief_state()
    return search, manager


def run_search(config: SearchConfig, data: ImageSplits) -> dict:
    """Runs or resumes the search in config.output_dir; returns the best arc and its score
    (on the chief; another worker of a cluster returns {} once the child steps are done)."""
    strategy = make_strategy(config.strategy)
    with worker_folder(config.output_dir, strategy) as folder:
        return _search_in(config, data, folder)


_EPOCH_FIGURES = (("valid", "child/valid_acc"), ("test", "child/test_acc"),
                  ("reward", "controller/reward"), ("baseline", "controller/baseline"))


def _measured_this_epoch(summary: dict) -> str:
    """The figures an epoch has (evaluations and controller phases skip some epochs, and a
    recognition search has no test set): nothing is printed for the others."""
    return "".join(f" {name} {summary[key]:.3f}" for name, key in _EPOCH_FIGURES
                   if key in summary)


def _search_in(config: SearchConfig, data: ImageSplits, folder: str) -> dict:
    search, manager = open_search(config, data, folder)
    chief = is_chief(search.strategy)
    writer = tf.summary.create_file_writer(os.path.join(folder, "logs"))
    start = int(search.epoch.numpy())
    for epoch in range(start, config.num_epochs):
        began = time.perf_counter()
        summary = run_epoch(search, writer, epoch)
        search.epoch.assign(epoch + 1)
        search.share_chief_state()
        if not chief:
            continue
        manager.save(checkpoint_number=epoch + 1)  # temp files, then an atomic index update
        seconds = time.perf_counter() - began
        logging.info("epoch %d/%d %.1fs (child %.1fs, controller %.1fs; ETA %.0f min) child acc "
                     "%.3f%s", epoch + 1, config.num_epochs, seconds,
                     summary["time/child_epoch_s"], summary["time/controller_phase_s"],
                     seconds * (config.num_epochs - epoch - 1) / 60, summary["child/accuracy"],
                     _measured_this_epoch(summary))
    if not chief:
        return {}
    best = select_best_arcs(search)
    write_text(os.path.join(config.output_dir, "arcs.jsonl"),
               "".join(json.dumps(item) + "\n" for item in best))
    write_text(os.path.join(config.output_dir, "arc.txt"),
               f"{best[0]['arc']}\n# valid_acc {best[0]['valid_acc']:.4f}\n")
    return best[0]
