"""The final (fixed-arc) ENAS network as a plain Keras functional model (ENAS_SPEC.md s. 4).

Same stem and head as the search child, but: channels double at each pool layer; each layer
is pre-activation (ReLU -> conv1x1 -> BN, then ReLU -> op -> BN); and skips CONCATENATE the
selected earlier layers with the layer's output, then ReLU -> conv1x1 back to C -> BN (the
search child sums instead; both behaviours are the original's and are kept).
FIX: the original builds the separable ops as regular convolutions and crashes on pooling
ops; here separable ops are depthwise-separable convolutions and pooling ops pool.
"""
from __future__ import annotations

import keras
import numpy as np

from enas import arc as arc_lib
from enas.child import FactorizedReduction, batch_norm, conv, he_normal, op_layer


def _op(x, op: int, filters: int, name: str):
    """ReLU -> conv1x1 -> BN, then ReLU -> (separable) conv k x k -> BN, or a 3x3 pool."""
    x = keras.layers.ReLU(name=f"{name}_relu_in")(x)
    x = batch_norm(f"{name}_bn_in")(conv(filters, 1, f"{name}_conv1x1")(x))
    if op >= 4:
        return op_layer(op, filters, f"{name}_")(x)
    x = keras.layers.ReLU(name=f"{name}_relu_op")(x)
    return batch_norm(f"{name}_bn_op")(op_layer(op, filters, f"{name}_")(x))


def build_fixed_model(arc: np.ndarray, num_classes: int, out_filters: int = 96,
                      keep_prob: float = 0.5, input_shape=(32, 32, 3)) -> keras.Model:
    """The Keras model of ARC (a flat arc vector)."""
    per_layer = arc_lib.layers(arc)
    num_layers = len(per_layer)
    pool_layers = arc_lib.reduction_layers(num_layers)
    images = keras.Input(input_shape, name="images")
    filters = out_filters
    layers = [batch_norm("stem_bn")(conv(filters, 3, "stem_conv")(images))]
    for k, (op, skips) in enumerate(per_layer):
        out = _op(layers[-1], op, filters, f"layer{k}")
        if k > 0:
            chosen = [layers[i] for i in range(k) if skips[i]]
            if chosen:
                out = keras.layers.Concatenate(name=f"layer{k}_concat")(chosen + [out])
            out = keras.layers.ReLU(name=f"layer{k}_skip_relu")(out)
            out = batch_norm(f"layer{k}_skip_bn")(conv(filters, 1, f"layer{k}_skip_conv")(out))
        layers.append(out)
        if k in pool_layers:
            filters *= 2
            layers = [FactorizedReduction(filters, name=f"pool_at_{k}_from_{i}")(layer)
                      for i, layer in enumerate(layers)]
    x = keras.layers.GlobalAveragePooling2D(name="global_pool")(layers[-1])
    x = keras.layers.Dropout(1.0 - keep_prob, name="dropout")(x)
    logits = keras.layers.Dense(num_classes, use_bias=False, kernel_initializer=he_normal(),
                                name="fc")(x)
    return keras.Model(images, logits, name="enas_fixed")


def parameter_count(model: keras.Model) -> int:
    """Weights and BatchNorm moving statistics, without the moving averages' debiasing
    bookkeeping (a biased copy and a step count per BN), which are not part of the network."""
    bookkeeping = ("biased_mean", "biased_variance", "updates")
    return int(sum(np.prod(w.shape) for w in model.weights
                   if w.path.rsplit("/", 1)[-1] not in bookkeeping))

