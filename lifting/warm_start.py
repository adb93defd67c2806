"""Initialising a lifter from trained ones: `lifting.train --init_from=MODEL_DIR[,MODEL_DIR]`.

The 3D pose prior a stream learns from ground-truth 2D is what a detection stream needs too;
only the noise model differs. Starting a detection stream from a trained GT stream therefore
spends the training budget on the noise instead of relearning human poses, which matters on a
machine where one pass over Human3.6M takes twenty minutes.

Each stream of the new model copies the first source that has a stream of the same name. A
single source may also seed a stream it lacks from its only stream (GT -> detected, or GT ->
both streams of the paper's model). Several sources assemble the paper's two-stream model
from streams trained apart (a GT stream and a detection stream): they must share their
normalisation statistics, because the model has one set and weights only mean something on
inputs scaled the way they were trained. Those statistics come with the weights.
"""
from __future__ import annotations

import dataclasses
from typing import Sequence

import keras
import numpy as np

from lifting.config import LifterConfig, load_trained
from lifting.data import Normalization
from lifting.model import STREAM_CHOICES, streams_of


def assign_sources(target_streams: Sequence[str], source_streams: Sequence[Sequence[str]],
                   names: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Target stream -> (index of the source, its stream) that initialises it.

    NAMES (the sources' directories) only label the errors: a target stream no source can
    seed, or a source that would seed nothing, is a mistake in the command line.
    """
    plan = {}
    for stream in target_streams:
        providers = [i for i, streams in enumerate(source_streams) if stream in streams]
        if providers:
            plan[stream] = (providers[0], stream)
        elif len(source_streams) == 1:
            plan[stream] = (0, source_streams[0][0])
        else:
            raise ValueError(f"no model of --init_from={','.join(names)} has a {stream!r} "
                             "stream to start it from")
    unused = set(range(len(names))) - {index for index, _ in plan.values()}
    if unused:
        raise ValueError(f"--init_from: {', '.join(names[i] for i in sorted(unused))} would "
                         "seed no stream of the new model")
    return plan


def copy_stream_weights(sources: Sequence[keras.Model], target: keras.Model,
                        names: Sequence[str]) -> None:
    """Sets every layer of each TARGET stream to its counterpart's weights in SOURCES."""
    plan = assign_sources(streams_of(target), [streams_of(s) for s in sources], names)
    for layer in target.layers:
        stream = next((s for s in STREAM_CHOICES if layer.name.startswith(f"{s}_")), None)
        if stream is None or not layer.weights:
            continue
        index, origin = plan[stream]
        layer.set_weights(sources[index].get_layer(origin + layer.name[len(stream):])
                          .get_weights())


def load_sources(model_dirs: Sequence[str], architecture: LifterConfig
                 ) -> tuple[list[keras.Model], Normalization]:
    """The trained lifters of MODEL_DIRS, checked to fit ARCHITECTURE, and their statistics.

    A source must match the new model's shapes and activation: one model has one activation,
    and a SELU-trained stream run under ReLU (or the reverse) is silently a different function.
    """
    models, norms = [], []
    for model_dir in model_dirs:
        model, norm, config = load_trained(model_dir)
        if (config.width, config.num_blocks) != (architecture.width, architecture.num_blocks):
            raise ValueError(f"{model_dir} has width {config.width} and {config.num_blocks} "
                             f"blocks; the new model has {architecture.width} and "
                             f"{architecture.num_blocks}: --init_from needs the same shapes")
        if config.activation != architecture.activation:
            raise ValueError(f"{model_dir} was trained with --activation={config.activation}; "
                             f"the new model has {architecture.activation}, under which its "
                             "weights compute another function: --init_from needs the same "
                             "activation")
        if norms and not _same_statistics(norm, norms[0]):
            raise ValueError(f"{model_dir} and {model_dirs[0]} were trained on different "
                             "normalisation statistics; one model has one set, so their "
                             "streams cannot be combined")
        models.append(model)
        norms.append(norm)
    return models, norms[0]


def _same_statistics(a: Normalization, b: Normalization) -> bool:
    return all(np.array_equal(getattr(a, field.name), getattr(b, field.name))
               for field in dataclasses.fields(a))
