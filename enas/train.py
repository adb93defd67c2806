"""Trains a fixed ENAS arc from scratch (the original's final script, ENAS_SPEC.md s. 4-5).

    python -m enas.train --dataset=synthetic_images --arc_file=runs/search/arc.txt \
        --output_dir=runs/final

Writes TensorBoard logs, a resumable backup every epoch (rerun the same command to
continue), eval.json (test accuracy) and export/: a SavedModel whose `serving_default` takes
raw pixels (B, H, W, C) in 0..255 and returns logits and probabilities (the per-channel
normalisation of the training set is inside the graph).
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import dataclasses
import json
import os
import time
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from absl import app, flags

from common import input_pipeline
from common.backup import AtomicBackupAndRestore
from common.callbacks import LearningRateLogger, ProgressLogger, StopOnNonFiniteLoss
from common.distribute import STRATEGIES, make_strategy, worker_folder
from common.per_sequence import per_sequence
from common.run_record import exit_on_user_error, open_run
from datasets.atomic import replace_directory, write_text
from enas import arc as arc_lib
from enas.data import EpochFeed, ImageSplits
from enas.densenet import build_densenet_bc
from enas.fixed import build_fixed_model, parameter_count
from enas.flags import (check_original_script_flags, define_child_training_flags,
                        define_final_run_controller_flags, define_original_script_flags,
                        schedule_from_flags)
from enas.schedule import CosineSchedule
from enas.searcher import l2_of
from spmf.flags import data_from_flags, define_dataset_flags
from spmf.recognition_data import image_splits


NETWORKS = ("enas_arc", "densenet_bc")


@dataclasses.dataclass(frozen=True)
class FinalConfig:
    """One final training, as config.json records it.

    Attributes:
      output_dir: backup, logs, eval.json, export/ and config.json.
      arc: the flat arc trained (network enas_arc).
      network: enas_arc (the arc as enas.fixed builds it) or densenet_bc (the hand-designed
        control of enas.densenet, `arc` unused).
      out_filters, keep_prob: the fixed model's width before the first pool and dropout.
      densenet_depth, densenet_growth_rate: the control's size.
      l2_reg, schedule, grad_bound, clip_mode: SGD (Nesterov momentum 0.9) as the original.
      batch_size: per-replica batch.
      num_epochs: the only setting a resumed run may change (raise).
      eval_every_epochs: test accuracy in TensorBoard every N epochs (never used to choose).
      strategy, seed: tf.distribute strategy; every random draw.
      data: the data settings (enas.data.BuiltinImages or spmf's RecognitionData).
    """

    output_dir: str
    arc: tuple[int, ...] = ()
    network: str = "enas_arc"
    out_filters: int = 96
    keep_prob: float = 0.5
    densenet_depth: int = 40
    densenet_growth_rate: int = 12
    l2_reg: float = 2e-4
    schedule: CosineSchedule = CosineSchedule(lr_min=0.001)
    grad_bound: float = 5.0
    clip_mode: str = "norm"
    batch_size: int = 100
    num_epochs: int = 310
    eval_every_epochs: int = 1
    strategy: str = "default"
    seed: int = 0
    data: Any = None

    def __post_init__(self):
        if self.network not in NETWORKS:
            raise ValueError(f"network must be one of {', '.join(NETWORKS)}, got {self.network!r}")


def _loss_with_l2(model: keras.Model, l2_reg: float):
    """Cross-entropy + l2_reg * sum ||v||^2 over all trainable variables (as the original)."""
    def loss(labels, logits):
        cross_entropy = keras.losses.sparse_categorical_crossentropy(labels, logits,
                                                                      from_logits=True)
        return cross_entropy + l2_reg * l2_of(model.trainable_variables)
    return loss


def export_classifier(model: keras.Model, data: ImageSplits, path: str) -> None:
    """SavedModel on raw pixels: normalisation, logits and softmax in `serving_default`, and
    a `labels` signature that returns the class names and the data's description (dataset,
    protocol, the joint layout the images were encoded from), so that a caller can check
    what it feeds."""
    mean = tf.constant(data.channel_mean, tf.float32)
    std = tf.constant(data.channel_std, tf.float32)
    names = list(data.class_names) or [str(label) for label in range(data.num_classes)]
    archive = keras.export.ExportArchive()
    archive.track(model)

    def serve(images):
        logits = model((images - mean) / std, training=False)
        return {"logits": logits, "probabilities": tf.nn.softmax(logits)}

    def labels():
        return {"class_names": tf.constant(names),
                **{key: tf.constant(value) for key, value in data.description.items()}}

    archive.add_endpoint("serving_default", serve, input_signature=[
        tf.TensorSpec((None, *data.train[0].shape[1:]), tf.float32, name="images")])
    archive.add_endpoint("labels", labels, input_signature=[])
    replace_directory(path, lambda staging: archive.write_out(staging, verbose=False))


def evaluate_classifier(model: keras.Model, data: ImageSplits, batch_size: int) -> dict:
    """Test accuracy per image and, where images are views of sequences, per sequence (the
    mean of each sequence's softmax over its views), with the confusion matrix of the
    per-sequence (or per-image) predictions, rows the true class. Nothing for data without
    a test split (a model trained on every sequence to ship)."""
    if not len(data.test[1]):
        return {"test_examples": 0}
    logits = model.predict(input_pipeline.array_batches(data.test[0], batch_size), verbose=0)
    probabilities = tf.nn.softmax(logits).numpy()
    labels = data.test[1]
    report = {"test_accuracy": float(np.mean(np.argmax(logits, -1) == labels)),
              "test_examples": int(len(labels))}
    if data.test_ids is not None:
        probabilities, labels = per_sequence(probabilities, labels, data.test_ids)
        report.update(test_sequence_accuracy=float(np.mean(np.argmax(probabilities, 1)
                                                           == labels)),
                      test_sequences=int(len(labels)))
    confusion = np.zeros((data.num_classes, data.num_classes), np.int64)
    np.add.at(confusion, (labels, np.argmax(probabilities, 1)), 1)
    report["confusion"] = confusion.tolist()
    return report


def build_network(config: FinalConfig, data: ImageSplits) -> keras.Model:
    shape = data.train[0].shape[1:]
    if config.network == "densenet_bc":
        return build_densenet_bc(data.num_classes, shape, config.densenet_depth,
                                 config.densenet_growth_rate)
    if not config.arc:
        raise ValueError("an enas_arc final run needs an arc")
    return build_fixed_model(np.array(config.arc), data.num_classes, config.out_filters,
                             config.keep_prob, shape)


def train_fixed(config: FinalConfig, data: ImageSplits) -> dict:
    """Trains (or resumes) the network of CONFIG; returns the eval.json report. A folder that
    records other settings is refused before anything is written.

    Under --strategy=multi_worker every worker trains (resuming from the chief's backups) and
    evaluates; only the chief writes the run folder, eval.json and the export, the others
    write to a temporary folder that is removed at the end."""
    strategy = make_strategy(config.strategy)
    with worker_folder(config.output_dir, strategy) as folder:
        return _train_in(config, data, strategy, folder)


def _train_in(config: FinalConfig, data: ImageSplits, strategy: tf.distribute.Strategy,
              folder: str) -> dict:
    open_run(folder, config, extendable=("num_epochs",))
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model = build_network(config, data)
        clip = ({"clipnorm": config.grad_bound} if config.clip_mode == "norm"
                else {"global_clipnorm": config.grad_bound})  # Keras's clipnorm is per tensor
        model.compile(optimizer=keras.optimizers.SGD(config.schedule.lr_max, momentum=0.9,
                                                     nesterov=True, **clip),
                      loss=_loss_with_l2(model, config.l2_reg), metrics=["accuracy"])
    global_batch = config.batch_size * strategy.num_replicas_in_sync
    feed = EpochFeed(data, global_batch, config.seed)
    examples_per_epoch = feed.count
    began = time.perf_counter()
    model.fit(feed.dataset(),
              validation_data=(input_pipeline.array_batches(data.test, global_batch)
                               if len(data.test[1]) else None),
              validation_freq=config.eval_every_epochs, epochs=config.num_epochs, verbose=0,
              shuffle=False,  # the feed orders each epoch itself
              callbacks=[
                  feed,
                  StopOnNonFiniteLoss(),
                  AtomicBackupAndRestore(os.path.join(config.output_dir, "backup"),
                                         write_dir=os.path.join(folder, "backup")),
                  keras.callbacks.LearningRateScheduler(config.schedule), LearningRateLogger(),
                  keras.callbacks.TensorBoard(os.path.join(folder, "logs")),
                  ProgressLogger(config.num_epochs, examples_per_epoch, global_batch)])
    report = {**evaluate_classifier(model, data, config.batch_size),
              "train_examples_per_epoch": int(examples_per_epoch),
              "train_examples": int(len(data.train[1])),
              "params": parameter_count(model), "network": config.network,
              "arc": arc_lib.format_flat(np.array(config.arc)) if config.arc else "",
              "fit_seconds_this_call": round(time.perf_counter() - began, 1)}
    if folder == config.output_dir:  # the chief
        write_text(os.path.join(folder, "eval.json"), json.dumps(report, indent=2))
        export_classifier(model, data, os.path.join(folder, "export"))
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


def define_flags() -> None:
    flags.DEFINE_string("output_dir", None, "Where backups, logs, eval.json and export go.")
    define_dataset_flags(valid_fraction=0.0)
    flags.DEFINE_string("child_fixed_arc", None, "The arc as the original's flat string.")
    flags.DEFINE_string("arc_file", None, "A file holding the arc (e.g. search's arc.txt).")
    flags.DEFINE_enum("network", "enas_arc", list(NETWORKS), "enas_arc: the given arc; "
                      "densenet_bc: the hand-designed control (no arc).")
    flags.DEFINE_integer("densenet_depth", 40, "DenseNet-BC depth (6n + 4).")
    flags.DEFINE_integer("densenet_growth_rate", 12, "DenseNet-BC growth rate k.")
    flags.DEFINE_integer("child_out_filters", 96, "Channels before the first pool layer.",
                         lower_bound=1)
    flags.DEFINE_integer("child_num_layers", 24, "Layers of the arc; checked against it (the "
                         "arc decides).")
    define_original_script_flags()
    define_final_run_controller_flags()
    define_child_training_flags(l2_reg=2e-4, lr_min=0.001, keep_prob=0.5)
    flags.DEFINE_integer("batch_size", 100, "Per-replica batch size.", lower_bound=1)
    flags.DEFINE_integer("num_epochs", 310, "Training epochs.", lower_bound=1)
    flags.DEFINE_enum("strategy", "default", list(STRATEGIES), "tf.distribute strategy.")
    flags.DEFINE_integer("seed", 0, "Random seed.")
    flags.mark_flag_as_required("output_dir")


def _arc_from_flags() -> tuple[int, ...]:
    if FLAGS.network == "densenet_bc":
        if FLAGS.child_fixed_arc or FLAGS.arc_file:
            raise app.UsageError("--network=densenet_bc takes no arc")
        return ()
    if bool(FLAGS.child_fixed_arc) == bool(FLAGS.arc_file):
        raise app.UsageError("give exactly one of --child_fixed_arc and --arc_file")
    try:
        arc = (arc_lib.read_file(FLAGS.arc_file) if FLAGS.arc_file
               else arc_lib.parse(FLAGS.child_fixed_arc))
    except ValueError as error:  # DataFormatError names the file
        flag = "--arc_file" if FLAGS.arc_file else "--child_fixed_arc"
        raise app.UsageError(f"{flag}: {error}") from None
    check_arc_against_flags(arc)
    return tuple(int(v) for v in arc)


def settings_from_flags() -> FinalConfig:
    check_original_script_flags()
    return FinalConfig(
        output_dir=FLAGS.output_dir, arc=_arc_from_flags(), network=FLAGS.network,
        out_filters=FLAGS.child_out_filters, keep_prob=FLAGS.child_keep_prob,
        densenet_depth=FLAGS.densenet_depth, densenet_growth_rate=FLAGS.densenet_growth_rate,
        l2_reg=FLAGS.child_l2_reg, schedule=schedule_from_flags(),
        grad_bound=FLAGS.child_grad_bound, clip_mode=FLAGS.child_clip_mode,
        batch_size=FLAGS.batch_size, num_epochs=FLAGS.num_epochs,
        eval_every_epochs=FLAGS.eval_every_epochs, strategy=FLAGS.strategy, seed=FLAGS.seed,
        data=data_from_flags(FLAGS.seed))


def main(argv: list[str]) -> None:
    del argv
    config = settings_from_flags()
    make_strategy(config.strategy)  # first: a collective strategy before any other TF op
    report = exit_on_user_error("enas.train", lambda: train_fixed(config, image_splits(config.data)))
    print(json.dumps(report))


if __name__ == "__main__":
    define_flags()
    app.run(main)
