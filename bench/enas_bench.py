"""ENAS search throughput on this machine, printed as one JSON line.

    python -m bench.enas_bench

Search configuration: 12 layers, 36 filters, batch 128, 32x32x3 input, 10 classes.
  child_dynamic_images_per_s   the search step, a new controller-sampled arc every step
  child_static_images_per_s    the same step with one arc baked into a static graph
  controller_arcs_per_s        arcs sampled per second
  controller_update_s          one controller update: 20 arcs, each scored on 128 images
  controller_phase_vs_static_forwards  (50 updates) / (1000 static forwards of 128 images)

`--torch_reference` also times a PyTorch model of the same search (bench/torch_enas_reference:
the shared child stepped on a new controller-sampled arc each step, and the controller
update) in interleaved rounds with our child step and controller update, and reports our
speed-ups over it, each the median over rounds of the ratio within a round.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json
import time

import numpy as np
import tensorflow as tf
from absl import app, flags

from bench.timing import interleaved_readings, median_ratio, timed_rate
from enas.child import ChildConfig
from enas.data import ImageSplits
from enas.searcher import Search, SearchConfig

FLAGS = flags.FLAGS
flags.DEFINE_integer("steps", 6, "Timed calls per measurement (after warm-up).")
flags.DEFINE_integer("child_num_layers", 12, "Layers of the child.")
flags.DEFINE_integer("child_out_filters", 36, "Channels of the child.")
flags.DEFINE_integer("batch_size", 128, "Minibatch size.")
flags.DEFINE_bool("torch_reference", False, "Also time the PyTorch model of the search (needs "
                  "torch) in interleaved rounds with ours.")
flags.DEFINE_float("seconds", 20.0, "--torch_reference: seconds per meter per round.")
flags.DEFINE_integer("repeats", 3, "--torch_reference: interleaved rounds.")


def _seconds_per_call(function, steps: int) -> float:
    function()  # trace and warm up
    function()
    start = time.perf_counter()
    for _ in range(steps):
        function()
    return (time.perf_counter() - start) / steps


def _random_splits(batch: int) -> ImageSplits:
    rng = np.random.default_rng(0)
    images = rng.normal(size=(batch, 32, 32, 3)).astype(np.float32)
    labels = rng.integers(0, 10, batch).astype(np.int32)
    return ImageSplits((images, labels), (images, labels), (images, labels), 10,
                       np.zeros(3, np.float32), np.ones(3, np.float32))


def main(argv: list[str]) -> None:
    del argv
    batch, steps = FLAGS.batch_size, FLAGS.steps
    data = _random_splits(batch)
    search = Search(SearchConfig(output_dir="", batch_size=batch, child=ChildConfig(
        num_layers=FLAGS.child_num_layers, out_filters=FLAGS.child_out_filters)), data)
    images, labels = (tf.constant(a) for a in data.train)
    dynamic = _seconds_per_call(lambda: search.child_step(images, labels)["loss"].numpy(),
                                steps)
    fixed_arc = search.controller.sample()["arc"].numpy()
    child, optimizer = search.child, search.child_optimizer

    @tf.function
    def static_step():
        with tf.GradientTape() as tape:
            logits = child(images, fixed_arc, training=True)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=labels, logits=logits))
        optimizer.apply_gradients(zip(tape.gradient(loss, child.trainable_variables),
                                      child.trainable_variables))
        return loss

    static = _seconds_per_call(lambda: static_step().numpy(), steps)
    forward = tf.function(lambda: child(images, fixed_arc, training=False))
    static_forward = _seconds_per_call(lambda: forward().numpy(), steps)
    sample = _seconds_per_call(lambda: search.controller.sample()["arc"].numpy(), 50)
    update = _seconds_per_call(lambda: search.controller_step()["loss"].numpy(), 2)
    result = {
        "child_dynamic_images_per_s": batch / dynamic,
        "child_static_images_per_s": batch / static,
        "dynamic_over_static": static / dynamic,
        "retraces_after_warmup": search.child_step.experimental_get_tracing_count() - 1,
        "controller_arcs_per_s": 1.0 / sample,
        "controller_update_s": update,
        "controller_updates_per_s": 1.0 / update,
        "static_forward_s": static_forward,
        "controller_phase_vs_static_forwards": 50 * update / (1000 * static_forward),
        "config": f"{FLAGS.child_num_layers} layers, {FLAGS.child_out_filters} filters, "
                  f"batch {batch}, 32x32x3",
    }
    if FLAGS.torch_reference:
        result.update(_against_torch(search, images, labels))
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}))


def _against_torch(search: Search, images: tf.Tensor, labels: tf.Tensor) -> dict[str, float]:
    """Our child step and controller update and the PyTorch model's, in interleaved rounds."""
    from bench import torch_enas_reference  # pylint: disable=import-outside-toplevel
    batch = int(labels.shape[0])
    meters = {
        "child_images_per_s": lambda s: timed_rate(
            lambda: search.child_step(images, labels)["loss"].numpy(), batch, s),
        "controller_updates_per_s": lambda s: timed_rate(
            lambda: search.controller_step()["loss"].numpy(), 1, s),
        **torch_enas_reference.search_meters(FLAGS.child_num_layers, FLAGS.child_out_filters,
                                             batch, search.config.reinforce.num_aggregate)}
    readings = interleaved_readings(meters, FLAGS.seconds, FLAGS.repeats)
    result = {f"round_median_{key}": float(np.median(values)) for key, values in readings.items()}
    for name in ("child_images_per_s", "controller_updates_per_s"):
        result[f"speedup_over_torch_{name.rsplit('_per_s', 1)[0]}"] = median_ratio(
            readings, name, f"torch_{name}")
    return result


if __name__ == "__main__":
    app.run(main)
