"""The lifter as a user holds it: 2D pixels of any image in, root-relative millimetres out.

    from lifting.deployed import DeployedLifter
    lifter = DeployedLifter.load()                  # the shipped default (pretrained/)
    poses = lifter.lift(keypoints)                  # (T, 16, 2) px, H36M-16 -> (T, 17, 3) mm

Three sources give the same object: a model_dir of `lifting.train`, the compact files of
`pretrained/` (written by `save_compact`), or a SavedModel export. The compact form holds the
serving copy's folded kernels (`lifting.model.serving_copy`) in float16, so the 4.3M weights
of one stream fit in under 9 MB, and it is rebuilt from code and JSON: nothing is unpickled.

A temporal lifter (`lifting.temporal_model`) comes in the same three forms; its `lift` takes
one track in frame order and lifts each run of seen frames with their neighbours.

Frames whose keypoints are not all finite (a person partly unseen by the 2D front-end) are
not lifted: their output is NaN, so nothing downstream mistakes a guess for a measurement.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
from typing import Callable

import numpy as np
import tensorflow as tf

import pretrained

from common.atomic import atomic_path, write_text
from common.errors import DataFormatError, read_json
from common.weights_file import named_weights, set_named_weights
from lifting.config import (CONFIG_FILE, NORM_FILE, LifterConfig, architecture_from_fields,
                            load_trained)
from lifting.data import Normalization
from lifting.serving import plain_pose_function, pose_function
from lifting.model import serving_copy
from lifting.temporal_model import TRAINING_FPS, TemporalConfig
from lifting.temporal_serving import plain_track_function, track_function

# The shipped lifters by kind, and the one a caller gets without asking: the frame lifter,
# whose poses the shipped action classifier learnt from and whose bones vary less on video
# (the temporal one is more accurate on Human3.6M, and the interaction classifier learnt from
# its poses: BUILD_NOTES.md, "The temporal lifter").
PRETRAINED_LIFTERS = {"frame": pretrained.path("lifter"),
                      "temporal": pretrained.path("temporal_lifter")}
DEFAULT_LIFTER_KIND = "frame"
COMPACT_WEIGHTS = "weights_float16.npz"
ARCHITECTURE_FILE = "architecture.json"
_BATCH = 4096
LIFTER_KIND = "lifter_kind"


@dataclasses.dataclass
class DeployedLifter:
    """A lifting function and what it was trained with.

    Attributes:
      function: {"keypoints_2d": (B, 16, 2) px} -> (B, 17, 3) mm, normalisation inside.
      input_normalization: "skeleton" (any camera) or "pixels" (only Human3.6M's cameras).
      source: where it was loaded from, for messages and reports.
      plain: the same function as one plain graph (no XLA, no batch-size branch), for
        conversion to TFLite; None for a SavedModel source.
      temporal: the function lifts one track (frames in order, neighbours used), not a batch
        of independent frames.
    """

    function: Callable[[tf.Tensor], tf.Tensor]
    input_normalization: str
    source: str
    plain: Callable[[tf.Tensor], tf.Tensor] | None = None
    temporal: bool = False

    @property
    def kind(self) -> str:
        """"temporal" or "frame", as `PRETRAINED_LIFTERS` and the classifiers' descriptions
        name the kinds."""
        return "temporal" if self.temporal else "frame"

    def lift(self, keypoints_2d: np.ndarray, fps: float | None = None) -> np.ndarray:
        """(T, 16, 2) H36M-16 pixels -> (T, 17, 3) root-relative mm, H36M-17; NaN rows where
        any input joint is not finite.

        A frame lifter takes any rows (one graph call per 4,096 frames); a temporal one takes
        ONE track in frame order and lifts each run of consecutive seen frames whole (a gap
        cuts the track: no frame sees past a frame nobody saw). Given the track's FPS, a
        temporal lifter sees it resampled to the frame rate it was trained at (its window
        spans the same time, the motion the same speed), and its poses are sampled back.
        """
        keypoints = np.asarray(keypoints_2d, np.float32)
        if keypoints.ndim != 3 or keypoints.shape[1:] != (16, 2):
            raise ValueError(f"the lifter takes (T, 16, 2) H36M-16 pixels, got {keypoints.shape}")
        poses = np.full((len(keypoints), 17, 3), np.nan, np.float32)
        seen = np.isfinite(keypoints).all(axis=(1, 2))
        if self.temporal:
            parts = seen_runs(seen)
        else:
            rows = np.flatnonzero(seen)
            parts = [rows[start:start + _BATCH] for start in range(0, len(rows), _BATCH)]
        lift_run = self._lift_at(fps) if self.temporal and fps else self._lift_rows
        for rows in parts:
            poses[rows] = lift_run(keypoints[rows])
        return poses

    def _lift_rows(self, keypoints: np.ndarray) -> np.ndarray:
        return self.function(tf.constant(keypoints)).numpy()

    def _lift_at(self, fps: float) -> Callable[[np.ndarray], np.ndarray]:
        """Lifting of a run of frames at FPS through the training frame rate."""
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")

        def lift_run(keypoints: np.ndarray) -> np.ndarray:
            source = np.arange(len(keypoints)) / fps
            resampled = np.arange(0.0, source[-1] + 1e-9, 1.0 / TRAINING_FPS)
            poses = self._lift_rows(resample(keypoints, source, resampled))
            return resample(poses, resampled, source)

        return lift_run

    @classmethod
    def from_model_dir(cls, model_dir: str) -> "DeployedLifter":
        """The trained lifter of a `lifting.train` model_dir; a two-stream model gets the
        same keypoints in both streams (only detections exist at deployment)."""
        model, norm, config = load_trained(model_dir)
        return _deployed(model, norm, config, model_dir)

    @classmethod
    def from_compact(cls, directory: str) -> "DeployedLifter":
        """The float16 files `save_compact` wrote (the form of `pretrained/lifter`)."""
        paths = {name: os.path.join(directory, name)
                 for name in (ARCHITECTURE_FILE, NORM_FILE, COMPACT_WEIGHTS)}
        for path in paths.values():
            if not os.path.isfile(path):
                raise FileNotFoundError(f"{path}: missing; a compact lifter folder holds "
                                        f"{', '.join(paths)} (lifting.deployed.save_compact)")
        fields = read_json(paths[ARCHITECTURE_FILE])
        if not isinstance(fields, dict):
            raise DataFormatError(paths[ARCHITECTURE_FILE], "not a lifter's architecture")
        try:
            config = architecture_from_fields(
                {k: v for k, v in fields.items() if k != LIFTER_KIND},
                fields.get(LIFTER_KIND, "frame"))
        except (TypeError, KeyError, ValueError) as error:
            raise DataFormatError(paths[ARCHITECTURE_FILE],
                                  f"not a lifter's architecture ({error})") from None
        norm = Normalization.load(paths[NORM_FILE])
        model = config.build()
        if isinstance(config, LifterConfig):
            model = serving_copy(model)
        set_named_weights(model, paths[COMPACT_WEIGHTS])
        return _deployed(model, norm, config, directory, folded=True)

    @classmethod
    def from_saved_model(cls, path: str) -> "DeployedLifter":
        """An export of `lifting.export` (its serving_default signature)."""
        loaded = tf.saved_model.load(path)
        if "serving_default" not in loaded.signatures:
            raise DataFormatError(path, "a SavedModel without a serving_default signature "
                                        "is not a lifter export")
        signature = loaded.signatures["serving_default"]
        kind = (signature.structured_outputs or {}).keys()
        if "pose_3d" not in kind:
            raise DataFormatError(path, "its serving_default returns no pose_3d: not a lifter")
        norm_path = os.path.join(os.path.dirname(os.path.normpath(path)), NORM_FILE)
        normalization = (Normalization.load(norm_path).input_normalization
                         if os.path.isfile(norm_path) else "unknown")
        description = (loaded.signatures["description"]()
                       if "description" in loaded.signatures else {})
        temporal = LIFTER_KIND in description and (
            description[LIFTER_KIND].numpy().decode() == "temporal")
        lifter = cls(lambda keypoints: signature(keypoints_2d=keypoints)["pose_3d"],
                     normalization, path, temporal=temporal)
        lifter._keep_alive = loaded  # the signature's variables live as long as the object
        return lifter

    @classmethod
    def load(cls, path: str | None = None, kind: str = DEFAULT_LIFTER_KIND) -> "DeployedLifter":
        """Whatever PATH holds (a model_dir, a compact folder or a SavedModel); the shipped
        pretrained lifter of KIND (frame or temporal) when PATH is None."""
        if kind not in PRETRAINED_LIFTERS:
            raise ValueError(f"unknown lifter kind {kind!r}; choose from "
                             f"{sorted(PRETRAINED_LIFTERS)}")
        path = path or PRETRAINED_LIFTERS[kind]
        if not os.path.isdir(path):
            raise FileNotFoundError(f"{path}: no lifter there (a lifting.train model_dir, a "
                                    "pretrained/ folder or a SavedModel export)")
        if os.path.isfile(os.path.join(path, COMPACT_WEIGHTS)):
            return cls.from_compact(path)
        if os.path.isfile(os.path.join(path, "saved_model.pb")):
            return cls.from_saved_model(path)
        if os.path.isfile(os.path.join(path, CONFIG_FILE)):
            return cls.from_model_dir(path)
        raise DataFormatError(path, "neither a compact lifter, a SavedModel nor a model_dir")


def resample(values: np.ndarray, times: np.ndarray, new_times: np.ndarray) -> np.ndarray:
    """VALUES (T, ...) at TIMES, linearly interpolated at NEW_TIMES (within their span)."""
    flat = values.reshape(len(values), -1)
    columns = [np.interp(new_times, times, flat[:, column]) for column in range(flat.shape[1])]
    return np.stack(columns, axis=1).reshape(len(new_times), *values.shape[1:]).astype(
        np.float32)


def seen_runs(seen: np.ndarray) -> list[np.ndarray]:
    """The row indices of each run of consecutive True values of SEEN (T,)."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], seen.astype(np.int8), [0]])))
    return [np.arange(start, stop) for start, stop in zip(edges[::2], edges[1::2])]


def _deployed(model, norm: Normalization, config: LifterConfig | TemporalConfig, source: str,
              folded: bool = False) -> DeployedLifter:
    """The DeployedLifter of a Keras lifter: a frame lifter's serving copy (FOLDED: already
    one), or a temporal lifter's sequence form."""
    if isinstance(config, TemporalConfig):
        function = track_function(model, norm, config)
        return DeployedLifter(function, norm.input_normalization, source,
                              plain_track_function(model, norm, config), temporal=True)
    model = model if folded else serving_copy(model)
    streams = config.streams
    fast, plain = pose_function(model, norm, streams), plain_pose_function(model, norm, streams)
    return DeployedLifter(lambda keypoints: fast({stream: keypoints for stream in streams}),
                          norm.input_normalization, source,
                          lambda keypoints: plain({stream: keypoints for stream in streams}))


def save_compact(model_dir: str, directory: str) -> dict[str, str]:
    """Writes MODEL_DIR's lifter as float16 folded kernels + JSON into DIRECTORY; returns
    {file name: path}. Each file is written to a temporary name and renamed."""
    model, norm, config = load_trained(model_dir)
    os.makedirs(directory, exist_ok=True)
    arrays = named_weights(serving_copy(model) if isinstance(config, LifterConfig) else model)
    weights_path = os.path.join(directory, COMPACT_WEIGHTS)
    with atomic_path(weights_path) as temporary:
        with open(temporary, "wb") as handle:
            np.savez_compressed(handle, **arrays)
    architecture = json.loads(json.dumps(dataclasses.asdict(config)))  # tuples as lists
    if isinstance(config, TemporalConfig):
        architecture[LIFTER_KIND] = "temporal"
    write_text(os.path.join(directory, ARCHITECTURE_FILE), json.dumps(architecture, indent=1))
    norm.save(os.path.join(directory, NORM_FILE))
    return {name: os.path.join(directory, name)
            for name in (COMPACT_WEIGHTS, ARCHITECTURE_FILE, NORM_FILE)}


def copy_compact(path: str, directory: str) -> None:
    """The lifter at PATH written compact into DIRECTORY, so that what learnt from its poses
    can ship with it. A compact folder is copied file by file, a model_dir written by
    `save_compact`; a SavedModel holds no weights by layer name and is refused."""
    if os.path.isfile(os.path.join(path, COMPACT_WEIGHTS)):
        os.makedirs(directory, exist_ok=True)
        for name in (ARCHITECTURE_FILE, NORM_FILE, COMPACT_WEIGHTS):
            with atomic_path(os.path.join(directory, name)) as temporary:
                shutil.copyfile(os.path.join(path, name), temporary)
    elif os.path.isfile(os.path.join(path, CONFIG_FILE)):
        save_compact(path, directory)
    else:
        raise DataFormatError(path, "not a compact lifter or a model_dir: a SavedModel cannot "
                                    "be shipped beside what learnt from its poses")
