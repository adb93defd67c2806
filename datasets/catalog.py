"""Skeleton-sequence datasets by name: what a binary's --dataset flag chooses from."""
from __future__ import annotations

from datasets import h36m_actions, msr_action3d, sbu, synthetic
from datasets.sequences import SequenceDataset

SEQUENCE_DATASETS = ("msr_action3d", "sbu", "synthetic", h36m_actions.NAME)


def load_sequences(name: str, data_dir: str | None = None, seed: int = 0) -> SequenceDataset:
    """The labelled 3D sequences of dataset NAME (synthetic needs no folder)."""
    if name == "synthetic":
        return synthetic.generate(seed).sequences
    if not data_dir:
        raise ValueError(f"a data folder is required for dataset {name}")
    if name == "msr_action3d":
        return msr_action3d.load(data_dir, "3d")
    if name == "sbu":
        return sbu.load(data_dir)
    if name == h36m_actions.NAME:
        return h36m_actions.load(data_dir)
    raise ValueError(f"unknown dataset {name!r}; available: {', '.join(SEQUENCE_DATASETS)}")
