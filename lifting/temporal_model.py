"""The temporal lifter: dilated 1D convolutions over a track of 2D poses (Pavllo et al., 2019).

Each output frame sees a window of RECEPTIVE_FIELD input frames (the product of the filter
widths): an expanding convolution over the first width, then residual blocks, each a
convolution of the next width dilated by the product of the widths before it and a 1x1
convolution, every convolution followed by BatchNorm, ReLU and dropout; a 1x1 convolution
gives the (48,) normalised pose.

The same weights run in two forms:
  window    strided convolutions over exactly one receptive field -> one pose (training: no
            convolution is computed for outputs nobody asked for, about 1/3 of the work per
            level of a dilated pass over the same window);
  sequence  dilated convolutions over a track of any length -> one pose per valid position
            (evaluation and serving: every frame's neighbours are computed once).
A centred model predicts the window's middle frame, a causal one its last frame (streaming:
no future frame is needed).
"""
from __future__ import annotations

import dataclasses
import math

import keras
import tensorflow as tf

from datasets import h36m
from lifting import batch_norm, tiling_conv
from lifting.data import INPUT_DIM, OUTPUT_DIM

WINDOW, SEQUENCE = "window", "sequence"
# Human3.6M's frame rate: the rate at which the windows were learnt (a track at another rate is
# resampled to it before lifting, `lifting.deployed.DeployedLifter.lift`).
TRAINING_FPS = h36m.FRAME_RATE_HZ


@dataclasses.dataclass(frozen=True)
class TemporalConfig:
    """The temporal lifter's architecture.

    Attributes:
      filter_widths: one odd width per level; their product is the receptive field.
      channels: feature channels of every convolution.
      dropout: dropout rate after every convolution.
      causal: predict the last frame of each window (streaming) instead of its middle.
      flip_test: every served track is lifted twice, as it is and in a mirror, and the two
        answers averaged (the mirrored one mirrored back): for a model trained with
        --flip_augment and skeleton input (`lifting.temporal_serving`). It changes no
        weight, so a trained model may be served either way.
    """

    filter_widths: tuple[int, ...] = (3, 3, 3)
    channels: int = 512
    dropout: float = 0.25
    causal: bool = False
    flip_test: bool = False

    def __post_init__(self):
        if not self.filter_widths or any(w < 1 or w % 2 == 0 for w in self.filter_widths):
            raise ValueError(f"filter_widths must be odd and positive, got {self.filter_widths}")

    @property
    def streams(self) -> tuple[str, ...]:
        """The temporal lifter has one input, the detections (as `LifterConfig.streams`)."""
        return ("detected",)

    @property
    def receptive_field(self) -> int:
        return math.prod(self.filter_widths)

    @property
    def frames_before(self) -> int:
        """How many input frames before the output frame a window holds (the rest follow)."""
        return self.receptive_field - 1 if self.causal else (self.receptive_field - 1) // 2

    @property
    def frames_after(self) -> int:
        """How many input frames after the output frame a window holds."""
        return self.receptive_field - 1 - self.frames_before

    def build(self, mode: str = SEQUENCE) -> keras.Model:
        return build_temporal_lifter(self, mode)


@keras.saving.register_keras_serializable(package="lifting")
class TimeCrop(keras.layers.Layer):
    """x[:, start : len - from_end : step]: the residual path's frames that line up with a
    level's output (the centre or last frame of each convolution window)."""

    def __init__(self, start: int, from_end: int, step: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.start, self.from_end, self.step = start, from_end, step

    def call(self, inputs):
        stop = tf.shape(inputs)[1] - self.from_end
        return inputs[:, self.start:stop:self.step]

    def get_config(self) -> dict:
        return {**super().get_config(), "start": self.start, "from_end": self.from_end,
                "step": self.step}


def _conv_unit(x, config: TemporalConfig, width: int, name: str, stride: int = 1,
               dilation: int = 1):
    x = tiling_conv.Conv1D(config.channels, width, strides=stride, dilation_rate=dilation,
                           use_bias=False, name=f"{name}_conv")(x)
    x = batch_norm.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
    x = keras.layers.ReLU(name=f"{name}_relu")(x)
    return keras.layers.Dropout(config.dropout, name=f"{name}_dropout")(x)


def _residual_crop(config: TemporalConfig, width: int, dilation: int, mode: str,
                   name: str) -> TimeCrop:
    """The crop of a block's input that lines up with its convolution's output."""
    offset = width - 1 if config.causal else (width - 1) // 2
    if mode == WINDOW:
        return TimeCrop(offset, 0, step=width, name=f"{name}_crop")
    shrink = (width - 1) * dilation
    return TimeCrop(offset * dilation, shrink - offset * dilation, name=f"{name}_crop")


def build_temporal_lifter(config: TemporalConfig, mode: str = SEQUENCE) -> keras.Model:
    """(B, T, 32) normalised 2D -> (B, T - receptive_field + 1, 48) normalised poses.

    In WINDOW mode T must be the receptive field (one pose out); both modes name their layers
    alike and hold the same variables, so weights move between them by
    `common.weights_file.copy_layers`.
    """
    if mode not in (WINDOW, SEQUENCE):
        raise ValueError(f"mode must be {WINDOW!r} or {SEQUENCE!r}, got {mode!r}")
    length = config.receptive_field if mode == WINDOW else None
    inputs = keras.Input((length, INPUT_DIM), name="keypoints_sequence")
    widths = config.filter_widths
    strided = mode == WINDOW
    x = _conv_unit(inputs, config, widths[0], "expand", stride=widths[0] if strided else 1)
    dilation = widths[0]
    for level, width in enumerate(widths[1:], start=1):
        name = f"block{level}"
        skip = _residual_crop(config, width, dilation, mode, name)(x)
        x = _conv_unit(x, config, width, f"{name}_wide", stride=width if strided else 1,
                       dilation=1 if strided else dilation)
        x = _conv_unit(x, config, 1, f"{name}_point")
        x = keras.layers.Add(name=f"{name}_add")([skip, x])
        dilation *= width
    outputs = tiling_conv.Conv1D(OUTPUT_DIM, 1, name="shrink")(x)
    return keras.Model(inputs, outputs, name=f"temporal_lifter_{config.receptive_field}_{mode}")


