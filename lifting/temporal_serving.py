"""The temporal lifter's serving graph and SavedModel: one track of raw pixels in, millimetres
out, for a track of any length.

    serving_default(keypoints_2d: (T, 16, 2) px, H36M-16, one track in frame order)
        -> {"pose_3d": (T, 17, 3) mm, root-relative}
    description() -> {"lifter_kind": "temporal", "receptive_field", "causal",
                      "input_normalization", "scale_frames", "flip_test"}: how a client
                      tells it from a frame lifter

The track is padded inside the graph by repeating its first and last frame (the causal model
pads only its start), so every frame gets a pose and a client needs neither the statistics
nor the receptive field. Frames must all be seen: a caller splits a track at its gaps
(`lifting.deployed.DeployedLifter.lift` does).
"""
from __future__ import annotations

import keras
import tensorflow as tf

from common.atomic import replace_directory
from lifting.data import INPUT_DIM, Normalization
from lifting.mirror import mirror_keypoints, mirror_pose
from lifting.temporal_model import TemporalConfig

_TRACK = tf.TensorSpec((None, 16, 2), tf.float32)


def plain_track_function(model: keras.Model, norm: Normalization, config: TemporalConfig):
    """A function (T, 16, 2) px -> (T, 17, 3) mm of one track, normalisation, edge padding and
    (`TemporalConfig.flip_test`) the mirror average inside."""
    if config.flip_test and norm.input_normalization != "skeleton":
        raise ValueError("flip_test mirrors the keypoints about any vertical line, which only "
                         "skeleton input ignores; this model takes "
                         f"{norm.input_normalization!r} input")

    def lift_root_relative(keypoints_2d: tf.Tensor) -> tf.Tensor:
        inputs = norm.normalise_track(keypoints_2d)
        padded = tf.concat([tf.repeat(inputs[:1], config.frames_before, 0), inputs,
                            tf.repeat(inputs[-1:], config.frames_after, 0)], axis=0)
        normalised = model(tf.reshape(padded, (1, -1, INPUT_DIM)), training=False)[0]
        return norm.denormalise_3d(normalised)

    def lift(keypoints_2d: tf.Tensor) -> tf.Tensor:
        pose = lift_root_relative(keypoints_2d)
        if config.flip_test:
            keypoints_2d = tf.cast(keypoints_2d, tf.float32)
            axis = tf.zeros(tf.shape(keypoints_2d)[:1])
            mirrored = lift_root_relative(mirror_keypoints(keypoints_2d, axis))
            pose = (pose + mirror_pose(mirrored)) / 2
        return tf.concat([tf.zeros_like(pose[:, :1]), pose], axis=1)

    return lift


def track_function(model: keras.Model, norm: Normalization, config: TemporalConfig):
    """`plain_track_function` as one graph for tracks of every length (traced once)."""
    return tf.function(plain_track_function(model, norm, config), input_signature=[_TRACK])


def export_temporal_lifter(model: keras.Model, norm: Normalization, config: TemporalConfig,
                           path: str) -> None:
    """Writes the SavedModel to PATH (replacing any previous export atomically)."""
    lift = track_function(model, norm, config)
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", lambda keypoints_2d: {"pose_3d": lift(keypoints_2d)},
                         input_signature=[_TRACK])
    archive.add_endpoint("description", lambda: {
        "lifter_kind": tf.constant("temporal"),
        "receptive_field": tf.constant(config.receptive_field),
        "causal": tf.constant(config.causal),
        "input_normalization": tf.constant(norm.input_normalization),
        "scale_frames": tf.constant(norm.scale_frames),
        "flip_test": tf.constant(config.flip_test)}, input_signature=[])
    replace_directory(path, lambda staging: archive.write_out(staging, verbose=False))
