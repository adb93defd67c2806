"""Trains the lifter; resumable, with TensorBoard, a final SavedModel export and eval.json.

    python -m lifting.train --dataset=h36m --data_dir=../shared/data/h36m \
        --model_dir=runs/lifter_gt --streams=gt --epochs=10
    python -m lifting.train --lifter_kind=temporal --flagfile=recipes/lifter/temporal.flags \
        --data_dir=../shared/data/h36m

Kill it and run the same command again: it resumes from the last finished epoch
(`lifting.trainer`). Training subjects S1 S5 S6 S7 S8; validation on S9 S11.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json

from absl import app, flags

from common.distribute import STRATEGIES
from common.run_record import exit_on_user_error
from datasets import h36m
from lifting.config import LifterConfig
from lifting.data import INPUT_NORMALIZATIONS
from lifting.model import STREAM_CHOICES
from lifting.temporal_model import TemporalConfig
from lifting.metrics import LIFTER_LOSSES
from lifting.temporal_trainer import TEMPORAL, TemporalTrainSettings, train_temporal
from lifting.trainer import STEPS_PER_EXECUTION, XLA_MAX_BATCH, TrainSettings, train

FLAGS = flags.FLAGS
# Flags a frame lifter would silently ignore, so it refuses them.
_TEMPORAL_ONLY = ("flip_test", "scale_frames")


def define_flags() -> None:
    flags.DEFINE_string("model_dir", None, "Where checkpoints, logs and the export go.")
    flags.DEFINE_enum("lifter_kind", "frame", ["frame", TEMPORAL], "frame: the paper's "
                      "two-stream lifter, one frame at a time; temporal: dilated convolutions "
                      "over a track of detections (lifting/temporal_model.py).")
    flags.DEFINE_list("filter_widths", ["3", "3", "3", "3"], "Temporal: odd filter width per "
                      "level; their product is the receptive field in frames.")
    flags.DEFINE_integer("channels", 512, "Temporal: channels per convolution.", lower_bound=1)
    flags.DEFINE_bool("causal", False, "Temporal: predict each window's last frame (streaming) "
                      "instead of its middle.")
    flags.DEFINE_enum("dataset", "synthetic", ["h36m", "synthetic"], "Training data.")
    flags.DEFINE_string("data_dir", None, "Human3.6M folder (npz release or Martinez tree).")
    flags.DEFINE_list("streams", list(STREAM_CHOICES), "Streams: gt,detected (the paper), "
                      "gt (Martinez with GT 2D) or detected.")
    flags.DEFINE_enum("activation", "selu", ["selu", "relu"], "selu (paper) or relu (Martinez).")
    flags.DEFINE_integer("width", 1024, "Units per linear layer.", lower_bound=1)
    flags.DEFINE_integer("num_blocks", 2, "Residual blocks per stream.", lower_bound=0)
    flags.DEFINE_float("dropout", 0.5, "Dropout rate.", lower_bound=0.0, upper_bound=0.99)
    flags.DEFINE_integer("batch_size", 64, "Per-replica batch size.", lower_bound=1)
    flags.DEFINE_integer("epochs", 200, "Training epochs (0: assemble --init_from streams, no "
                         "training).", lower_bound=0)
    flags.DEFINE_float("learning_rate", 1e-3, "Initial Adam learning rate.")
    flags.DEFINE_integer("lr_decay_steps", 100_000, "Steps per decay of the learning rate.",
                         lower_bound=1)
    flags.DEFINE_float("lr_decay_rate", 0.96, "Decay factor of the learning rate.")
    flags.DEFINE_float("stream_loss_weight", 1.0, "Two streams: weight of the mean of the "
                       "streams' own losses next to the loss of their average (0 = average only).")
    flags.DEFINE_enum("input_normalization", "pixels", list(INPUT_NORMALIZATIONS),
                      "pixels: z-scored pixels (the papers; only the training cameras); "
                      "skeleton: per frame minus the Hip and over the joints' RMS distance from "
                      "it, then z-scored (any camera, image size, position, person size).")
    flags.DEFINE_integer("scale_frames", 1, "Temporal, skeleton input: divide each frame by "
                         "the median skeleton scale over this many frames around it (odd; 1: "
                         "by its own scale; the causal model takes the frames before it).",
                         lower_bound=1)
    flags.DEFINE_enum("selection_subject", "", ["", *h36m.TRAIN_SUBJECTS], "Hold this training "
                      "subject out and validate on it instead of S9/S11: the split on which "
                      "levers are chosen (empty: the standard split).")
    flags.DEFINE_integer("frame_stride", 1, "Use every n-th training frame.", lower_bound=1)
    flags.DEFINE_enum("loss", "mse", list(LIFTER_LOSSES), "mse of the z-scored poses "
                      "(Martinez et al.) or mpjpe, the mean joint distance in mm (Pavllo et al.).")
    flags.DEFINE_bool("flip_test", False, "Temporal: serve (and evaluate) each track as the "
                      "average of its lift and its mirror image's; for --flip_augment models "
                      "with skeleton input.")
    flags.DEFINE_bool("flip_augment", False, "Mirror each training example with probability "
                      "1/2 (not in either paper; see lifting/mirror.py).")
    flags.DEFINE_integer("eval_frame_stride", 10, "Use every n-th frame for validation.",
                         lower_bound=1)
    flags.DEFINE_enum("strategy", "default", list(STRATEGIES), "tf.distribute strategy.")
    flags.DEFINE_bool("jit_compile", None, "Compile the train step with XLA (default: only "
                      f"for batch sizes up to {XLA_MAX_BATCH}, where it is faster).")
    flags.DEFINE_integer("steps_per_execution", None, "Train steps per call into the graph "
                         f"(Keras's compile argument; default: {STEPS_PER_EXECUTION} for an "
                         "XLA-compiled step, else 1).", lower_bound=1)
    flags.DEFINE_list("init_from", [], "Trained model_dirs to start from: each stream copies "
                      "the first with a same-named stream; a single single-stream source seeds "
                      "every stream. Their (shared) normalisation is kept; optimiser and "
                      "schedule start afresh.")
    flags.DEFINE_integer("seed", 0, "Random seed (data order, initialisation, synthetic data).")
    flags.mark_flag_as_required("model_dir")


def temporal_settings_from_flags() -> TemporalTrainSettings:
    """The settings of --lifter_kind=temporal (the flags of the frame lifter's streams,
    activation, width and warm start do not apply)."""
    architecture = TemporalConfig(
        filter_widths=tuple(int(width) for width in FLAGS.filter_widths),
        channels=FLAGS.channels, dropout=FLAGS.dropout, causal=FLAGS.causal,
        flip_test=FLAGS.flip_test)
    return TemporalTrainSettings(
        model_dir=FLAGS.model_dir, dataset=FLAGS.dataset, data_dir=FLAGS.data_dir,
        architecture=architecture, batch_size=FLAGS.batch_size, epochs=FLAGS.epochs,
        learning_rate=FLAGS.learning_rate, lr_decay_rate=FLAGS.lr_decay_rate, loss=FLAGS.loss,
        input_normalization=FLAGS.input_normalization, scale_frames=FLAGS.scale_frames,
        selection_subject=FLAGS.selection_subject, frame_stride=FLAGS.frame_stride,
        flip_augment=FLAGS.flip_augment, eval_frame_stride=FLAGS.eval_frame_stride,
        strategy=FLAGS.strategy, seed=FLAGS.seed)


def settings_from_flags() -> TrainSettings:
    changed = [name for name in _TEMPORAL_ONLY if FLAGS[name].value != FLAGS[name].default]
    if changed:
        raise app.UsageError(f"--{', --'.join(changed)}: the temporal lifter's "
                             "(--lifter_kind=temporal); a frame lifter sees one frame and is "
                             "flip-tested by lifting.evaluate --flip_test")
    if FLAGS.epochs == 0 and not FLAGS.init_from:
        raise app.UsageError("--epochs=0 trains nothing: it only assembles the streams of "
                             "--init_from; give --init_from or at least one epoch")
    architecture = LifterConfig(streams=tuple(FLAGS.streams), activation=FLAGS.activation,
                                width=FLAGS.width, num_blocks=FLAGS.num_blocks,
                                dropout=FLAGS.dropout)
    return TrainSettings(
        model_dir=FLAGS.model_dir, dataset=FLAGS.dataset, data_dir=FLAGS.data_dir,
        architecture=architecture, batch_size=FLAGS.batch_size, epochs=FLAGS.epochs,
        learning_rate=FLAGS.learning_rate, lr_decay_steps=FLAGS.lr_decay_steps,
        lr_decay_rate=FLAGS.lr_decay_rate, stream_loss_weight=FLAGS.stream_loss_weight,
        loss=FLAGS.loss, input_normalization=FLAGS.input_normalization,
        selection_subject=FLAGS.selection_subject,
        frame_stride=FLAGS.frame_stride, flip_augment=FLAGS.flip_augment,
        eval_frame_stride=FLAGS.eval_frame_stride, strategy=FLAGS.strategy,
        jit_compile=FLAGS.jit_compile, steps_per_execution=FLAGS.steps_per_execution,
        init_from=tuple(FLAGS.init_from), seed=FLAGS.seed)


def main(argv: list[str]) -> None:
    del argv
    if FLAGS.lifter_kind == TEMPORAL:
        settings = exit_on_user_error("lifting.train", temporal_settings_from_flags,
                                       also=(ValueError,))
        report = exit_on_user_error("lifting.train", lambda: train_temporal(settings))
    else:
        settings = settings_from_flags()
        report = exit_on_user_error("lifting.train", lambda: train(settings))
    print(json.dumps({"average": report["average"], "input": report["input"]}))


if __name__ == "__main__":
    define_flags()
    app.run(main)
