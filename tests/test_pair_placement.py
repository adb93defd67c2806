"""Lifted people placed in one frame of reference from their 2D (`recognition.pair_placement`)."""
import numpy as np
import pytest

from datasets import sbu
from recognition.pair_placement import place_people

FOCAL = 600.0


def _project(points):
    return FOCAL * points[..., :2] / points[..., 2:3] + [320, 240]


def test_two_people_seen_through_a_pinhole_are_put_back_where_they_stood():
    rng = np.random.default_rng(0)
    body = rng.normal(0, 250, (17, 3))
    body[0] = 0
    where = np.array([[[-600.0, 100.0, 4000.0], [500.0, 50.0, 4600.0]]])  # (1, 2, 3)
    world = body[None, None] + where[:, :, None, :]
    keypoints = np.delete(_project(world), 9, axis=2)  # H36M-16: H36M-17 without Neck/Nose
    placed = place_people(np.repeat(body[None, None], 2, 1), keypoints, FOCAL)
    separation = placed[0, 1, 0] - placed[0, 0, 0]
    truth = where[0, 1] - where[0, 0]
    assert np.abs(separation[:2] - truth[:2]).max() < 0.1 * np.linalg.norm(truth[:2])
    assert abs(separation[2] - truth[2]) < 0.35 * abs(truth[2])  # weak perspective: rougher
    np.testing.assert_allclose(placed[0, 0] - placed[0, 0, 0], body, atol=1e-3)  # rigid shift


def test_one_person_or_an_unlifted_frame_stays_root_relative():
    poses = np.random.default_rng(1).normal(0, 200, (3, 2, 17, 3))
    poses[:, :, 0] = 0
    keypoints = np.random.default_rng(2).uniform(0, 600, (3, 2, 16, 2))
    poses[1, 1] = np.nan
    placed = place_people(poses, keypoints, FOCAL)
    assert np.isnan(placed[1, 1]).all()
    np.testing.assert_allclose(placed[1, 0], poses[1, 0], atol=1e-4)
    np.testing.assert_allclose(place_people(poses[:, :1], keypoints[:, :1], FOCAL), poses[:, :1],
                               atol=1e-4)


@pytest.fixture(scope="module")
def sbu_both(sbu_dir):
    from recognition.lifted import lifted_sequences
    return sbu.load(str(sbu_dir)), lifted_sequences("sbu", str(sbu_dir), None)


def test_lifted_sbu_pairs_stand_as_far_apart_as_the_sensor_says(sbu_both):
    sensor, lifted = sbu_both
    torso = sensor.layout.joints.index("Torso")
    per_sensor, per_lifted = [], []
    for measured, predicted in zip(sensor.sequences, lifted.sequences):
        a = measured.joints.reshape(measured.num_frames, 2, -1, 3)
        b = predicted.joints.reshape(predicted.num_frames, 2, 17, 3)
        per_sensor.append(np.linalg.norm(a[:, 0, torso] - a[:, 1, torso], axis=-1).mean())
        per_lifted.append(np.nanmean(np.linalg.norm(b[:, 0, 0] - b[:, 1, 0], axis=-1)))
    assert np.corrcoef(per_sensor, per_lifted)[0, 1] > 0.9  # measured: 0.96
    assert 0.8 < np.median(per_lifted) / np.median(per_sensor) < 1.25  # 1083 / 1004 mm
