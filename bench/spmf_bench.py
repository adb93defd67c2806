"""Enhanced-SPMF throughput on this machine, printed as one JSON line.

    python -m bench.spmf_bench [--data_dir=../shared/data/msr_action3d]

  encode_one_per_s        sequences/s, `encode` called on one sequence at a time, one core
  encode_batched_per_s    sequences/s, `encode_batch` on --batch_size sequences, one core
  pipeline_images_per_s   images/s that `SkeletonImages.training_dataset` delivers with every
                          augmentation on, on all cores (what a trainer would see)
Sequences are --num_frames frames of --num_joints joints (40 x 20: an MSR Action3D sequence).
The pipeline reads MSR Action3D when --data_dir is given, else the embedded synthetic set.
The encoder figures are taken with the process pinned to one core (Linux affinity), then the
affinity is restored for the pipeline.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json
import os
import time

import cv2
import numpy as np
from absl import app, flags

from bench.timing import timed_rate
from datasets.catalog import load_sequences
from spmf.data import AugmentOptions, SkeletonImages, SpmfDataConfig
from spmf.encode import encode, encode_batch

FLAGS = flags.FLAGS

# The augmentation a recognition run would use: every kind on.
TRAINING_AUGMENTATION = AugmentOptions(rotation_degrees=30, scale=0.1, crop_min_fraction=0.8,
                                       jitter_mm=5.0)


def random_motion(batch: int, frames: int, joints: int, seed: int = 0) -> np.ndarray:
    """(B, T, J, 3) smooth random trajectories of body size (millimetres)."""
    rng = np.random.default_rng(seed)
    rest = rng.normal(0, 400, (batch, 1, joints, 3))
    return (rest + np.cumsum(rng.normal(0, 15, (batch, frames, joints, 3)), axis=1)
            ).astype(np.float32)


def encoder_rates(seconds: float, frames: int, joints: int, batch: int) -> dict[str, float]:
    """Sequences/s of the encoder, one at a time and batched, on one core."""
    allowed = os.sched_getaffinity(0)
    threads = cv2.getNumThreads()
    os.sched_setaffinity(0, {min(allowed)})
    cv2.setNumThreads(1)
    try:
        sequences = random_motion(batch, frames, joints)
        return {"encode_one_per_s": timed_rate(lambda: encode(sequences[0]), 1, seconds),
                "encode_batched_per_s": timed_rate(lambda: encode_batch(sequences), batch,
                                                   seconds)}
    finally:
        os.sched_setaffinity(0, allowed)
        cv2.setNumThreads(threads)


def pipeline_rate(seconds: float, batch: int, data_dir: str | None) -> float:
    """Images/s of the augmented training pipeline, after two warm-up batches."""
    dataset = load_sequences("msr_action3d" if data_dir else "synthetic", data_dir)
    images = SkeletonImages(dataset, SpmfDataConfig(augment=TRAINING_AUGMENTATION,
                                                    batch_size=batch))
    iterator = iter(images.training_dataset())
    return timed_rate(lambda: next(iterator), min(batch, len(images)), seconds)


def define_flags() -> None:
    flags.DEFINE_float("seconds", 5.0, "Measuring time per figure.")
    flags.DEFINE_integer("num_frames", 40, "Frames per benchmark sequence.")
    flags.DEFINE_integer("num_joints", 20, "Joints per benchmark sequence.")
    flags.DEFINE_integer("batch_size", 128, "Sequences per batched call and per training batch.")
    flags.DEFINE_string("data_dir", None, "MSR Action3D folder for the pipeline figure.")


def main(argv: list[str]) -> None:
    del argv
    start = time.perf_counter()
    result = encoder_rates(FLAGS.seconds, FLAGS.num_frames, FLAGS.num_joints, FLAGS.batch_size)
    result["pipeline_images_per_s"] = pipeline_rate(FLAGS.seconds, FLAGS.batch_size,
                                                    FLAGS.data_dir)
    result.update(config=f"{FLAGS.num_frames} frames x {FLAGS.num_joints} joints, batch "
                         f"{FLAGS.batch_size}, pipeline on "
                         f"{'msr_action3d' if FLAGS.data_dir else 'synthetic'}",
                  seconds=round(time.perf_counter() - start, 1))
    print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}))


if __name__ == "__main__":
    define_flags()
    app.run(main)
