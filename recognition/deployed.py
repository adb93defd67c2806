"""The exported action classifier as a user holds it: a 3D skeleton sequence in, an action out.

    from recognition.deployed import DeployedClassifier
    classifier = DeployedClassifier.load()              # pretrained/classifier
    probabilities = classifier.classify(poses)          # (T, 17, 3) mm -> (num_classes,)

An export of `recognition.train` carries, in its `labels` signature, the class names, the joint
layout its images were encoded from and the full encoding settings (`SpmfDataConfig`), so
a skeleton is encoded here exactly as the training images were, with the same K views whose
softmax is averaged (one prediction per sequence, as the classifier was scored).

The model zoo (`pretrained/recognition/`) holds the compact form `save_compact` writes: the
final run's config.json (which rebuilds the network), its weights in float16 and a
classifier.json with what the labels signature states plus the channel statistics, so that
each network fits in under 2 MB and nothing is unpickled. An entry may also be an ensemble:
several such folders of one recipe (its seeds) beside an ensemble.json that lists them, loaded
as a `DeployedEnsemble` whose probabilities are the mean of its members', each member
encoding its own views as it was scored.
"""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import tensorflow as tf

import pretrained
from common.atomic import atomic_path, write_text
from common.errors import DataFormatError, read_json
from common.weights_file import named_weights, set_named_weights
from common.run_record import CONFIG_FILE, read_settings
from datasets.layouts import LAYOUTS
from datasets.sequences import SequenceDataset, SkeletonSequence
from enas.data import ImageSplits
from enas.final import FinalConfig, build_network, trained_network
from lifting.deployed import COMPACT_WEIGHTS as LIFTER_WEIGHTS
from spmf.data import SkeletonImages, SpmfDataConfig

PRETRAINED_CLASSIFIER = pretrained.path("classifier")
COMPACT_WEIGHTS = "weights_float16.npz"
CLASSIFIER_FILE = "classifier.json"
ENSEMBLE_FILE = "ensemble.json"
# The folder, inside a compact classifier's, of the lifter whose poses it learnt from.
OWN_LIFTER_DIR = "lifter"
_REQUIRED = ("class_names", "layout", "spmf_config")


class LayoutMismatch(ValueError):
    """Skeletons of another joint layout than the classifier was trained on."""


@dataclasses.dataclass
class DeployedClassifier:
    """An exported Enhanced-SPMF classifier and what its images must be.

    Attributes:
      class_names: the label set, in the order of the probabilities.
      layout: the joint layout (one person) the classifier was trained on.
      images: the encoding settings of its training images.
      description: everything else its `labels` signature states (dataset, protocol,
        skeleton source).
      source: where it was loaded from.
    """

    serve: object
    class_names: tuple[str, ...]
    layout: str
    images: SpmfDataConfig
    description: dict[str, str]
    source: str

    @classmethod
    def load(cls, path: str | None = None) -> "DeployedClassifier":
        """The classifier at PATH: a compact folder of the model zoo or a SavedModel (an
        `export/` of recognition.train); the shipped one when PATH is None."""
        path = path or PRETRAINED_CLASSIFIER
        if os.path.isfile(os.path.join(path, ENSEMBLE_FILE)):
            return DeployedEnsemble.from_members(path)
        if os.path.isfile(os.path.join(path, COMPACT_WEIGHTS)):
            return cls.from_compact(path)
        if not os.path.isfile(os.path.join(path, "saved_model.pb")):
            raise FileNotFoundError(f"{path}: no classifier there (a compact folder of "
                                    "pretrained/recognition/, or an export/ folder written by "
                                    "recognition.train or recognition.experiment)")
        loaded = tf.saved_model.load(path)
        missing = [name for name in ("serving_default", "labels") if name not in loaded.signatures]
        if missing:
            raise DataFormatError(path, f"not an action classifier export: no {missing} "
                                        "signature")
        stated = {key: value.numpy() for key, value in loaded.signatures["labels"]().items()}
        absent = [key for key in _REQUIRED if key not in stated]
        if absent:
            raise DataFormatError(path, f"its labels signature lacks {absent}: exported before "
                                        "classifiers carried their encoding; export it again")
        text = {key: value.decode() for key, value in stated.items() if key != "class_names"}
        classifier = cls(serve=loaded.signatures["serving_default"],
                         class_names=tuple(name.decode() for name in stated["class_names"]),
                         layout=text.pop("layout"),
                         images=SpmfDataConfig.from_json(text.pop("spmf_config")),
                         description=text, source=path)
        classifier._keep_alive = loaded
        return classifier

    @classmethod
    def from_compact(cls, directory: str) -> "DeployedClassifier":
        """The float16 files `save_compact` wrote; a damaged file is named with its problem.
        Outputs beyond the class names (classes the network was only trained on) are left
        out of the softmax."""
        config = read_settings(directory, FinalConfig)
        stated = read_json(os.path.join(directory, CLASSIFIER_FILE))
        class_names = tuple(stated["class_names"])
        if len(class_names) > config.num_classes:
            raise DataFormatError(directory, f"{len(class_names)} class names for a network of "
                                             f"{config.num_classes} outputs")
        model = build_network(config)
        set_named_weights(model, os.path.join(directory, COMPACT_WEIGHTS))
        mean = tf.constant(stated["channel_mean"], tf.float32)
        std = tf.constant(stated["channel_std"], tf.float32)

        @tf.function(input_signature=[tf.TensorSpec((None, *config.image_shape), tf.float32)])
        def serve(images):
            logits = model((images - mean) / std, training=False)[:, :len(class_names)]
            return {"probabilities": tf.nn.softmax(logits)}

        return cls(serve=serve, class_names=class_names,
                   layout=stated["layout"], images=SpmfDataConfig.from_json(stated["spmf_config"]),
                   description=stated["description"], source=directory)

    @property
    def lifter_kind(self) -> str:
        """The kind of lifter ("frame" or "temporal") whose poses the classifier learnt from:
        a deployment feeds it that kind's poses. Classifiers that do not state it learnt
        from the frame lifter's (or from sensor skeletons, which both kinds approximate)."""
        return self.description.get("lifter_kind", "frame")

    @property
    def own_lifter(self) -> str | None:
        """The folder of the very lifter whose poses the classifier learnt from, when it ships
        one (`pipeline.pretrained` writes it for the interaction classifier): a newer lifter
        of the same kind gives other poses than the ones its figures were measured on."""
        folder = os.path.join(self.source, OWN_LIFTER_DIR)
        return folder if os.path.isfile(os.path.join(folder, LIFTER_WEIGHTS)) else None

    def require_layout(self, layout: str, producer: str) -> None:
        """Refuses input of another joint layout than the classifier's, naming both."""
        if layout != self.layout:
            raise LayoutMismatch(f"{self.source} was trained on {self.layout} skeletons but "
                             f"{producer} gives {layout}: their joints do not match")

    def classify(self, joints: np.ndarray, name: str = "sequence") -> np.ndarray:
        """(T, J, 3) mm of the classifier's layout (J a multiple of its joints) -> the mean of
        its K views' softmax, (num_classes,)."""
        return self.classify_many([joints], name)[0]

    def _images(self, sequences: list[np.ndarray], name: str) -> SkeletonImages:
        """SEQUENCES (unlabelled) as the classifier's encoder sees them."""
        dataset = SequenceDataset(
            name=name, layout=LAYOUTS[self.layout], class_names=self.class_names,
            sequences=tuple(SkeletonSequence(joints=np.asarray(joints, np.float32), label=0,
                                             subject=0, source=f"{name}[{index}]")
                            for index, joints in enumerate(sequences)))
        return SkeletonImages(dataset, self.images)

    def encode(self, joints: np.ndarray, name: str = "sequence") -> np.ndarray:
        """The unaugmented Enhanced-SPMF image (view 0) the classifier sees of JOINTS."""
        return self._images([joints], name).encode(np.arange(1), None)[0]

    def classify_many(self, sequences: list[np.ndarray], name: str = "sequence") -> np.ndarray:
        """One probability row per sequence, all encoded and classified in one batch."""
        views = self._images(sequences, name).evaluation_images()
        probabilities = self.serve(images=tf.constant(views.images, tf.float32))["probabilities"]
        per_view = probabilities.numpy().reshape(len(sequences), self.images.eval_views, -1)
        return per_view.mean(axis=1)

    def top(self, probabilities: np.ndarray, count: int = 5) -> list[dict]:
        """The COUNT most probable labels, [{"label", "probability"}], best first."""
        order = np.argsort(probabilities)[::-1][:count]
        return [{"label": self.class_names[i], "probability": round(float(probabilities[i]), 4)}
                for i in order]


@dataclasses.dataclass
class DeployedEnsemble(DeployedClassifier):
    """Compact networks of one recipe and label set whose softmax is averaged; the encoding
    settings, layout and description it states are its first member's."""

    members: tuple[DeployedClassifier, ...] = ()

    @classmethod
    def from_members(cls, directory: str) -> "DeployedEnsemble":
        """The members ensemble.json in DIRECTORY lists (`compact_members`); a member
        missing, outside the folder or of other labels or layout is named."""
        folders = compact_members(directory)
        members = [DeployedClassifier.from_compact(folder) for folder in folders]
        first = members[0]
        for folder, member in zip(folders, members):
            if (member.class_names, member.layout) != (first.class_names, first.layout):
                raise DataFormatError(folder, f"its labels or layout ({member.layout}) differ "
                                              f"from {folders[0]}'s ({first.layout}): not one "
                                              "ensemble")
        return cls(serve=first.serve, class_names=first.class_names, layout=first.layout,
                   images=first.images, description=first.description, source=directory,
                   members=tuple(members))

    def classify_many(self, sequences: list[np.ndarray], name: str = "sequence") -> np.ndarray:
        """The mean of the members' probabilities, each from its own K views."""
        return np.mean([member.classify_many(sequences, name) for member in self.members],
                       axis=0)


def compact_members(directory: str) -> list[str]:
    """The compact folders of the zoo entry DIRECTORY: the members its ensemble.json lists
    (folders inside it, by name; anything else is refused naming the file), or itself."""
    path = os.path.join(directory, ENSEMBLE_FILE)
    if not os.path.isfile(path):
        return [directory]
    listed = read_json(path).get("members")
    if not isinstance(listed, list) or not listed or not all(
            isinstance(name, str) and name and os.path.basename(name) == name
            for name in listed):
        raise DataFormatError(path, "'members' must list the member folders inside it by name")
    return [os.path.join(directory, name) for name in listed]


def is_compact(directory: str) -> bool:
    """Whether DIRECTORY is a compact network or a compact ensemble."""
    return any(os.path.isfile(os.path.join(directory, name))
               for name in (COMPACT_WEIGHTS, ENSEMBLE_FILE))


def save_compact_ensemble(run_dirs: list[str], splits: list[ImageSplits], directory: str
                          ) -> None:
    """Writes the final runs RUN_DIRS (seeds of one recipe, each with its data SPLITS) into
    DIRECTORY: one run as a compact folder, several as member<k>/ folders and ensemble.json."""
    if len(run_dirs) == 1:
        save_compact(run_dirs[0], splits[0], directory)
        return
    names = [f"member{index}" for index in range(len(run_dirs))]
    for name, run_dir, run_splits in zip(names, run_dirs, splits):
        save_compact(run_dir, run_splits, os.path.join(directory, name))
    write_text(os.path.join(directory, ENSEMBLE_FILE),
               json.dumps({"members": names, "runs": list(run_dirs)}, indent=1))


def save_compact(run_dir: str, splits: ImageSplits, directory: str) -> None:
    """Writes the final run in RUN_DIR (its config.json and last backup) as the compact form
    into DIRECTORY; SPLITS: the run's data, whose training statistics normalise the pixels."""
    model = trained_network(run_dir)
    os.makedirs(directory, exist_ok=True)
    with atomic_path(os.path.join(directory, COMPACT_WEIGHTS)) as temporary:
        with open(temporary, "wb") as handle:
            np.savez_compressed(handle, **named_weights(model))
    description = dict(splits.description)
    stated = {"class_names": list(splits.scored_names), "layout": description.pop("layout"),
              "spmf_config": description.pop("spmf_config"), "description": description,
              "channel_mean": np.asarray(splits.channel_mean).tolist(),
              "channel_std": np.asarray(splits.channel_std).tolist()}
    write_text(os.path.join(directory, CLASSIFIER_FILE), json.dumps(stated, indent=1))
    with open(os.path.join(run_dir, CONFIG_FILE), encoding="utf-8") as stream:
        write_text(os.path.join(directory, CONFIG_FILE), stream.read())

