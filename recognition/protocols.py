"""The protocols of the skeleton datasets: which sequences train and which test.

Cross-subject for MSR Action3D (its subsets AS1-AS3 and all 20 actions), the five folds by
set for SBU (and, for a shipped model, every subject or set), and the lifter's subject split
for the synthetic set. Validation sequences are drawn from the TRAINING side only
(`hold_out`), per class and whole sequences at a time, so that no view of a validation or
test sequence is ever trained on.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from datasets import msr_action3d, sbu
from datasets.sequences import SequenceDataset

PROTOCOLS = {
    "msr_action3d": ("AS1", "AS2", "AS3", "all20", "all20_every_subject"),
    "sbu": (*(f"fold{fold}" for fold in range(1, len(sbu.FOLDS) + 1)), "every_set"),
    "synthetic": ("cross_subject",),
    "h36m_actions": ("cross_subject",),
}
# Protocols that train on every sequence and test on none: for a model that ships to users
# (pretrained/), whose figures come from the matching cross-subject protocol.
EVERY_SUBJECT = ("all20_every_subject", "every_set")
# Protocols whose dataset has actions beyond the protocol's own, which the training side can
# add as extra classes (`protocol_split(..., other_actions=True)`).
WITH_OTHER_ACTIONS = {"msr_action3d": ("AS1", "AS2", "AS3")}
# Human3.6M's subjects, and the synthetic set generated for their names, split as the lifter's
# (S1, S5-S8 train; S9, S11 test).
H36M_TEST_SUBJECTS = (9, 11)


def protocol_split(dataset: SequenceDataset, name: str, protocol: str,
                   other_actions: bool = False) -> tuple[SequenceDataset, SequenceDataset]:
    """(train, test) sequences of PROTOCOL; labels renumbered to the protocol's classes.

    OTHER_ACTIONS (a protocol of WITH_OTHER_ACTIONS): the training side also holds the
    dataset's other actions performed by the training subjects, as classes numbered after the
    protocol's own; the test side stays the protocol's, so its class names are the first of
    the training side's."""
    if other_actions:
        require_other_actions(name, protocol)
    if name == "msr_action3d":
        chosen = msr_action3d.subset(dataset, "all" if protocol.startswith("all20") else protocol)
        if protocol in EVERY_SUBJECT:
            return chosen, chosen.select(lambda sequence: False)
        train, test = msr_action3d.cross_subject(chosen)
        if other_actions:
            train, _ = msr_action3d.cross_subject(
                msr_action3d.subset(dataset, protocol, other_actions=True))
        return train, test
    if name == "sbu":
        if protocol in EVERY_SUBJECT:
            return dataset, dataset.select(lambda sequence: False)
        return sbu.fold_split(dataset, int(protocol.removeprefix("fold")))
    return (dataset.select(lambda s: s.subject not in H36M_TEST_SUBJECTS),
            dataset.select(lambda s: s.subject in H36M_TEST_SUBJECTS))


def require_other_actions(name: str, protocol: str) -> None:
    """Refuses, naming both, a protocol of dataset NAME without actions beyond its own."""
    if protocol not in WITH_OTHER_ACTIONS.get(name, ()):
        raise ValueError(f"other_actions needs a protocol with actions beyond its own: "
                         f"{WITH_OTHER_ACTIONS}, not {name} {protocol}")


def own_classes(dataset: SequenceDataset, class_names: tuple[str, ...]) -> SequenceDataset:
    """DATASET's sequences of the first len(CLASS_NAMES) labels, which must be CLASS_NAMES:
    the protocol's own part of a training side that also holds other actions."""
    count = len(class_names)
    if tuple(dataset.class_names[:count]) != tuple(class_names):
        raise ValueError(f"{dataset.name}: its first classes {dataset.class_names[:count]} are "
                         f"not the protocol's {class_names}")
    return dataclasses.replace(dataset.select(lambda sequence: sequence.label < count),
                               class_names=tuple(class_names))


def training_groups(train: SequenceDataset) -> list[str]:
    """The training side's groups in a fixed order: SBU's sets, else the subjects."""
    return sorted({_group_of(s) for s in train.sequences})


def _group_of(sequence) -> str:
    return sequence.group or f"subject {sequence.subject:02d}"


def selection_split(train: SequenceDataset, fold: int
                    ) -> tuple[SequenceDataset, SequenceDataset, str]:
    """(fit, held out, the held-out group's name): training group number FOLD (modulo their
    count) held out whole, so that a lever, an epoch count or an arc is chosen on sequences
    of a person the network never saw and the test split decides nothing."""
    groups = training_groups(train)
    chosen = groups[fold % len(groups)]
    return (train.select(lambda s: _group_of(s) != chosen),
            train.select(lambda s: _group_of(s) == chosen), chosen)


def hold_out(train: SequenceDataset, fraction: float, seed: int
             ) -> tuple[SequenceDataset, SequenceDataset]:
    """(kept, held out): FRACTION of each class's sequences, at least one of any class that
    has two or more, drawn with SEED."""
    rng = np.random.default_rng([seed, 7])
    labels = np.array([s.label for s in train.sequences])
    held = np.zeros(len(labels), bool)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        count = int(round(fraction * len(members)))
        if fraction > 0 and len(members) > 1:
            count = min(max(count, 1), len(members) - 1)
        held[members[:count]] = True
    sequences = np.array(train.sequences, dtype=object)
    return (dataclasses.replace(train, sequences=tuple(sequences[~held])),
            dataclasses.replace(train, sequences=tuple(sequences[held])))
