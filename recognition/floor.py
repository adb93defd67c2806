"""The floor every recognition figure stands beside: a linear classifier on plain features.

A network on Enhanced-SPMF images earns its place only by its margin over what a plain
model makes of the same sequences. The features are those a reader would write first:
the joints centred on the sequence's centroid and scaled by their RMS distance from it
(position and body size gone), resampled to a few frames, their frame-to-frame differences,
and every pairwise joint distance per resampled frame. A standardised multinomial logistic
regression reads them; its one setting, the inverse regularisation C, is chosen by
cross-validation on the TRAINING sequences, grouped by subject (or SBU set), so the test
split is scored once and decides nothing.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from datasets.sequences import SequenceDataset, SkeletonSequence
from recognition.protocols import own_classes


@dataclasses.dataclass(frozen=True)
class FloorSettings:
    """The floor's features and model selection.

    Attributes:
      num_frames: frames every sequence is resampled to.
      c_grid: inverse regularisation strengths tried by the grouped cross-validation.
      folds: at most this many folds of training groups (subjects or sets).
    """

    num_frames: int = 15
    c_grid: tuple[float, ...] = (0.01, 0.1, 1.0)
    folds: int = 5


def sequence_features(joints: np.ndarray, num_frames: int) -> np.ndarray:
    """(T, J, 3) joints -> one plain feature vector (centred, RMS-scaled positions, their
    differences and pairwise distances, over NUM_FRAMES resampled frames)."""
    joints = np.nan_to_num(np.asarray(joints, np.float64))
    centred = joints - joints.reshape(-1, joints.shape[-1]).mean(axis=0)
    scale = np.sqrt(np.mean(np.sum(centred ** 2, axis=-1))) or 1.0
    scaled = centred / scale
    times = np.linspace(0, len(scaled) - 1, num_frames)
    below = np.floor(times).astype(int)
    above = np.minimum(below + 1, len(scaled) - 1)
    weight = (times - below)[:, None, None]
    frames = (1 - weight) * scaled[below] + weight * scaled[above]
    first, second = np.triu_indices(frames.shape[1], k=1)
    distances = np.linalg.norm(frames[:, first] - frames[:, second], axis=-1)
    return np.concatenate([frames.ravel(), np.diff(frames, axis=0).ravel(),
                           distances.ravel()]).astype(np.float32)


def _matrix(sequences: tuple[SkeletonSequence, ...], num_frames: int) -> np.ndarray:
    return np.stack([sequence_features(s.joints, num_frames) for s in sequences])


def _group(sequence: SkeletonSequence) -> str:
    return sequence.group or str(sequence.subject)


def choose_c(features: np.ndarray, labels: np.ndarray, groups: np.ndarray,
             settings: FloorSettings) -> tuple[float, dict[str, float]]:
    """The C of the grid with the best grouped cross-validated accuracy on the training
    sequences (ties: the strongest regularisation), and every C's accuracy."""
    folds = GroupKFold(n_splits=min(settings.folds, len(np.unique(groups))))
    scores = {}
    for c in settings.c_grid:
        correct = 0
        for fit_rows, held_rows in folds.split(features, labels, groups):
            model = model_of(c).fit(features[fit_rows], labels[fit_rows])
            correct += int(np.sum(model.predict(features[held_rows]) == labels[held_rows]))
        scores[f"{c:g}"] = correct / len(labels)
    best = max(settings.c_grid, key=lambda c: (scores[f"{c:g}"], -c))
    return best, scores


def model_of(c: float):
    """The floor's model: standardised features, multinomial logistic regression of strength C."""
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000))


def floor_accuracy(train: SequenceDataset, test: SequenceDataset,
                   settings: FloorSettings = FloorSettings()) -> dict:
    """Per-sequence test accuracy of the floor trained on TRAIN (C chosen on TRAIN only). A
    training side that also holds other actions is cut to TEST's classes: the floor stays
    the plain model of the protocol itself."""
    train = own_classes(train, test.class_names)
    features = _matrix(train.sequences, settings.num_frames)
    labels = np.array([s.label for s in train.sequences])
    groups = np.array([_group(s) for s in train.sequences])
    c, scores = choose_c(features, labels, groups, settings)
    model = model_of(c).fit(features, labels)
    predicted = model.predict(_matrix(test.sequences, settings.num_frames))
    truth = np.array([s.label for s in test.sequences])
    return {"floor_sequence_accuracy": float(np.mean(predicted == truth)),
            "test_sequences": int(len(truth)), "chosen_c": c,
            "cross_validated_accuracy_by_c": scores}
