"""The lifter's serving graph and its SavedModel: raw pixel keypoints in, root-relative
millimetres out.

Normalisation lives inside the graph, so a serving client never needs the statistics:
  serving_default(keypoints_2d: (B, 16, 2) px, H36M-16) -> {"pose_3d": (B, 17, 3) mm}
      every stream receives the same keypoints (detections at test time);
  two_stream(gt_2d, detected_2d) -> {"pose_3d"}   (two-stream models only)
      each stream receives its own input, as during training.
The graph is that of `serving_copy` (max-norm clips and BatchNorm folded into the kernels),
which computes the same poses with a fraction of the memory traffic per call; small batches
run XLA-compiled, normalisation included. The directory is written beside the target and
renamed into place, so an existing export is replaced whole or not at all.
"""
from __future__ import annotations

import os

import keras
import tensorflow as tf

from common.atomic import replace_directory
from lifting.config import load_trained
from lifting.data import STREAM_INPUTS, Normalization
from lifting.model import serving_copy
from lifting.temporal_model import TemporalConfig
from lifting.temporal_serving import export_temporal_lifter

EXPORT_DIR = "export"
_KEYPOINTS = tf.TensorSpec((None, 16, 2), tf.float32)
# XLA removes the per-op dispatch that dominates small batches (BUILD_NOTES.md, the lifter's
# serving graph) but its CPU matmuls are slower than oneDNN's on large ones, so it serves only
# batches up to this size.
_XLA_MAX_BATCH = 64


def _batch_adaptive(function, streams: tuple[str, ...]):
    """FUNCTION of a {stream: (B, 16, 2)} dict, XLA-compiled for small batches, plain for
    large.

    The whole function is compiled, normalisation included, not only the network: at batch 1
    the dozen small ops around the network cost a large share of the call.
    """
    # One signature of any batch size: a caller lifting tracks of every length gets one
    # graph each, traced once (XLA still compiles each batch size it meets, up to
    # _XLA_MAX_BATCH only); shapes left to tracing retraced at every new length.
    signature = [{stream: _KEYPOINTS for stream in streams}]
    plain = tf.function(function, input_signature=signature)
    compiled = tf.function(function, jit_compile=True, input_signature=signature)

    def call(inputs: dict[str, tf.Tensor]) -> tf.Tensor:
        batch = tf.shape(next(iter(inputs.values())))[0]
        return tf.cond(batch <= _XLA_MAX_BATCH, lambda: compiled(inputs), lambda: plain(inputs))

    return call


def plain_pose_function(model: keras.Model, norm: Normalization, streams: tuple[str, ...]):
    """A function {stream: (B, 16, 2) px} -> (B, 17, 3) mm with normalisation baked in."""
    def lift(pixels_by_stream: dict[str, tf.Tensor]) -> tf.Tensor:
        inputs = {STREAM_INPUTS[s]: norm.normalise_2d(pixels_by_stream[s]) for s in streams}
        pose = norm.denormalise_3d(model(inputs, training=False))
        return tf.concat([tf.zeros_like(pose[:, :1]), pose], axis=1)

    return lift


def pose_function(model: keras.Model, norm: Normalization, streams: tuple[str, ...]):
    """`plain_pose_function`, XLA-compiled for small batches."""
    return _batch_adaptive(plain_pose_function(model, norm, streams), streams)


def export_lifter(model: keras.Model, norm: Normalization, streams: tuple[str, ...],
                  path: str) -> None:
    """Writes the SavedModel to PATH (replacing any previous export atomically)."""
    model = serving_copy(model)
    lift = pose_function(model, norm, streams)
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serving_default", lambda keypoints_2d: {"pose_3d": lift({s: keypoints_2d
                                                                  for s in streams})},
        input_signature=[_KEYPOINTS])
    if set(streams) == {"gt", "detected"}:
        archive.add_endpoint(
            "two_stream", lambda gt_2d, detected_2d: {
                "pose_3d": lift({"gt": gt_2d, "detected": detected_2d})},
            input_signature=[_KEYPOINTS, _KEYPOINTS])
    replace_directory(path, lambda staging: archive.write_out(staging, verbose=False))


def export_model_dir(model_dir: str) -> str:
    """Exports the trained lifter of MODEL_DIR (frame or temporal) to MODEL_DIR/export;
    returns that path."""
    model, norm, config = load_trained(model_dir)
    path = os.path.join(model_dir, EXPORT_DIR)
    if isinstance(config, TemporalConfig):
        export_temporal_lifter(model, norm, config, path)
    else:
        export_lifter(model, norm, config.streams, path)
    return path
