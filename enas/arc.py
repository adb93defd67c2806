"""The macro architecture ("arc") encoding of ENAS: one flat int vector.

Layer k contributes [op_k, s_k,0, ..., s_k,k-1]; for L layers the vector has L + L(L-1)/2
entries (78 for 12 layers, 300 for 24). Skip bit i of layer k refers to the stem output when
i = 0 and to the output of layer i-1 otherwise (the original's off-by-one against the
controller's anchors, kept); the previous layer is always connected and is not a candidate.
The string form is the original's `--child_fixed_arc`: integers separated by white space;
we also accept "|" between layers, which is how `format_rows` prints them.
"""
from __future__ import annotations

import math
import re

import numpy as np

from common.errors import DataFormatError

OP_NAMES = ("conv3x3", "sep3x3", "conv5x5", "sep5x5", "avgpool3x3", "maxpool3x3")
OP_SHORT = ("c3", "s3", "c5", "s5", "ap", "mp")
NUM_OPS = len(OP_NAMES)

# The 24-layer macro arc ENAS published for CIFAR-10 (ops c3 s5 c3 c5 c5 s5 c5 c5 s3 c3 c5 c3
# c5 s3 c3 c5 c5 c5 s5 s5 c3 s5 c3 c3, 98 skips, no pooling).
PUBLISHED_CIFAR10_ARC = (
    "0 | 3 0 | 0 1 0 | 2 0 0 1 | 2 0 0 0 0 | 3 1 1 0 1 0 | 2 0 0 0 0 0 1 | 2 0 1 1 0 1 1 1 | "
    "1 0 1 1 1 0 1 0 1 | 0 0 0 0 0 0 0 0 0 0 | 2 0 0 0 0 0 1 0 0 0 0 | "
    "0 1 0 0 1 1 0 0 0 0 1 1 | 2 0 1 0 0 0 0 0 1 0 1 1 0 | 1 0 0 1 0 0 0 1 1 1 0 1 0 1 | "
    "0 1 1 0 1 0 1 0 0 0 0 0 1 0 0 | 2 0 0 1 0 0 0 0 0 0 0 1 0 1 0 1 | "
    "2 0 1 0 0 0 1 0 0 1 1 1 1 0 0 1 0 | 2 0 0 0 0 1 0 1 0 1 0 0 1 0 1 0 0 1 | "
    "3 0 1 1 0 1 0 0 0 0 0 1 0 1 0 1 0 0 0 | 3 0 1 1 0 0 0 0 0 0 0 0 0 1 1 0 0 0 0 1 | "
    "0 1 0 0 1 0 1 1 0 0 0 1 0 0 0 0 0 1 1 0 0 | 3 0 1 0 1 1 0 0 1 0 1 1 0 1 1 0 1 0 0 1 0 0 | "
    "0 1 0 1 0 1 0 0 0 0 0 0 0 0 1 0 1 0 0 1 0 0 0 | "
    "0 1 1 0 0 0 1 1 1 0 1 0 0 0 1 0 1 0 0 1 1 0 0 0")


def arc_length(num_layers: int) -> int:
    return num_layers + num_layers * (num_layers - 1) // 2


def num_layers_of(length: int) -> int:
    """L such that the arc of L layers has LENGTH entries; ValueError when none does."""
    layers = (math.isqrt(8 * length + 1) - 1) // 2
    if layers < 1 or arc_length(layers) != length:
        raise ValueError(f"an arc of {length} integers matches no number of layers "
                         f"(valid lengths: 1, 3, 6, 10, ..., 78 for 12, 300 for 24)")
    return layers


def reduction_layers(num_layers: int) -> tuple[int, ...]:
    """The layers after which the macro child halves the resolution, as the original computes
    them: `pool_distance = num_layers // 3`, reductions after layers `pool_distance - 1` and
    `2 * pool_distance - 1` (none that falls before layer 0: fewer than 3 layers reduce
    nowhere, 3 or 4 layers once)."""
    distance = num_layers // 3
    return tuple(layer for layer in (distance - 1, 2 * distance - 1) if layer >= 0)


def op_positions(num_layers: int) -> np.ndarray:
    """Index of each layer's op in the flat vector."""
    return np.array([arc_length(k) for k in range(num_layers)])


def validate(arc: np.ndarray, num_layers: int | None = None) -> np.ndarray:
    """Checks an arc's length, op ids and skip bits; returns it as int32."""
    arc = np.asarray(arc, dtype=np.int64).ravel()
    layers = num_layers_of(arc.size)
    if num_layers is not None and layers != num_layers:
        raise ValueError(f"arc has {layers} layers, expected {num_layers}")
    ops_mask = np.zeros(arc.size, bool)
    ops_mask[op_positions(layers)] = True
    if np.any((arc[ops_mask] < 0) | (arc[ops_mask] >= NUM_OPS)):
        raise ValueError(f"op ids must be 0..{NUM_OPS - 1}: {arc[ops_mask].tolist()}")
    if np.any((arc[~ops_mask] != 0) & (arc[~ops_mask] != 1)):
        raise ValueError("skip entries must be 0 or 1")
    return arc.astype(np.int32)


def parse(text: str, num_layers: int | None = None) -> np.ndarray:
    """Parses the original's `--child_fixed_arc` string (white space and optional '|')."""
    tokens = [t for t in re.split(r"[\s|]+", text.strip()) if t]
    try:
        values = [int(t) for t in tokens]
    except ValueError:
        raise ValueError(f"arc strings hold integers only, got {text[:80]!r}") from None
    return validate(np.array(values), num_layers)


def layers(arc: np.ndarray) -> list[tuple[int, tuple[int, ...]]]:
    """[(op, skip bits)] per layer."""
    arc = validate(arc)
    positions = op_positions(num_layers_of(arc.size))
    return [(int(arc[p]), tuple(int(b) for b in arc[p + 1:p + 1 + k]))
            for k, p in enumerate(positions)]


def format_flat(arc: np.ndarray) -> str:
    """The original's flat string: integers separated by single spaces."""
    return " ".join(str(v) for v in validate(arc))


def format_rows(arc: np.ndarray) -> str:
    """One layer per line, "op skip skip ..."; parses back to the same arc with `parse`."""
    return "\n".join(" ".join(str(v) for v in (op, *skips)) for op, skips in layers(arc))


def describe(arc: np.ndarray) -> dict:
    """Summary: ops by short name, number of skips, number of layers."""
    per_layer = layers(arc)
    return {"layers": len(per_layer), "ops": " ".join(OP_SHORT[op] for op, _ in per_layer),
            "skips": int(sum(sum(s) for _, s in per_layer))}


def read_file(path: str, num_layers: int | None = None) -> np.ndarray:
    """Reads an arc file (as search writes arc.txt); lines starting with '#' are comments."""
    try:
        with open(path, "r", encoding="utf-8") as handle:
            text = " ".join(line for line in handle if not line.lstrip().startswith("#"))
        return parse(text, num_layers)
    except UnicodeDecodeError:
        raise DataFormatError(path, "not a text file of integers (binary bytes)") from None
    except OSError as error:
        raise DataFormatError(path, f"cannot be read ({error.strerror})") from None
    except ValueError as error:
        raise DataFormatError(path, str(error)) from None
