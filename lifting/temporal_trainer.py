"""The temporal lifter's training: the frame lifter's run idioms over windows of 2D tracks.

Resumable from the last finished epoch, TensorBoard, a run record that refuses changed
settings, then Protocol #1/#2 on every S9/S11 frame (each track lifted whole by the sequence
form) in eval.json and a SavedModel export. The network trains in its window form (one pose
per window, strided convolutions) and is saved and served in its sequence form.
"""
from __future__ import annotations

import dataclasses
import os

import keras
from absl import logging

from common.distribute import is_chief, make_strategy, worker_folder
from common.epoch_order import EpochOrder
from common.resumable_fit import fit_resumable
from common.run_record import open_run
from common.weights_file import copy_layers
from datasets import h36m
from lifting import batch_norm, evaluation
from lifting.config import save_trained
from lifting.data import build_examples, load_corpus
from lifting.metrics import check_lifter_loss, lifter_loss, mpjpe_metric
from lifting.temporal_data import track_windows, window_dataset
from lifting.temporal_model import SEQUENCE, WINDOW, TemporalConfig
from lifting.temporal_serving import export_temporal_lifter
from lifting.serving import EXPORT_DIR
from lifting.trainer import refuse_fewer_epochs_than_done, run_normalization

TEMPORAL = "temporal"


@dataclasses.dataclass(frozen=True)
class TemporalTrainSettings:
    """One temporal lifter training, as the model_dir's config.json records it.

    Attributes:
      model_dir: backup, logs, weights, norm.json, export/, eval.json and config.json.
      lifter_kind: "temporal" (how `lifting.config` tells this record from a frame lifter's).
      dataset, data_dir: h36m (from DATA_DIR) or synthetic.
      architecture: filter widths, channels, dropout, causal.
      batch_size: per-replica batch of windows.
      epochs: the only setting a resumed run may change (raised to extend, lowered to end).
      learning_rate, lr_decay_rate: Adam, the rate multiplied by the decay once per epoch
        (Pavllo et al.: 1e-3, 0.95).
      loss: mse (of the z-scored poses, as the frame lifter) or mpjpe (the mean joint
        distance in mm, Pavllo et al.'s).
      input_normalization: pixels or skeleton (`lifting.data`).
      scale_frames: skeleton input: each frame divided by the median skeleton scale over this
        many frames around it (1: by its own; the causal model uses the frames before it).
      selection_subject: a training subject to hold out and validate on instead of S9/S11
        (`datasets.h36m.subject_split`), for choosing levers; empty: the standard split.
      frame_stride: every n-th frame of each training track is an output frame (the windows
        still see every frame: 50 Hz neighbours are nearly the same example).
      flip_augment: mirror half of the training windows.
      eval_frame_stride: validation output frames in the logs (the final report: all).
      strategy: tf.distribute strategy.
      seed: every random draw.
    """

    model_dir: str
    lifter_kind: str = TEMPORAL
    dataset: str = "synthetic"
    data_dir: str | None = None
    architecture: TemporalConfig = TemporalConfig()
    batch_size: int = 1024
    epochs: int = 8
    learning_rate: float = 1e-3
    lr_decay_rate: float = 0.95
    loss: str = "mse"
    input_normalization: str = "skeleton"
    scale_frames: int = 1
    selection_subject: str = ""
    frame_stride: int = 1
    flip_augment: bool = False
    eval_frame_stride: int = 10
    strategy: str = "default"
    seed: int = 0

    def __post_init__(self):
        check_lifter_loss(self.loss)
        if self.architecture.flip_test and self.input_normalization != "skeleton":
            raise ValueError("flip_test needs --input_normalization=skeleton: pixel input "
                             "would have to be mirrored about the training cameras' centre")


def compiled_window_model(settings: TemporalTrainSettings, std_3d,
                          batches_per_epoch: int) -> keras.Model:
    """The window form, compiled: MSE on normalised poses (or MPJPE in mm, `loss`), MPJPE in
    mm as the metric."""
    return compile_window_model(settings.architecture.build(WINDOW), settings, std_3d,
                                batches_per_epoch)


def compile_window_model(model: keras.Model, settings: TemporalTrainSettings, std_3d,
                         batches_per_epoch: int) -> keras.Model:
    """MODEL (a window form) compiled as `compiled_window_model` compiles its own."""
    schedule = keras.optimizers.schedules.ExponentialDecay(
        settings.learning_rate, batches_per_epoch, settings.lr_decay_rate, staircase=True)
    model.compile(optimizer=keras.optimizers.Adam(schedule, amsgrad=True),
                  loss=lifter_loss(settings.loss, std_3d),
                  metrics=[mpjpe_metric(std_3d)])
    batch_norm.fuse_for_compiler(model, bool(model.jit_compile))
    return model


def train_temporal(settings: TemporalTrainSettings) -> dict:
    """Runs (or resumes) training, then saves the weights, eval.json and the export."""
    strategy = make_strategy(settings.strategy)
    with worker_folder(settings.model_dir, strategy) as folder:
        keras.utils.set_random_seed(settings.seed)
        config = settings.architecture
        corpus = load_corpus(settings.dataset, settings.data_dir, settings.seed)
        train_subjects, valid_subjects = h36m.subject_split(settings.selection_subject)
        train_examples = build_examples(corpus, train_subjects)
        valid_examples = build_examples(corpus, valid_subjects)
        refuse_fewer_epochs_than_done(settings)
        open_run(folder, settings, extendable=("epochs",), shortenable=("epochs",))
        norm = run_normalization(settings, train_examples, None, folder,
                                 scale_frames=settings.scale_frames, scale_causal=config.causal)
        train_windows = track_windows(train_examples, config, norm, settings.frame_stride)
        valid_windows = track_windows(valid_examples, config, norm, settings.eval_frame_stride)
        logging.info("%d training and %d validation windows of %d frames", len(train_windows),
                     len(valid_windows), config.receptive_field)
        global_batch = settings.batch_size * strategy.num_replicas_in_sync
        order = EpochOrder(len(train_windows), global_batch, settings.seed)
        with strategy.scope():
            window_model = compiled_window_model(settings, norm.std_3d, order.batches_per_epoch)
        fit_resumable(
            window_model,
            window_dataset(train_windows, norm, global_batch, order, settings.flip_augment),
            epochs=settings.epochs, run_dir=settings.model_dir, write_dir=folder,
            examples_per_epoch=len(train_windows), global_batch=global_batch,
            validation_data=window_dataset(valid_windows, norm, 4096), callbacks=[order])
        model = copy_layers(window_model, config.build(SEQUENCE), source_name="window form")
        report = {**evaluation.evaluate_temporal(model, norm, config, valid_examples),
                  "subjects": list(valid_subjects)}
        save_trained(model, folder)
        if is_chief(strategy):
            export_temporal_lifter(model, norm, config, os.path.join(folder, EXPORT_DIR))
            evaluation.record(folder, report)
        return report
