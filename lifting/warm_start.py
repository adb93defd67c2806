"""Initialising a lifter from a trained one: `lifting.train --init_from=MODEL_DIR`.

The 3D pose prior a stream learns from ground-truth 2D is what a detection stream needs too;
only the noise model differs. Starting a detection stream from a trained GT stream therefore
spends the training budget on the noise instead of relearning human poses, which matters on a
machine where one pass over Human3.6M takes twenty minutes.

Streams are matched by name when the source has the same stream, otherwise a single-stream
source seeds every stream (GT -> detected, or GT -> both streams of the paper's model). The
source's normalisation statistics come with its weights: the weights only mean something on
inputs scaled the way they were trained.
"""
from __future__ import annotations

import keras

from lifting.config import LifterConfig, load_trained
from lifting.data import Normalization
from lifting.model import STREAM_CHOICES, streams_of


def source_stream(target_stream: str, source_streams: list[str]) -> str:
    """Which stream of the source initialises TARGET_STREAM: its namesake, else the source's
    only stream (a two-stream source has every stream a target can have)."""
    return target_stream if target_stream in source_streams else source_streams[0]


def copy_stream_weights(source: keras.Model, target: keras.Model) -> None:
    """Sets every layer of each TARGET stream to its counterpart's weights in SOURCE."""
    source_streams = streams_of(source)
    for layer in target.layers:
        stream = next((s for s in STREAM_CHOICES if layer.name.startswith(f"{s}_")), None)
        if stream is None or not layer.weights:
            continue
        origin = source_stream(stream, source_streams)
        layer.set_weights(source.get_layer(origin + layer.name[len(stream):]).get_weights())


def load_source(model_dir: str, architecture: LifterConfig
                ) -> tuple[keras.Model, Normalization]:
    """The trained lifter of MODEL_DIR, checked to fit ARCHITECTURE, and its statistics."""
    model, norm, config = load_trained(model_dir)
    if (config.width, config.num_blocks) != (architecture.width, architecture.num_blocks):
        raise ValueError(f"{model_dir} has width {config.width} and {config.num_blocks} blocks; "
                         f"the new model has {architecture.width} and "
                         f"{architecture.num_blocks}: --init_from needs the same shapes")
    return model, norm
