"""The lifter's training: resumable, with TensorBoard, a final SavedModel export and eval.json.

A run killed and started again resumes from the last finished epoch with the same weights,
optimiser state (so the same step and learning rate) and normalisation statistics. Training
subjects S1 S5 S6 S7 S8; validation (the MPJPE in the logs) on S9 S11.
"""
from __future__ import annotations

import dataclasses
import os

import keras
import tensorflow as tf
from absl import logging

from common.backup import AtomicBackupAndRestore
from common.distribute import is_chief, make_strategy, worker_folder
from common.epoch_order import EpochOrder
from common.resumable_fit import fit_resumable
from common.run_record import SettingConflict, SettingsMismatch, open_run
from datasets import h36m
from lifting import batch_norm, evaluation, warm_start
from lifting.config import NORM_FILE, LifterConfig, save_trained
from lifting.data import (Normalization, build_examples, load_corpus,
                          make_dataset)
from lifting.serving import EXPORT_DIR, export_lifter
from lifting.metrics import check_lifter_loss, lifter_loss, mpjpe_metric
from lifting.model import POSE_OUTPUT, supervised_view


# XLA fuses the small-batch step but its CPU matmuls lose to oneDNN's at large batches, so a
# step is XLA-compiled up to this many examples per replica (the measurements behind the
# threshold are in BUILD_NOTES.md, "Estimation stage").
XLA_MAX_BATCH = 128
# Train steps per call into the graph when the step is XLA-compiled: Keras then loops over
# batches inside one tf.function instead of returning to Python after each, which pays at
# small batches only; a step left to TF's executor gains nothing and the two-stream step
# slows down in the loop, so those run one step per call (BUILD_NOTES.md).
STEPS_PER_EXECUTION = 10


@dataclasses.dataclass(frozen=True)
class TrainSettings:
    """One lifter training, as the model_dir's config.json records it.

    Attributes:
      model_dir: backup, logs, weights, norm.json, export/, eval.json and config.json.
      dataset, data_dir: h36m (from DATA_DIR) or synthetic.
      architecture: streams, activation, width, blocks, dropout.
      batch_size: per-replica batch.
      epochs: the only setting a resumed run may change: raised to extend the run, lowered
        (not below the epochs done) to end it early.
      learning_rate, lr_decay_steps, lr_decay_rate: Adam with staircase exponential decay.
      stream_loss_weight: weight of the mean of the streams' own losses beside the average's.
      loss: mse (of the z-scored poses, Martinez et al.'s) or mpjpe (the mean joint distance
        in mm, Pavllo et al.'s), for the average and each stream alike.
      input_normalization: pixels (z-scored pixels, the papers') or skeleton (per frame
        root-centred and scaled to unit size before the z-score: any camera, any image size).
      selection_subject: a training subject to hold out and validate on instead of S9/S11
        (`datasets.h36m.subject_split`), for choosing levers; empty: the standard split.
      frame_stride: train on every n-th frame.
      flip_augment: mirror half of the training poses (left/right swapped).
      eval_frame_stride: validation on every n-th frame of S9 and S11 (or the selection
        subject).
      strategy: tf.distribute strategy.
      jit_compile: XLA for the step; None: up to XLA_MAX_BATCH examples per replica.
      steps_per_execution: None: STEPS_PER_EXECUTION with XLA, else 1.
      init_from: trained model_dirs whose streams seed this model's (warm start).
      seed: every random draw.
    """

    model_dir: str
    dataset: str = "synthetic"
    data_dir: str | None = None
    architecture: LifterConfig = LifterConfig()
    batch_size: int = 64
    epochs: int = 200
    learning_rate: float = 1e-3
    lr_decay_steps: int = 100_000
    lr_decay_rate: float = 0.96
    stream_loss_weight: float = 1.0
    loss: str = "mse"
    input_normalization: str = "pixels"
    selection_subject: str = ""
    frame_stride: int = 1
    flip_augment: bool = False
    eval_frame_stride: int = 10
    strategy: str = "default"
    jit_compile: bool | None = None
    steps_per_execution: int | None = None
    init_from: tuple[str, ...] = ()
    seed: int = 0

    def __post_init__(self):
        check_lifter_loss(self.loss)


def run_normalization(settings: TrainSettings, train_examples,
                      inherited: Normalization | None, folder: str,
                      **smoothing) -> Normalization:
    """Training-set statistics (or those INHERITED with warm-start weights), fixed on the first
    run and reused by every resumed one (a worker reads the chief's), saved in FOLDER.
    SMOOTHING: `Normalization.fit`'s scale_frames and scale_causal (the temporal lifter)."""
    stored = os.path.join(settings.model_dir, NORM_FILE)
    if os.path.exists(stored):
        norm = Normalization.load(stored)
    else:
        norm = inherited or Normalization.fit(train_examples, settings.input_normalization,
                                              **smoothing)
    norm.save(os.path.join(folder, NORM_FILE))
    return norm


def compiled_model(settings: TrainSettings,
                   norm: Normalization) -> tuple[keras.Model, keras.Model]:
    """The lifter and its compiled supervised view (which shares the lifter's variables).

    Loss: the `loss` of the averaged pose plus stream_loss_weight times the mean of the
    streams' own (a single stream has only the first term).
    """
    jit_compile = _use_xla(settings)
    model = settings.architecture.build()
    batch_norm.fuse_for_compiler(model, jit_compile)
    trainer = supervised_view(model)
    streams = [name for name in trainer.output if name != POSE_OUTPUT]
    loss_weights = {POSE_OUTPUT: 1.0,
                    **{s: settings.stream_loss_weight / len(streams) for s in streams}}
    schedule = keras.optimizers.schedules.ExponentialDecay(
        settings.learning_rate, settings.lr_decay_steps, settings.lr_decay_rate, staircase=True)
    loss = lifter_loss(settings.loss, norm.std_3d)
    trainer.compile(optimizer=keras.optimizers.Adam(schedule),
                    loss={name: loss for name in trainer.output}, loss_weights=loss_weights,
                    metrics={POSE_OUTPUT: [mpjpe_metric(norm.std_3d)]},
                    jit_compile=jit_compile,
                    steps_per_execution=_steps_per_execution(settings, jit_compile))
    return model, trainer


def _steps_per_execution(settings: TrainSettings, jit_compile: bool) -> int:
    """The setting (by default STEPS_PER_EXECUTION for an XLA step, else 1), or 1 inside a
    distribution strategy's scope.

    Keras 3 runs several steps per call in a tf.while_loop whose tf.cond holds the optimiser's
    cross-replica merge_call, which TF cannot execute there ("You must feed a value for
    placeholder tensor", keras-team/keras#19246; reproduced with Keras 3.15 and
    MirroredStrategy on two logical CPUs, even for a single Dense layer).
    """
    steps = settings.steps_per_execution
    if steps is None:
        steps = STEPS_PER_EXECUTION if jit_compile else 1
    if steps > 1 and tf.distribute.has_strategy():
        logging.info("steps_per_execution=1 under %s (keras-team/keras#19246)",
                     type(tf.distribute.get_strategy()).__name__)
        return 1
    return steps


def _use_xla(settings: TrainSettings) -> bool:
    """XLA for small batches unless told; never for collectives on CPUs, which XLA cannot
    compile (a multi-worker run without GPUs)."""
    collectives_on_cpu = (settings.strategy == "multi_worker"
                          and not tf.config.list_logical_devices("GPU"))
    if settings.jit_compile is None:
        return settings.batch_size <= XLA_MAX_BATCH and not collectives_on_cpu
    if settings.jit_compile and collectives_on_cpu:
        raise SettingConflict("--jit_compile under --strategy=multi_worker needs GPUs: XLA "
                              "does not compile collectives on CPUs (use --nojit_compile)")
    return settings.jit_compile


def _targets_per_output(dataset, output_names):
    """Repeats the (B, 48) target for every output of the supervised view."""
    return dataset.map(lambda inputs, target: (inputs, {n: target for n in output_names}))


def refuse_fewer_epochs_than_done(settings: TrainSettings) -> None:
    """A lowered --epochs ends a run early (its learning rate follows steps, not the planned
    length), but never below the epochs already trained."""
    backups = AtomicBackupAndRestore(os.path.join(settings.model_dir, "backup"))
    done = max((epoch for epoch, _ in backups.complete_backups()), default=0)
    if settings.epochs < done:
        raise SettingsMismatch(f"{settings.model_dir}: {done} epochs are already trained; "
                               f"--epochs={settings.epochs} cannot undo them")


def train(settings: TrainSettings) -> dict:
    """Runs (or resumes) training, then saves weights, the export and eval.json. A model_dir
    whose config.json records other settings is refused before anything is written (a
    raised --epochs extends the run).

    Under --strategy=multi_worker every worker trains and evaluates (both are collective),
    resuming from the chief's backups; only the chief writes the model_dir, the others
    write their logs and backups to a temporary folder that is removed at the end.
    """
    strategy = make_strategy(settings.strategy)  # first: collectives before any other op
    with worker_folder(settings.model_dir, strategy) as folder:
        return _train(settings, strategy, folder)


def _train(settings: TrainSettings, strategy: tf.distribute.Strategy, folder: str) -> dict:
    sources, inherited = (warm_start.load_sources(settings.init_from, settings.architecture)
                          if settings.init_from else ([], None))
    if inherited and inherited.input_normalization != settings.input_normalization:
        raise ValueError(f"{settings.init_from[0]} was trained with --input_normalization="
                         f"{inherited.input_normalization}, this run asks for "
                         f"{settings.input_normalization}: its weights expect the other input")
    keras.utils.set_random_seed(settings.seed)
    config = settings.architecture
    corpus = load_corpus(settings.dataset, settings.data_dir, settings.seed)
    train_subjects, valid_subjects = h36m.subject_split(settings.selection_subject)
    train_examples = build_examples(corpus, train_subjects, settings.frame_stride)
    valid_examples = build_examples(corpus, valid_subjects, settings.eval_frame_stride)
    # the record after the data: a first run given a bad path leaves no record that would
    # refuse the corrected rerun
    refuse_fewer_epochs_than_done(settings)
    open_run(folder, settings, extendable=("epochs",), shortenable=("epochs",))
    norm = run_normalization(settings, train_examples, inherited, folder)
    logging.info("%d training and %d validation examples", len(train_examples),
                 len(valid_examples))
    with strategy.scope():
        model, trainer = compiled_model(settings, norm)
    if sources:  # a resumed run then overwrites these with its backup
        warm_start.copy_stream_weights(sources, model, settings.init_from)
        logging.info("initialised from %s", ", ".join(settings.init_from))
    global_batch = settings.batch_size * strategy.num_replicas_in_sync
    outputs = list(trainer.output)
    order = EpochOrder(len(train_examples), global_batch, settings.seed)
    train_data = make_dataset(train_examples, norm, config.streams, global_batch, order,
                              flip=settings.flip_augment)
    valid_data = make_dataset(valid_examples, norm, config.streams, 4096)
    fit_resumable(trainer, _targets_per_output(train_data, outputs), epochs=settings.epochs,
                  run_dir=settings.model_dir, write_dir=folder,
                  examples_per_epoch=len(train_examples), global_batch=global_batch,
                  validation_data=_targets_per_output(valid_data, outputs), callbacks=[order])
    report = {**evaluation.evaluate_examples(model, norm, config, valid_examples,
                                           evaluation.training_mode(config.streams),
                                           settings.eval_frame_stride),
              "subjects": list(valid_subjects)}
    save_trained(model, folder)
    if is_chief(strategy):
        export_lifter(model, norm, config.streams, os.path.join(folder, EXPORT_DIR))
        evaluation.record(folder, report)
    return report
