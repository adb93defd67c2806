"""What a dataset holds, as a JSON-ready dict: counts, what was skipped and the load time."""
from __future__ import annotations

import time
from typing import Any, Callable

from datasets import h36m, msr_action3d, openpose, sbu, synthetic
from datasets.corpus import PoseCorpus
from datasets.sequences import SequenceDataset

DATASETS = ("h36m", "msr_action3d", "sbu", "openpose", "synthetic")


def _skipped(items) -> list[dict[str, str]]:
    return [{"source": item.source, "reason": item.reason} for item in items]


def summarise_corpus(corpus: PoseCorpus) -> dict[str, Any]:
    return {"sequences": len(corpus.poses_3d), "frames": corpus.num_frames, "joints": 17,
            "classes": len(corpus.actions), "subjects": len(corpus.subjects),
            "cameras": sum(len(c) for c in corpus.cameras.values()),
            "detection_streams": len(corpus.detections_2d), "detector": corpus.detector,
            "skipped": _skipped(corpus.skipped)}


def summarise_sequences(dataset: SequenceDataset) -> dict[str, Any]:
    return {"sequences": len(dataset.sequences),
            "frames": int(sum(s.num_frames for s in dataset.sequences)),
            "joints": int(dataset.sequences[0].joints.shape[1]) if dataset.sequences else 0,
            "classes": len({s.label for s in dataset.sequences}),
            "subjects": len({(s.subject, s.group) for s in dataset.sequences}),
            "layout": dataset.layout.name, "units": dataset.units,
            "skipped": _skipped(dataset.skipped)}


def summarise_track(track: openpose.KeypointTrack) -> dict[str, Any]:
    return {"sequences": 1, "frames": int(track.keypoints.shape[0]),
            "joints": track.layout.num_joints, "classes": 0, "subjects": 1,
            "layout": track.layout.name, "interpolated_joints": track.interpolated,
            "skipped": [{"source": track.frames[i], "reason": "no person detected"}
                        for i in track.empty_frames]}


def _loaders(data_dir: str | None, msr_kind: str, seed: int) -> dict[str, Callable[[], dict]]:
    return {
        "h36m": lambda: summarise_corpus(h36m.load(data_dir)),
        "msr_action3d": lambda: summarise_sequences(msr_action3d.load(data_dir, msr_kind)),
        "sbu": lambda: summarise_sequences(sbu.load(data_dir)),
        "openpose": lambda: summarise_track(openpose.load_folder(data_dir)),
        "synthetic": lambda: {**summarise_corpus(synthetic.generate(seed).corpus),
                              "skipped": []},
    }


def summarise(dataset: str, data_dir: str | None, msr_kind: str = "3d", seed: int = 0
              ) -> dict[str, Any]:
    """Loads DATASET and returns its summary with the load time in seconds."""
    if dataset != "synthetic" and not data_dir:
        raise ValueError(f"a data folder is required for dataset {dataset}")
    start = time.perf_counter()
    summary = _loaders(data_dir, msr_kind, seed)[dataset]()
    return {"dataset": dataset, **summary,
            "load_seconds": round(time.perf_counter() - start, 3)}
