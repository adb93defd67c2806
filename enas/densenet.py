"""DenseNet-BC (Huang et al. 2017), the hand-designed network the Enhanced-SPMF paper
classifies its images with: the control against which a searched arc is judged.

Three dense blocks of (depth - 4) / 6 bottleneck layers (BN -> ReLU -> conv1x1 to 4k ->
BN -> ReLU -> conv3x3 to k, concatenated to the block's input), joined by transitions that
halve the channels (compression 0.5) and average-pool by 2; a 3x3 stem of 2k channels, and
BN -> ReLU -> global pooling -> softmax at the end. Depth 40 with growth rate k = 12 is the
CPU size used here (about 0.19 M parameters at 8 classes).
"""
from __future__ import annotations

import keras

from enas.child import he_normal


def _bn_relu(x, name: str):
    x = keras.layers.BatchNormalization(epsilon=1e-5, name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def _conv(x, filters: int, size: int, name: str):
    return keras.layers.Conv2D(filters, size, padding="same", use_bias=False,
                               kernel_initializer=he_normal(), name=name)(x)


def build_densenet_bc(num_classes: int, input_shape=(32, 32, 3), depth: int = 40,
                      growth_rate: int = 12, dropout: float = 0.0) -> keras.Model:
    """DenseNet-BC of DEPTH (6n + 4) and GROWTH_RATE k; logits out."""
    if (depth - 4) % 6:
        raise ValueError(f"DenseNet-BC depth must be 6n + 4, got {depth}")
    layers_per_block = (depth - 4) // 6
    images = keras.Input(input_shape, name="images")
    x = _conv(images, 2 * growth_rate, 3, "stem_conv")
    for block in range(3):
        for layer in range(layers_per_block):
            name = f"block{block}_layer{layer}"
            y = _conv(_bn_relu(x, f"{name}_a"), 4 * growth_rate, 1, f"{name}_conv1x1")
            y = _conv(_bn_relu(y, f"{name}_b"), growth_rate, 3, f"{name}_conv3x3")
            if dropout:
                y = keras.layers.Dropout(dropout, name=f"{name}_dropout")(y)
            x = keras.layers.Concatenate(name=f"{name}_concat")([x, y])
        if block < 2:
            channels = int(x.shape[-1]) // 2
            x = _conv(_bn_relu(x, f"transition{block}"), channels, 1, f"transition{block}_conv")
            x = keras.layers.AveragePooling2D(2, name=f"transition{block}_pool")(x)
    x = keras.layers.GlobalAveragePooling2D(name="global_pool")(_bn_relu(x, "final"))
    logits = keras.layers.Dense(num_classes, kernel_initializer=he_normal(), name="fc")(x)
    return keras.Model(images, logits, name=f"densenet_bc_{depth}_{growth_rate}")
