"""What a trained lifter is: its architecture config, weights and normalisation, in MODEL_DIR.

A model directory is self-describing, so evaluation, export and the pipeline rebuild the exact
network from code + `config.json` instead of unpickling anything:
  config.json  the run record of lifting.train (common.run_record): every training setting,
               the architecture (streams, activation, width, blocks, dropout) among them
  norm.json    z-score statistics of the training set
  model.weights.h5  final weights
"""
from __future__ import annotations

import dataclasses
import json
import os

import keras

from common.run_record import RunFolderError
from common.backup import require_space, weights_bytes
from common.atomic import atomic_path
from lifting.data import Normalization
from lifting.model import build_lifter
from lifting.temporal_model import TemporalConfig

CONFIG_FILE = "config.json"
NORM_FILE = "norm.json"
WEIGHTS_FILE = "model.weights.h5"


@dataclasses.dataclass(frozen=True)
class LifterConfig:
    """The lifter's architecture.

    Attributes:
      streams: "gt", "detected" or both (the paper's two-stream model).
      activation: selu (the paper) or relu (Martinez).
      width: units per linear layer.
      num_blocks: residual blocks per stream.
      dropout: dropout rate.
    """

    streams: tuple[str, ...] = ("gt", "detected")
    activation: str = "selu"
    width: int = 1024
    num_blocks: int = 2
    dropout: float = 0.5

    def build(self) -> keras.Model:
        return build_lifter(self.streams, self.activation, self.width, self.num_blocks,
                            self.dropout)


def architecture_from_fields(fields: dict, kind: str = "frame") -> LifterConfig | TemporalConfig:
    """The architecture of a lifter of KIND (frame or temporal) from its JSON FIELDS."""
    if kind == "temporal":
        return TemporalConfig(**{**fields, "filter_widths": tuple(fields["filter_widths"])})
    return LifterConfig(**{**fields, "streams": tuple(fields["streams"])})


def load_architecture(model_dir: str) -> LifterConfig | TemporalConfig:
    """The architecture in MODEL_DIR's run record: a frame lifter's or a temporal one's."""
    path = os.path.join(model_dir, CONFIG_FILE)
    if not os.path.isfile(path):
        raise RunFolderError(f"{path}: no lifter config (is {model_dir} a model_dir "
                             "written by lifting.train?)")
    with open(path, "r", encoding="utf-8") as handle:
        stored = json.load(handle)
    try:
        settings = stored["settings"]
        return architecture_from_fields(settings["architecture"],
                                        settings.get("lifter_kind", "frame"))
    except (TypeError, KeyError) as error:
        raise ValueError(f"{path}: not a lifter's architecture ({error})") from error


def save_trained(model: keras.Model, model_dir: str) -> None:
    """The final weights, written atomically once the disk is known to hold them."""
    require_space(model_dir, weights_bytes(model) + 2 ** 20)
    with atomic_path(os.path.join(model_dir, WEIGHTS_FILE)) as temporary:
        model.save_weights(temporary)


def load_trained(model_dir: str
                 ) -> tuple[keras.Model, Normalization, LifterConfig | TemporalConfig]:
    """Rebuilds the network of MODEL_DIR (a temporal lifter in its sequence form) and loads
    its final weights and statistics."""
    config = load_architecture(model_dir)
    model = config.build()
    model.load_weights(os.path.join(model_dir, WEIGHTS_FILE))
    return model, Normalization.load(os.path.join(model_dir, NORM_FILE)), config
