"""Lifter throughput on this machine, printed as one JSON line.

    python -m bench.lifting_bench

Training: examples/s of the train step `lifting.train` compiles (Adam, max-norm, dropout, BN;
two streams with their per-stream losses) at batch 64 and 1024, one and two streams.
Inference: poses/s of the exported SavedModel at batch 1024 and latency at batch 1.
Efficiency: achieved GFLOP/s of the training and inference matmuls against a 4096^2 float32
matmul measured in the same process.

The speed of a shared VM drifts by tens of percent within minutes, so every figure is measured
in `--repeats` interleaved rounds and reported as its median; the two-stream/one-stream ratios
are medians of ratios taken within a round, which the drift affects least.

`--temporal` adds the temporal lifter's train step (windows/s of its window form, the
recipe's shape by default), and with `--torch_reference` a PyTorch model of the same design
(`bench.torch_reference.build_temporal_reference`) in the same rounds.

`--temporal_stock_layers` times, in the same rounds, the window form built from Keras's own
Conv1D and BatchNormalization instead of the lifter's tiling convolution and fused batch norm
(`lifting.tiling_conv`, `lifting.batch_norm`): what those two layers gain on this machine.

`--torch_reference` also times the PyTorch port of Martinez's baseline (the speed reference,
`bench/torch_reference.py`) in the same rounds and reports our speed-up over it per figure
(above 1: ours is faster), again as a median of within-round ratios.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json
import os
import tempfile
import time
from typing import Callable

import keras
import numpy as np
import tensorflow as tf
from absl import app, flags

from bench.timing import interleaved_readings, median_ratio, timed_rate
from common import input_pipeline
from lifting.config import LifterConfig
from lifting.data import INPUT_DIM, OUTPUT_DIM, Normalization
from lifting.serving import export_lifter
from lifting import batch_norm, tiling_conv
from lifting.temporal_model import WINDOW, TemporalConfig
from lifting.temporal_trainer import (TemporalTrainSettings, compile_window_model,
                                      compiled_window_model)
from lifting.trainer import TrainSettings, compiled_model

FLAGS = flags.FLAGS
flags.DEFINE_float("seconds", 8.0, "Measuring time per configuration.")
flags.DEFINE_bool("jit_compile", None, "XLA for the train step (default: as lifting.train "
                  "chooses for each batch size).")
flags.DEFINE_list("batches", ["64", "1024"], "Training batch sizes to measure.")
flags.DEFINE_bool("inference", True, "Also measure the exported model's inference.")
flags.DEFINE_integer("repeats", 3, "Interleaved measuring rounds; medians are reported.")
flags.DEFINE_bool("temporal", False, "Also time the temporal lifter's train step (and, with "
                  "--torch_reference, a PyTorch model of the same design).")
flags.DEFINE_list("temporal_filter_widths", ["3", "3", "3", "3"], "The temporal lifter's "
                  "filter widths (recipes/lifter/temporal.flags).")
flags.DEFINE_integer("temporal_channels", 512, "The temporal lifter's channels.")
flags.DEFINE_integer("temporal_batch", 1024, "The temporal lifter's training batch.")
flags.DEFINE_bool("temporal_stock_layers", False, "With --temporal, also time its window form "
                  "built from Keras's own Conv1D and BatchNormalization.")
flags.DEFINE_bool("torch_reference", False, "Also time the PyTorch Martinez port (needs torch) "
                  "in the same rounds and report our speed-up over it.")


def matmul_gflops(seconds: float, size: int = 4096) -> float:
    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size))
    matmul = tf.function(lambda: tf.linalg.matmul(a, b)[0, 0])
    return timed_rate(lambda: matmul().numpy(), 1, seconds) * 2 * size ** 3 / 1e9


def dense_flops_per_example(model: keras.Model) -> int:
    """Multiply-adds x 2 of every Dense kernel: the forward FLOPs of one example."""
    return 2 * sum(int(np.prod(layer.kernel.shape)) for layer in model.layers
                   if isinstance(layer, keras.layers.Dense))


def training_meter(streams: tuple[str, ...], batch: int,
                   jit: bool | None) -> Callable[[float], float]:
    """A compiled train step and a function timing its examples/s over about N seconds."""
    settings = TrainSettings(model_dir="unused", architecture=LifterConfig(streams=streams),
                             batch_size=batch, jit_compile=jit)
    _, trainer = compiled_model(settings, Normalization.identity())
    rng = np.random.default_rng(0)
    inputs = {name: rng.normal(size=(batch * 20, INPUT_DIM)).astype(np.float32)
              for name in trainer.input}
    target = rng.normal(size=(batch * 20, OUTPUT_DIM)).astype(np.float32)
    targets = {name: target for name in trainer.output}
    return _fit_meter(trainer, inputs, targets, batch)


def _fit_meter(trainer: keras.Model, inputs, targets, batch: int) -> Callable[[float], float]:
    """A function timing the examples/s of TRAINER's `fit` over batches of INPUTS, TARGETS."""
    dataset = input_pipeline.prefetch_without_autotuner(
        tf.data.Dataset.from_tensor_slices((inputs, targets)).batch(batch).repeat())

    def timed_fit(steps: int) -> float:
        start = time.perf_counter()
        trainer.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
        return time.perf_counter() - start

    def rate(seconds: float) -> float:
        estimate = timed_fit(5) / 5
        steps = max(5, int(seconds / estimate))  # one fit call per measurement: its fixed
        return steps * batch / timed_fit(steps)  # cost is spread over `seconds` of steps

    timed_fit(5)  # compile
    return rate


def temporal_training_meter(config: TemporalConfig, batch: int, stock_layers: bool = False
                            ) -> Callable[[float], float]:
    """Windows/s of the temporal lifter's train step as `lifting.train --lifter_kind=temporal`
    compiles it (window form, AMSGrad Adam, MSE); STOCK_LAYERS: its layers replaced by
    Keras's own (`stock_keras_layers`)."""
    settings = TemporalTrainSettings(model_dir="unused", architecture=config, batch_size=batch)
    std_3d = np.ones(OUTPUT_DIM, np.float32)
    trainer = (compile_window_model(stock_keras_layers(config.build(WINDOW)), settings, std_3d,
                                    100)
               if stock_layers else compiled_window_model(settings, std_3d, 100))
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(batch * 4, config.receptive_field, INPUT_DIM)).astype(np.float32)
    targets = rng.normal(size=(batch * 4, 1, OUTPUT_DIM)).astype(np.float32)
    return _fit_meter(trainer, inputs, targets, batch)


def stock_keras_layers(model: keras.Model) -> keras.Model:
    """MODEL with each tiling convolution and fused batch norm rebuilt as Keras's own layer
    of the same configuration."""
    stock = {tiling_conv.Conv1D: keras.layers.Conv1D,
             batch_norm.BatchNormalization: keras.layers.BatchNormalization}

    def rebuild(layer: keras.layers.Layer) -> keras.layers.Layer:
        config = layer.get_config()
        config.pop("fused", None)
        return stock.get(type(layer), type(layer)).from_config(config)

    return keras.models.clone_model(model, clone_function=rebuild)


def inference_meters(export_dir: str) -> dict[str, Callable[[float], float]]:
    """Timers of the one-stream lifter exported to EXPORT_DIR: poses/s at batch 1024, ms per
    batch-1 call."""
    model = LifterConfig(streams=("gt",)).build()
    export_lifter(model, Normalization.identity(), ("gt",), export_dir)
    serving = tf.saved_model.load(export_dir).signatures["serving_default"]
    big = tf.random.uniform((1024, 16, 2), 0, 1000)
    one = tf.random.uniform((1, 16, 2), 0, 1000)
    return {
        "infer_poses_per_s_batch1024": lambda seconds: timed_rate(
            lambda: serving(keypoints_2d=big)["pose_3d"].numpy(), 1024, seconds),
        "infer_ms_batch1": lambda seconds: 1000.0 / timed_rate(
            lambda: serving(keypoints_2d=one)["pose_3d"].numpy(), 1, seconds)}


def main(argv: list[str]) -> None:
    del argv
    batches = [int(b) for b in FLAGS.batches]
    meters = {"matmul_4096_gflops": matmul_gflops}
    for streams in (("gt",), ("gt", "detected")):
        for batch in batches:
            meters[_train_key(len(streams), batch)] = training_meter(streams, batch,
                                                                     FLAGS.jit_compile)
    if FLAGS.temporal:
        meters[TEMPORAL_KEY] = temporal_training_meter(_temporal_config(), FLAGS.temporal_batch)
        if FLAGS.temporal_stock_layers:
            meters[TEMPORAL_STOCK_KEY] = temporal_training_meter(
                _temporal_config(), FLAGS.temporal_batch, stock_layers=True)
    if FLAGS.torch_reference:
        meters.update(_torch_meters(batches, FLAGS.inference))
    with tempfile.TemporaryDirectory() as folder:
        if FLAGS.inference:
            meters.update(inference_meters(os.path.join(folder, "export")))
        readings = interleaved_readings(meters, FLAGS.seconds, FLAGS.repeats)
    result = {key: float(np.median(values)) for key, values in readings.items()}
    for batch in batches:
        result[f"train_2stream_over_1stream_batch{batch}"] = median_ratio(
            readings, _train_key(2, batch), _train_key(1, batch))
    if FLAGS.temporal and FLAGS.temporal_stock_layers:
        result["train_temporal_over_stock_layers"] = median_ratio(
            readings, TEMPORAL_KEY, TEMPORAL_STOCK_KEY)
    if FLAGS.torch_reference:
        result.update(_speedups_over_torch(readings, batches, FLAGS.inference))
        if FLAGS.temporal:
            result["speedup_over_torch_train_temporal"] = median_ratio(
                readings, TEMPORAL_KEY, _torch_key(TEMPORAL_KEY))
    peak = result["matmul_4096_gflops"]
    forward = dense_flops_per_example(LifterConfig(streams=("gt",)).build())
    if 1024 in batches:
        result["train_gflops_ratio_batch1024"] = (
            result[_train_key(1, 1024)] * 3 * forward / 1e9 / peak)
    if FLAGS.inference:
        result["infer_gflops_ratio_batch1024"] = (
            result["infer_poses_per_s_batch1024"] * forward / 1e9 / peak)
    result["jit_compile"] = "auto" if FLAGS.jit_compile is None else FLAGS.jit_compile
    result["threads"] = os.cpu_count()
    result["repeats"] = FLAGS.repeats
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}))


TEMPORAL_KEY = "train_temporal_windows_per_s"
TEMPORAL_STOCK_KEY = "train_temporal_stock_layers_windows_per_s"


def _temporal_config() -> TemporalConfig:
    return TemporalConfig(tuple(int(w) for w in FLAGS.temporal_filter_widths),
                          FLAGS.temporal_channels)


def _train_key(num_streams: int, batch: int) -> str:
    return f"train_{num_streams}stream_batch{batch}_examples_per_s"


def _torch_key(key: str) -> str:
    """The PyTorch port's reading of the figure our meter KEY reads."""
    return f"torch_{key}"


def _torch_meters(batches: list[int], inference: bool) -> dict[str, Callable[[float], float]]:
    """The PyTorch port's meters; imported here so that the bench runs without torch."""
    from bench import torch_reference  # pylint: disable=import-outside-toplevel
    meters = {_train_key(1, batch): torch_reference.training_meter(batch) for batch in batches}
    if FLAGS.temporal:
        config = _temporal_config()
        meters[TEMPORAL_KEY] = torch_reference.temporal_training_meter(
            FLAGS.temporal_batch, config.filter_widths, config.channels, config.dropout)
    if inference:
        meters.update(torch_reference.inference_meters())
    return {_torch_key(key): meter for key, meter in meters.items()}


def _speedups_over_torch(readings: dict[str, list[float]], batches: list[int],
                         inference: bool) -> dict[str, float]:
    """Our one-stream speed over the PyTorch port's per figure (above 1: ours is faster)."""
    speedups = {f"speedup_over_torch_train_batch{batch}": median_ratio(
        readings, _train_key(1, batch), _torch_key(_train_key(1, batch))) for batch in batches}
    if inference:
        rate, latency = "infer_poses_per_s_batch1024", "infer_ms_batch1"
        speedups["speedup_over_torch_infer_batch1024"] = median_ratio(
            readings, rate, _torch_key(rate))
        speedups["speedup_over_torch_infer_batch1"] = median_ratio(  # a latency: inverted
            readings, _torch_key(latency), latency)
    return speedups


if __name__ == "__main__":
    app.run(main)
