"""Network weights as named arrays in an .npz: how the shipped models store their float16
weights. Read eagerly, so that a damaged file is named here with its problem rather than
failing later inside numpy's zip reader; never unpickled."""
from __future__ import annotations

import os
import zipfile
import zlib

import numpy as np

from common.errors import DataFormatError


def read_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of the .npz at PATH; DataFormatError naming PATH if it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DataFormatError(path, f"not a readable array file, damaged or cut short "
                                    f"({error})") from None


def named_weights(model, dtype=np.float16) -> dict[str, np.ndarray]:
    """{layer/index: weight as DTYPE} of every layer of MODEL."""
    return {f"{layer.name}/{index}": weight.astype(dtype)
            for layer in model.layers for index, weight in enumerate(layer.get_weights())}


def set_named_weights(model, path: str | os.PathLike) -> None:
    """MODEL's weights from the file `named_weights` was saved to, as float32; a file that
    lacks a weight of MODEL is named with the missing names."""
    stored = read_arrays(path)
    for layer in model.layers:
        names = [f"{layer.name}/{index}" for index in range(len(layer.weights))]
        missing = [name for name in names if name not in stored]
        if missing:
            raise DataFormatError(path, f"no weights {missing} for this architecture")
        if names:
            layer.set_weights([stored[name].astype(np.float32) for name in names])


def copy_layers(source, target, source_name: str, skip: tuple[str, ...] = ()):
    """TARGET with SOURCE's weights, layer by layer name, except the layers named in SKIP;
    returns TARGET. One copier for every transfer between two builds of a network (a lifter's
    window and sequence forms, a pretrained recogniser and its fine-tuned copy), so a layer
    that is absent or shaped otherwise is always refused the same way, naming SOURCE_NAME."""
    source_layers = {layer.name: layer for layer in source.layers}
    for layer in target.layers:
        if layer.name in skip or not layer.weights:
            continue
        shapes = [tuple(weight.shape) for weight in layer.weights]
        origin = source_layers.get(layer.name)
        if origin is None or [tuple(weight.shape) for weight in origin.weights] != shapes:
            raise DataFormatError(source_name, f"its network has no layer {layer.name} of "
                                               f"shapes {shapes}: another architecture")
        layer.set_weights(origin.get_weights())
    return target
