"""A recognition network scored on its own protocol's test split, from its shipped files.

What `recognition.evaluate` prints and what the model zoo's manifest records: the networks of
`pretrained/recognition/` carry their final run's config.json, so the dataset, protocol,
skeleton source and encoding they were scored with come with them and the user gives only the
data folder. A folder of another dataset or joint layout is refused, naming both.
"""
from __future__ import annotations

import dataclasses
import os

import numpy as np

from common.errors import DataFormatError
from common.run_record import read_settings, rebuilt
from enas.final import FinalConfig
from recognition.data import RecognitionData, sequence_splits, skeleton_sequences
from recognition.deployed import DeployedClassifier, LayoutMismatch, compact_members, is_compact


class WrongDataset(ValueError):
    """The data folder does not hold the dataset the network was trained on."""


def recorded_data(model: str) -> RecognitionData:
    """The data settings MODEL (a compact folder or ensemble, or a final run folder) was
    trained with (an ensemble's: its first member's; they differ by the seed only)."""
    return rebuilt(RecognitionData, read_settings(compact_members(model)[0], FinalConfig).data)


def load_network(model: str) -> DeployedClassifier:
    """A compact folder or ensemble as it is; a final run folder through its export/."""
    if is_compact(model):
        return DeployedClassifier.load(model)
    return DeployedClassifier.load(os.path.join(model, "export"))


def score_on_test(model: str, data_dir: str) -> dict:
    """{model, dataset, protocol, test_sequences, sequence_accuracy (%)} of MODEL on the test
    sequences of its protocol, read from DATA_DIR."""
    data = dataclasses.replace(recorded_data(model), data_dir=data_dir, selection_fold=-1)
    classifier = load_network(model)
    try:
        sequences = skeleton_sequences(data)
    except (DataFormatError, FileNotFoundError) as error:
        raise WrongDataset(f"{model} is a {data.dataset} network, but {error}") from None
    if sequences.layout.name != classifier.layout and data.skeleton_source == "sensor":
        raise LayoutMismatch(f"{model} was trained on {classifier.layout} skeletons but "
                             f"{data_dir} holds {sequences.layout.name}")
    _, _, test, scored = sequence_splits(data, sequences)
    if tuple(test.class_names) != classifier.class_names:
        raise WrongDataset(f"{model} knows the classes {list(classifier.class_names)}, but "
                           f"{data_dir}'s {scored} has {list(test.class_names)}")
    probabilities = classifier.classify_many([s.joints for s in test.sequences], scored)
    labels = np.array([s.label for s in test.sequences])
    return {"model": model, "dataset": data.dataset, "protocol": data.protocol,
            "test_sequences": int(len(labels)),
            "sequence_accuracy": round(100 * float(np.mean(probabilities.argmax(1) == labels)),
                                       2)}
