"""The lifted-against-sensor comparison: matching recordings, aligning frames, skipping what
does not match."""
import numpy as np
import pytest

from bench.lifted_vs_sensor import compare, sequence_key
from datasets.layouts import H36M_17, SBU_15, to_h36m16
from datasets.sequences import SequenceDataset, SkeletonSequence
from recognition.lifted import _h36m17_from_16


def _sequence(joints: np.ndarray, source: str) -> SkeletonSequence:
    return SkeletonSequence(joints=joints.astype(np.float32), label=0, subject=0, source=source)


def _as_lifted(sensor_joints: np.ndarray) -> np.ndarray:
    """(T, 2 x 15, 3) SBU -> (T, 2 x 17, 3) H36M-17, turned 90 degrees and halved in size, as
    a lifter in other axes and units would give the same bodies."""
    frames = len(sensor_joints)
    people = _h36m17_from_16(to_h36m16(sensor_joints.reshape(frames, 2, 15, 3), SBU_15))
    assert people.shape[-2] == H36M_17.num_joints
    turn = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    return (0.5 * people @ turn.T).reshape(frames, 34, 3)


def test_the_sensors_own_bodies_in_other_axes_and_units_are_zero_off_and_strays_are_skipped():
    rng = np.random.default_rng(0)
    moving = np.cumsum(rng.normal(0, 5, (12, 30, 3)), axis=0) + rng.normal(0, 300, (30, 3))
    other = rng.normal(0, 300, (8, 30, 3))
    sensor = SequenceDataset("sbu", SBU_15, ("a",), (_sequence(moving, "s01s02/01/001"),
                                                     _sequence(other, "s01s02/01/002")))
    lifted = SequenceDataset("sbu_lifted", H36M_17, ("a",), (
        _sequence(_as_lifted(moving), "s01s02/01/001"),
        _sequence(_as_lifted(other)[:5], "s01s02/01/002"),   # other frames: not comparable
        _sequence(_as_lifted(other), "s01s02/01/003")))      # no sensor file: skipped
    exact = compare(lifted, sensor, "sbu")
    assert exact["people_compared"] == 2 and exact["aligned_error"] == pytest.approx(0, abs=0.1)
    noisy = SequenceDataset("sbu_lifted", H36M_17, ("a",), (_sequence(
        _as_lifted(moving) + rng.normal(0, 10, (12, 34, 3)), "s01s02/01/001"),))
    assert compare(noisy, sensor, "sbu")["aligned_error"] > 5  # in the sensor's units


def test_msr_recordings_match_across_their_2d_and_3d_folders():
    assert sequence_key("msr_action3d", "x/MSRAction3DSkeletonReal3D/a01_s02_e03_skeleton3D.txt"
                        ) == sequence_key("msr_action3d",
                                          "x/MSRAction3DSkeleton(20joints)/a01_s02_e03_skeleton.txt")
