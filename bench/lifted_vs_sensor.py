"""How close each shipped lifter's poses of a skeleton dataset come to its sensor skeletons.

    python -m bench.lifted_vs_sensor --dataset=msr_action3d --data_dir=../shared/data/msr_action3d

The dataset's 2D joints are lifted as recognition lifts them (`recognition.lifted`, each person
a track at the dataset's frame rate) by each shipped lifter kind, and compared with the same
sequences' sensor 3D: both mapped to H36M-16, each frame of each person aligned by the best
rotation, scale and translation (Protocol #2's alignment), since the sensor's axes, origin and
units are not the lifter's. Prints one JSON line per kind: the aligned error (mean over
sequences of each sequence's mean, in the sensor's units) and the poses' mean second
difference (per frame, root-relative: how much they jitter). A lifter that learnt another
detector's motion shows it here before any classifier is trained on its poses.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json

import numpy as np
from absl import app, flags

from datasets.catalog import load_sequences
from datasets.geometry import root_relative
from datasets.layouts import h36m17_to_16, to_h36m16
from datasets.sequences import SequenceDataset
from lifting.deployed import PRETRAINED_LIFTERS, DeployedLifter
from lifting.metrics import pa_mpjpe
from recognition.lifted import keypoints_2d, lift_dataset, take_name

FLAGS = flags.FLAGS
DATASETS = ("msr_action3d", "sbu")


def sequence_key(dataset: str, source: str) -> str:
    """What names one recording in both the 2D and the 3D files of DATASET."""
    return take_name(source) if dataset == "msr_action3d" else source


def per_person(joints: np.ndarray, joints_per_person: int) -> np.ndarray:
    """(T, P x J, 3) -> (P, T, J, 3)."""
    frames = len(joints)
    return joints.reshape(frames, -1, joints_per_person, 3).transpose(1, 0, 2, 3)


def compare(lifted: SequenceDataset, sensor: SequenceDataset, dataset: str) -> dict:
    """Aligned error and jitter of LIFTED against SENSOR over the recordings both hold."""
    by_key = {sequence_key(dataset, s.source): s for s in sensor.sequences}
    errors, jitter = [], []
    for sequence in lifted.sequences:
        truth = by_key.get(sequence_key(dataset, sequence.source))
        if truth is None or truth.num_frames != sequence.num_frames:
            continue
        people = per_person(sequence.joints, 17)
        truths = per_person(truth.joints, sensor.layout.num_joints)
        for poses, real in zip(people, truths):
            predicted = h36m17_to_16(poses)
            errors.append(float(pa_mpjpe(predicted, to_h36m16(real, sensor.layout)).mean()))
            jitter.append(float(np.linalg.norm(np.diff(root_relative(poses), 2, axis=0),
                                               axis=-1).mean()))
    return {"people_compared": len(errors), "aligned_error": round(float(np.mean(errors)), 1),
            "mean_second_difference": round(float(np.mean(jitter)), 1)}


def main(argv):
    del argv
    sensor = load_sequences(FLAGS.dataset, FLAGS.data_dir)
    sequences_2d = keypoints_2d(FLAGS.dataset, FLAGS.data_dir)
    for kind in PRETRAINED_LIFTERS:
        lifted = lift_dataset(sequences_2d, DeployedLifter.load(None, kind))
        print(json.dumps({"dataset": FLAGS.dataset, "lifter_kind": kind,
                          "frame_rate_hz": sequences_2d.frame_rate_hz, "units": sensor.units,
                          **compare(lifted, sensor, FLAGS.dataset)}), flush=True)


if __name__ == "__main__":
    flags.DEFINE_enum("dataset", "msr_action3d", list(DATASETS), "A dataset with 2D and 3D.")
    flags.DEFINE_string("data_dir", None, "Its folder.")
    flags.mark_flag_as_required("data_dir")
    app.run(main)
