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
# Human3.6M's subjects, and the synthetic set generated for their names, split as the lifter's
# (S1, S5-S8 train; S9, S11 test).
H36M_TEST_SUBJECTS = (9, 11)


def protocol_split(dataset: SequenceDataset, name: str, protocol: str
                   ) -> tuple[SequenceDataset, SequenceDataset]:
    """(train, test) sequences of PROTOCOL; labels renumbered to the protocol's classes."""
    if name == "msr_action3d":
        chosen = msr_action3d.subset(dataset, "all" if protocol.startswith("all20") else protocol)
        if protocol in EVERY_SUBJECT:
            return chosen, chosen.select(lambda sequence: False)
        return msr_action3d.cross_subject(chosen)
    if name == "sbu":
        if protocol in EVERY_SUBJECT:
            return dataset, dataset.select(lambda sequence: False)
        return sbu.fold_split(dataset, int(protocol.removeprefix("fold")))
    return (dataset.select(lambda s: s.subject not in H36M_TEST_SUBJECTS),
            dataset.select(lambda s: s.subject in H36M_TEST_SUBJECTS))


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
