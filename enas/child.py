"""The shared-weights child of the ENAS macro search space (ENAS_SPEC.md s. 3).

One network holds every candidate: each layer builds all six branches once (this is the
weight sharing), and the arc, a tensor, picks per layer one branch through `tf.switch_case`
and the skip connections through 0/1 weights. So one traced graph serves every arc (no
retracing when the arc changes each minibatch), and only the sampled branch runs: gradients
and BatchNorm statistics reach nothing else.

FIX (kept documented in BUILD_NOTES.md): the released code's `tf.case` closure bug made every
layer run the max-pool branch whatever op was sampled; here the sampled op runs.
"""
from __future__ import annotations

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from enas.arc import NUM_OPS, arc_length, reduction_layers
from enas.batch_norm import FusedBatchNorm

_BN_MOMENTUM = 0.9
_BN_EPS = 1e-5
_BRANCH_BN_EPS = 1e-3


@dataclasses.dataclass(frozen=True)
class ChildConfig:
    """The shared child of the search (ENAS_SPEC.md s. 3; flags of the original's names).

    Attributes:
      num_layers: layers (`--child_num_layers`); the pool layers follow from it.
      out_filters: channels of every layer (`--child_out_filters`; not doubled in search).
      num_classes: outputs of the head.
      keep_prob: keep probability of the head's dropout (`--child_keep_prob`).
      num_branches: ops per layer, 6, or 4 without the two pools (`--child_num_branches`).
    """

    num_layers: int = 12
    out_filters: int = 36
    num_classes: int = 10
    keep_prob: float = 0.9
    num_branches: int = NUM_OPS  # 4: the ops without the two pools

    @property
    def pool_layers(self) -> tuple[int, ...]:
        return reduction_layers(self.num_layers)


# keras's truncated normal divides its stddev by this (the std of a unit normal cut at +-2).
_TRUNCATION_STD = 0.87962566103423978


def he_normal() -> keras.initializers.Initializer:
    """TF1's he_normal, as the original's: a normal of stddev sqrt(2 / fan_in) cut at two
    stddevs, without the correction Keras 3 applies, so its spread is 0.88x Keras's
    `he_normal`. A new instance per use: Keras repeats an unseeded instance's values."""
    return keras.initializers.VarianceScaling(2.0 * _TRUNCATION_STD ** 2, "fan_in",
                                              "truncated_normal")


def batch_norm(name: str, epsilon: float = _BN_EPS, zero_debias: bool = True
               ) -> FusedBatchNorm:
    return FusedBatchNorm(momentum=_BN_MOMENTUM, epsilon=epsilon, zero_debias=zero_debias,
                          name=name)


def conv(filters: int, size: int, name: str, strides: int = 1) -> keras.layers.Conv2D:
    return keras.layers.Conv2D(filters, size, strides=strides, padding="same", use_bias=False,
                               kernel_initializer=he_normal(), name=name)


def op_layer(op: int, filters: int, prefix: str = "") -> keras.layers.Layer:
    """The layer of one of the six ops: 0 conv 3x3, 1 separable 3x3, 2 conv 5x5, 3 separable
    5x5, 4 average pool 3x3, 5 max pool 3x3 (stride 1, same padding). The shared child and
    the fixed model wrap it differently (ENAS_SPEC.md s. 2 and 4), so only the op is shared."""
    if op >= 4:
        pool = keras.layers.AveragePooling2D if op == 4 else keras.layers.MaxPooling2D
        return pool(3, strides=1, padding="same", name=f"{prefix}pool")
    size = 3 if op in (0, 1) else 5
    if op in (1, 3):
        return keras.layers.SeparableConv2D(
            filters, size, padding="same", use_bias=False, name=f"{prefix}sep{size}",
            depthwise_initializer=he_normal(), pointwise_initializer=he_normal())
    return conv(filters, size, f"{prefix}conv{size}")


class Branch(keras.layers.Layer):
    """conv1x1 -> BN -> ReLU, then the op: a (separable) conv -> BN -> ReLU, or a pool."""

    def __init__(self, op: int, filters: int, **kwargs):
        super().__init__(**kwargs)
        self.op = op
        self.inp_conv = conv(filters, 1, "inp_conv")
        self.inp_bn = batch_norm("inp_bn")
        self.out_op = op_layer(op, filters)
        # The original's batch_norm_with_mask: a plain moving average from (0, 1).
        self.out_bn = batch_norm("out_bn", _BRANCH_BN_EPS, zero_debias=False) if op < 4 else None

    def call(self, x, training=False):
        x = tf.nn.relu(self.inp_bn(self.inp_conv(x), training=training))
        x = self.out_op(x)
        return x if self.out_bn is None else tf.nn.relu(self.out_bn(x, training=training))


class FactorizedReduction(keras.layers.Layer):
    """Halves H and W: [1x1 avg-pool s2 -> conv1x1 C/2, shifted the same] -> concat -> BN."""

    def __init__(self, filters: int, **kwargs):
        super().__init__(**kwargs)
        self.path1 = conv(filters // 2, 1, "path1")
        self.path2 = conv(filters - filters // 2, 1, "path2")
        self.bn = batch_norm("bn")

    def call(self, x, training=False):
        path1 = self.path1(x[:, ::2, ::2, :])
        shifted = tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]])[:, 1:, 1:, :]
        path2 = self.path2(shifted[:, ::2, ::2, :])
        return self.bn(tf.concat([path1, path2], axis=-1), training=training)


class SharedChild(keras.Model):
    """The search-time child: `child(images, arc, training)` -> logits."""

    def __init__(self, config: ChildConfig = ChildConfig(), image_shape=(32, 32, 3), **kwargs):
        super().__init__(name="shared_child", **kwargs)
        self.config = config
        filters = config.out_filters
        self.stem_conv = conv(filters, 3, "stem_conv")
        self.stem_bn = batch_norm("stem_bn")
        self.branches = [[Branch(op, filters, name=f"layer{k}_op{op}")
                          for op in range(config.num_branches)]
                         for k in range(config.num_layers)]
        # skip_bns[k - 1] serves layer k >= 1; reductions[j] follows layer pool_layers[j] and
        # has one reduction per tensor alive then (the stem and layers 0..p).
        self.skip_bns = [batch_norm(f"layer{k}_skip_bn") for k in range(1, config.num_layers)]
        self.reductions = [[FactorizedReduction(filters, name=f"pool_at_{p}_from_{i}")
                            for i in range(p + 2)] for p in config.pool_layers]
        self.dropout = keras.layers.Dropout(1.0 - config.keep_prob)
        self.classifier = keras.layers.Dense(config.num_classes, use_bias=False,
                                             kernel_initializer=he_normal(), name="fc")
        self._build_every_branch(image_shape)

    def _build_every_branch(self, image_shape) -> None:
        """Runs each branch once eagerly so all variables exist before any tracing."""
        zero_arc = tf.zeros([arc_length(self.config.num_layers)], tf.int32)
        self._forward(tf.zeros((1, *image_shape)), zero_arc, False, every_branch=True)
        self.built = True

    def _forward(self, images, arc, training, every_branch=False):
        """Runs the child for ARC: a tensor selects branches in the graph (one graph for all
        arcs); a numpy array selects them while tracing (a static graph of that arc only)."""
        static = isinstance(arc, np.ndarray)
        layers = [self.stem_bn(self.stem_conv(images), training=training)]
        position = 0
        for k in range(self.config.num_layers):
            x = layers[-1]
            branches = [lambda b=b: b(x, training=training) for b in self.branches[k]]
            if every_branch:
                out = [branch() for branch in branches][0]
            elif static:
                out = branches[int(arc[position])]()
            else:
                out = tf.switch_case(arc[position], branches)
            position += 1
            if k > 0:
                if static:
                    chosen = [layers[i] for i in range(k) if arc[position + i]]
                    out = out + tf.add_n(chosen) if chosen else out
                else:
                    skips = tf.cast(arc[position:position + k], out.dtype)
                    out = out + tf.add_n([skips[i] * layers[i] for i in range(k)])
                out = self.skip_bns[k - 1](out, training=training)
                position += k
            layers.append(out)
            if k in self.config.pool_layers:
                reductions = self.reductions[self.config.pool_layers.index(k)]
                layers = [reduce(layer, training=training)
                          for reduce, layer in zip(reductions, layers)]
        x = tf.reduce_mean(layers[-1], axis=[1, 2])
        return self.classifier(self.dropout(x, training=training))

    def call(self, images, arc, training=False):
        return self._forward(images, arc, training)
