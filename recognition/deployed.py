"""The exported action classifier as a user holds it: a 3D skeleton sequence in, an action out.

    from recognition.deployed import DeployedClassifier
    classifier = DeployedClassifier.load()              # pretrained/classifier
    probabilities = classifier.classify(poses)          # (T, 17, 3) mm -> (num_classes,)

An export of `recognition.train` carries, in its `labels` signature, the class names, the joint
layout its images were encoded from and the full encoding settings (`SpmfDataConfig`), so
a skeleton is encoded here exactly as the training images were, with the same K views whose
softmax is averaged (one prediction per sequence, as the classifier was scored).
"""
from __future__ import annotations

import dataclasses
import os

import numpy as np
import tensorflow as tf

import pretrained
from common.errors import DataFormatError
from datasets.layouts import LAYOUTS
from datasets.sequences import SequenceDataset, SkeletonSequence
from spmf.data import SkeletonImages, SpmfDataConfig

PRETRAINED_CLASSIFIER = pretrained.path("classifier")
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
        """The SavedModel at PATH (an `export/` of recognition.train), or the shipped one."""
        path = path or PRETRAINED_CLASSIFIER
        if not os.path.isfile(os.path.join(path, "saved_model.pb")):
            raise FileNotFoundError(f"{path}: no SavedModel there (an export/ folder written "
                                    "by recognition.train or recognition.experiment)")
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
