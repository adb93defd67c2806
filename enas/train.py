"""Trains a fixed ENAS arc from scratch (the original's final script, ENAS_SPEC.md s. 4-5).

    python -m enas.train --dataset=synthetic_images --arc_file=runs/search/arc.txt \
        --output_dir=runs/final

Writes TensorBoard logs, a resumable backup every epoch (rerun the same command to
continue), eval.json (test accuracy) and export/: a SavedModel whose `serving_default` takes
raw pixels (B, H, W, C) in 0..255 and returns logits and probabilities (the per-channel
normalisation of the training set is inside the graph).
"""
from __future__ import annotations

import dataclasses
import json
import os

import keras
import numpy as np
import tensorflow as tf
from absl import app, flags

from common import input_pipeline
from common.callbacks import LearningRateLogger, ProgressLogger
from common.distribute import STRATEGIES, make_strategy
from datasets.atomic import replace_directory, write_text
from enas import arc as arc_lib
from enas.data import ImageSplits, batches, load
from enas.fixed import build_fixed_model, parameter_count
from enas.flags import (check_original_script_flags, define_child_training_flags,
                        define_final_run_controller_flags, define_original_script_flags,
                        schedule_from_flags)
from enas.schedule import CosineSchedule
from enas.searcher import l2_of


@dataclasses.dataclass(frozen=True)
class FinalConfig:
    output_dir: str
    arc: tuple[int, ...]
    out_filters: int = 96
    keep_prob: float = 0.5
    l2_reg: float = 2e-4
    schedule: CosineSchedule = CosineSchedule(lr_min=0.001)
    grad_bound: float = 5.0
    clip_mode: str = "norm"
    batch_size: int = 100
    num_epochs: int = 310
    eval_every_epochs: int = 1
    strategy: str = "default"
    seed: int = 0


def _loss_with_l2(model: keras.Model, l2_reg: float):
    """Cross-entropy + l2_reg * sum ||v||^2 over all trainable variables (as the original)."""
    def loss(labels, logits):
        cross_entropy = keras.losses.sparse_categorical_crossentropy(labels, logits,
                                                                      from_logits=True)
        return cross_entropy + l2_reg * l2_of(model.trainable_variables)
    return loss


def export_classifier(model: keras.Model, data: ImageSplits, path: str) -> None:
    """SavedModel on raw pixels: normalisation, logits and softmax in one signature."""
    mean = tf.constant(data.channel_mean, tf.float32)
    std = tf.constant(data.channel_std, tf.float32)
    archive = keras.export.ExportArchive()
    archive.track(model)

    def serve(images):
        logits = model((images - mean) / std, training=False)
        return {"logits": logits, "probabilities": tf.nn.softmax(logits)}

    archive.add_endpoint("serving_default", serve, input_signature=[
        tf.TensorSpec((None, *data.train[0].shape[1:]), tf.float32, name="images")])
    replace_directory(path, lambda staging: archive.write_out(staging, verbose=False))


def train_fixed(config: FinalConfig, data: ImageSplits) -> dict:
    """Trains (or resumes) the fixed arc; returns the eval.json report."""
    os.makedirs(config.output_dir, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    strategy = make_strategy(config.strategy)
    with strategy.scope():
        model = build_fixed_model(np.array(config.arc), data.num_classes, config.out_filters,
                                  config.keep_prob, data.train[0].shape[1:])
        clip = ({"clipnorm": config.grad_bound} if config.clip_mode == "norm"
                else {"global_clipnorm": config.grad_bound})  # Keras's clipnorm is per tensor
        model.compile(optimizer=keras.optimizers.SGD(config.schedule.lr_max, momentum=0.9,
                                                     nesterov=True, **clip),
                      loss=_loss_with_l2(model, config.l2_reg), metrics=["accuracy"])
    global_batch = config.batch_size * strategy.num_replicas_in_sync
    schedule = keras.callbacks.LearningRateScheduler(config.schedule)
    model.fit(batches(data.train, min(global_batch, len(data.train[1])), shuffle=True,
                      seed=config.seed),
              validation_data=input_pipeline.array_batches(data.test, global_batch),
              validation_freq=config.eval_every_epochs, epochs=config.num_epochs, verbose=0,
              shuffle=False,  # batches() shuffles
              callbacks=[
                  keras.callbacks.BackupAndRestore(os.path.join(config.output_dir, "backup"),
                                                   delete_checkpoint=False),
                  schedule, LearningRateLogger(),
                  keras.callbacks.TensorBoard(os.path.join(config.output_dir, "logs")),
                  ProgressLogger(config.num_epochs, len(data.train[1]), global_batch)])
    logits = model.predict(input_pipeline.array_batches(data.test[0], config.batch_size),
                           verbose=0)
    report = {"test_accuracy": float(np.mean(np.argmax(logits, -1) == data.test[1])),
              "test_examples": int(len(data.test[1])),
              "train_examples": int(len(data.train[1])), "params": parameter_count(model),
              "arc": arc_lib.format_flat(np.array(config.arc))}
    write_text(os.path.join(config.output_dir, "eval.json"), json.dumps(report, indent=2))
    export_classifier(model, data, os.path.join(config.output_dir, "export"))
    return report


FLAGS = flags.FLAGS


def check_arc_against_flags(arc: np.ndarray) -> None:
    """--child_num_layers and --child_num_branches, when given, must describe ARC."""
    layers = arc_lib.layers(arc)
    if FLAGS["child_num_layers"].present and FLAGS.child_num_layers != len(layers):
        raise app.UsageError(f"--child_num_layers={FLAGS.child_num_layers} but the arc has "
                             f"{len(layers)} layers")
    largest = max(op for op, _ in layers)
    if largest >= int(FLAGS.child_num_branches):
        raise app.UsageError(f"--child_num_branches={FLAGS.child_num_branches} but the arc "
                             f"uses op {largest}")


def main(argv: list[str]) -> None:
    del argv
    if bool(FLAGS.child_fixed_arc) == bool(FLAGS.arc_file):
        raise app.UsageError("give exactly one of --child_fixed_arc and --arc_file")
    check_original_script_flags()
    arc = (arc_lib.parse(FLAGS.child_fixed_arc) if FLAGS.child_fixed_arc
           else arc_lib.read_file(FLAGS.arc_file))
    check_arc_against_flags(arc)
    config = FinalConfig(
        output_dir=FLAGS.output_dir, arc=tuple(int(v) for v in arc),
        out_filters=FLAGS.child_out_filters, keep_prob=FLAGS.child_keep_prob,
        l2_reg=FLAGS.child_l2_reg, schedule=schedule_from_flags(),
        grad_bound=FLAGS.child_grad_bound, clip_mode=FLAGS.child_clip_mode,
        batch_size=FLAGS.batch_size,
        num_epochs=FLAGS.num_epochs, eval_every_epochs=FLAGS.eval_every_epochs,
        strategy=FLAGS.strategy, seed=FLAGS.seed)
    data = load(FLAGS.dataset, FLAGS.seed, valid_fraction=FLAGS.valid_fraction)
    print(json.dumps(train_fixed(config, data)))


if __name__ == "__main__":
    flags.DEFINE_string("output_dir", None, "Where backups, logs, eval.json and export go.")
    flags.DEFINE_string("dataset", "synthetic_images", "Image dataset.")
    flags.DEFINE_string("child_fixed_arc", None, "The arc as the original's flat string.")
    flags.DEFINE_string("arc_file", None, "A file holding the arc (e.g. search's arc.txt).")
    flags.DEFINE_integer("child_out_filters", 96, "Channels before the first pool layer.")
    flags.DEFINE_integer("child_num_layers", 24, "Layers of the arc; checked against it (the "
                         "arc decides).")
    define_original_script_flags()
    define_final_run_controller_flags()
    define_child_training_flags(l2_reg=2e-4, lr_min=0.001, keep_prob=0.5)
    flags.DEFINE_integer("batch_size", 100, "Per-replica batch size.")
    flags.DEFINE_integer("num_epochs", 310, "Training epochs.")
    flags.DEFINE_enum("strategy", "default", list(STRATEGIES), "tf.distribute strategy.")
    flags.DEFINE_integer("seed", 0, "Random seed.")
    flags.DEFINE_float("valid_fraction", 0.0, "Part of the training split held out and not "
                       "trained on (0: train on all of it, as the original's final script).",
                       lower_bound=0.0, upper_bound=0.9)
    flags.mark_flag_as_required("output_dir")
    app.run(main)
