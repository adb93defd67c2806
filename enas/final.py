"""A fixed ENAS arc trained from scratch (the original's final script, ENAS_SPEC.md s. 4-5).

The run folder holds TensorBoard logs, a resumable backup every epoch, eval.json (test
accuracy) and export/: a SavedModel whose `serving_default` takes raw pixels (B, H, W, C) in
0..255 and returns logits and probabilities (the per-channel normalisation of the training
set is inside the graph).
"""
from __future__ import annotations

import dataclasses
import json
import os
import time
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from common import input_pipeline
from common.atomic import replace_directory, write_text
from common.backup import WEIGHTS_FILE, AtomicBackupAndRestore
from common.errors import DataFormatError
from common.distribute import is_chief, make_strategy, worker_folder
from common.per_sequence import per_sequence
from common.resumable_fit import fit_resumable
from common.run_record import open_run, read_settings
from common.weights_file import copy_layers
from enas import arc as arc_lib
from enas.data import EpochFeed, ImageSplits
from enas.densenet import build_densenet_bc
from enas.fixed import build_fixed_model, parameter_count
from enas.schedule import CosineSchedule
from enas.searcher import l2_of


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
      label_smoothing: the targets' smoothing (0, the original's, unless a lever asks).
      mixup_alpha: mixup (Zhang et al., ICLR 2018) of the training batches, each image
        blended with another of its batch by a Beta(alpha, alpha) weight and its target
        likewise; 0 (the original's) trains on the images as they are.
      init_from: a final run's folder (of the same arc and width, trained on other data)
        whose newest backup starts every layer but the classifier `fc`: fine-tuning a
        network pretrained on a larger corpus; "" trains from scratch, as the original.
      strategy, seed: tf.distribute strategy; every random draw.
      data: the data settings (enas.data.BuiltinImages or recognition's RecognitionData).
      num_classes, image_shape, data_fingerprint: what the data turned out to be, filled in
        by `resolved` before the run is recorded, so that config.json alone rebuilds the
        network and a resumed run on other data is refused.
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
    label_smoothing: float = 0.0
    mixup_alpha: float = 0.0
    init_from: str = ""
    strategy: str = "default"
    seed: int = 0
    data: Any = None
    num_classes: int = 0
    image_shape: tuple[int, ...] = ()
    data_fingerprint: str = ""

    def __post_init__(self):
        if self.network not in NETWORKS:
            raise ValueError(f"network must be one of {', '.join(NETWORKS)}, got {self.network!r}")


def _targets(labels: tf.Tensor, num_classes: int) -> tf.Tensor:
    """One-hot targets of class LABELS (B,), or LABELS themselves where they already are
    targets (B, C): mixed training batches."""
    if labels.shape.rank == 2 and labels.shape[-1] == num_classes:
        return tf.cast(labels, tf.float32)
    return tf.one_hot(tf.cast(tf.reshape(labels, [-1]), tf.int32), num_classes)


def _loss_with_l2(model: keras.Model, l2_reg: float, num_classes: int,
                  label_smoothing: float):
    """Cross-entropy (labels smoothed by LABEL_SMOOTHING, 0 in the original) + l2_reg *
    sum ||v||^2 over all trainable variables (as the original)."""
    def loss(labels, logits):
        targets = _targets(labels, num_classes)
        cross_entropy = keras.losses.categorical_crossentropy(
            targets, logits, from_logits=True, label_smoothing=label_smoothing)
        return cross_entropy + l2_reg * l2_of(model.trainable_variables)
    return loss


def _accuracy(num_classes: int) -> keras.metrics.Metric:
    """Accuracy against class labels or (mixed) targets, whose largest weight is then the
    class counted: training on mixed batches and testing on plain ones share one metric."""
    def correct(labels, logits):
        classes = tf.argmax(_targets(labels, num_classes), -1, output_type=tf.int32)
        return tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), classes),
                       tf.float32)
    return keras.metrics.MeanMetricWrapper(correct, name="accuracy")


def export_classifier(model: keras.Model, data: ImageSplits, path: str) -> None:
    """SavedModel on raw pixels: normalisation, logits and softmax in `serving_default`, and
    a `labels` signature that returns the class names and the data's description (dataset,
    protocol, the joint layout the images were encoded from), so that a caller can check
    what it feeds. Both cover the scored classes only (`ImageSplits.num_scored`)."""
    mean = tf.constant(data.channel_mean, tf.float32)
    std = tf.constant(data.channel_std, tf.float32)
    names = list(data.scored_names)
    archive = keras.export.ExportArchive()
    archive.track(model)

    def serve(images):
        logits = model((images - mean) / std, training=False)[:, :data.num_scored]
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
    per-sequence (or per-image) predictions, rows the true class, all among the scored
    classes. Nothing for data without a test split (a model trained on every sequence to
    ship)."""
    if not len(data.test[1]):
        return {"test_examples": 0}
    logits = model.predict(input_pipeline.array_batches(data.test[0], batch_size),
                           verbose=0)[:, :data.num_scored]
    probabilities = tf.nn.softmax(logits).numpy()
    labels = data.test[1]
    report = {"test_accuracy": float(np.mean(np.argmax(logits, -1) == labels)),
              "test_examples": int(len(labels))}
    if data.test_ids is not None:
        probabilities, labels = per_sequence(probabilities, labels, data.test_ids)
        report.update(test_sequence_accuracy=float(np.mean(np.argmax(probabilities, 1)
                                                           == labels)),
                      test_sequences=int(len(labels)),
                      # per sequence, for ensembles of runs on the same split
                      test_sequence_labels=labels.tolist(),
                      test_sequence_probabilities=np.round(probabilities, 5).tolist())
    confusion = np.zeros((data.num_scored, data.num_scored), np.int64)
    np.add.at(confusion, (labels, np.argmax(probabilities, 1)), 1)
    report["confusion"] = confusion.tolist()
    return report


def resolved(config: FinalConfig, data: ImageSplits) -> FinalConfig:
    """CONFIG with the values DATA decides (classes, image shape, fingerprint) filled in."""
    return dataclasses.replace(config, num_classes=data.num_classes,
                               image_shape=tuple(int(v) for v in data.train[0].shape[1:]),
                               data_fingerprint=data.fingerprint())


def build_network(config: FinalConfig) -> keras.Model:
    """The network of a resolved CONFIG (its config.json alone is enough)."""
    if not config.num_classes or not config.image_shape:
        raise ValueError("build_network needs a resolved config (num_classes, image_shape)")
    if config.network == "densenet_bc":
        return build_densenet_bc(config.num_classes, config.image_shape, config.densenet_depth,
                                 config.densenet_growth_rate)
    if not config.arc:
        raise ValueError("an enas_arc final run needs an arc")
    return build_fixed_model(np.array(config.arc), config.num_classes, config.out_filters,
                             config.keep_prob, config.image_shape)


def trained_network(run_dir: str) -> keras.Model:
    """The network of the final run in RUN_DIR (its config.json) at its newest backup."""
    backups = AtomicBackupAndRestore(os.path.join(run_dir, "backup")).complete_backups()
    if not backups:
        raise DataFormatError(run_dir, "no complete backup: not a finished final run")
    model = build_network(read_settings(run_dir, FinalConfig))
    model.load_weights(os.path.join(backups[-1][1], WEIGHTS_FILE))
    return model


def _encoded_joints(data: Any) -> str | None:
    """Which joints the rows of DATA's images stand for: the layout every dataset is mapped
    to, else the dataset's own joints as its source gives them; None for data that are not
    skeletons (enas.data's built-in image sets)."""
    field = data.get if isinstance(data, dict) else lambda name: getattr(data, name, None)
    if field("joint_layout") is None:
        return None
    if field("joint_layout") != "native":
        return str(field("joint_layout"))
    return f"{field('dataset')}'s own joints ({field('skeleton_source')})"


def initialise_from(model: keras.Model, run_dir: str, data: Any = None) -> None:
    """MODEL's layers, all but the classifier `fc`, set to those of the final run in RUN_DIR
    (`trained_network`). A run of another arc or width is refused by name, and so is one
    whose image rows stand for other joints than DATA's: its filters would read pairs of
    joints this run's images do not hold."""
    source_joints = _encoded_joints(read_settings(run_dir, FinalConfig).data)
    target_joints = _encoded_joints(data)
    if None not in (source_joints, target_joints) and source_joints != target_joints:
        raise DataFormatError(run_dir, f"its images encode {source_joints}, this run's "
                                       f"{target_joints}: pass the same --joint_layout")
    copy_layers(trained_network(run_dir), model, source_name=run_dir, skip=("fc",))


def train_fixed(config: FinalConfig, data: ImageSplits) -> dict:
    """Trains (or resumes) the network of CONFIG; returns the eval.json report. A folder that
    records other settings is refused before anything is written.

    Under --strategy=multi_worker every worker trains (resuming from the chief's backups) and
    evaluates; only the chief writes the run folder, eval.json and the export, the others
    write to a temporary folder that is removed at the end."""
    strategy = make_strategy(config.strategy)
    with worker_folder(config.output_dir, strategy) as folder:
        return _train_in(resolved(config, data), data, strategy, folder)


def _train_in(config: FinalConfig, data: ImageSplits, strategy: tf.distribute.Strategy,
              folder: str) -> dict:
    open_run(folder, config, extendable=("num_epochs",))
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model = build_network(config)
        if config.init_from:  # a resumed run's backup replaces these in fit_resumable
            initialise_from(model, config.init_from, config.data)
        clip = ({"clipnorm": config.grad_bound} if config.clip_mode == "norm"
                else {"global_clipnorm": config.grad_bound})  # Keras's clipnorm is per tensor
        model.compile(optimizer=keras.optimizers.SGD(config.schedule.lr_max, momentum=0.9,
                                                     nesterov=True, **clip),
                      loss=_loss_with_l2(model, config.l2_reg, config.num_classes,
                                         config.label_smoothing),
                      metrics=[_accuracy(config.num_classes)])
    global_batch = config.batch_size * strategy.num_replicas_in_sync
    feed = EpochFeed(data, global_batch, config.seed, config.mixup_alpha)
    examples_per_epoch = feed.count
    began = time.perf_counter()
    fit_resumable(model, feed.dataset(), epochs=config.num_epochs, run_dir=config.output_dir,
                  write_dir=folder, examples_per_epoch=examples_per_epoch,
                  global_batch=global_batch,
                  validation_data=(input_pipeline.array_batches(data.test, global_batch)
                                   if len(data.test[1]) else None),
                  validation_freq=config.eval_every_epochs,
                  callbacks=[feed, keras.callbacks.LearningRateScheduler(config.schedule)])
    report = {**evaluate_classifier(model, data, config.batch_size),
              "train_examples_per_epoch": int(examples_per_epoch),
              "train_examples": int(len(data.train[1])),
              "params": parameter_count(model), "network": config.network,
              "arc": arc_lib.format_flat(np.array(config.arc)) if config.arc else "",
              "fit_seconds_this_call": round(time.perf_counter() - began, 1)}
    if is_chief(strategy):
        write_text(os.path.join(folder, "eval.json"), json.dumps(report, indent=2))
        export_classifier(model, data, os.path.join(folder, "export"))
    return report
