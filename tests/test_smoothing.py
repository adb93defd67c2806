"""The One-Euro filter of the 2D front-end (`pose2d.smoothing`)."""
import numpy as np
import pytest

from pose2d.smoothing import OneEuroSettings, one_euro, smooth_track
from pose2d.tracks import PersonTrack


def test_a_still_joint_loses_its_jitter_and_a_moving_one_keeps_up():
    rng = np.random.default_rng(0)
    still = 5 + rng.normal(0, 0.05, (120, 1, 2))
    smoothed = one_euro(still, 30.0, OneEuroSettings())
    assert smoothed[20:].std() < 0.5 * still[20:].std()
    ramp = np.linspace(0, 40, 120)[:, None, None].repeat(2, -1)  # 10 units a second
    lag = np.abs(one_euro(ramp, 30.0, OneEuroSettings()) - ramp)[60:].max()
    slow = np.abs(one_euro(ramp, 30.0, OneEuroSettings(beta=0.0)) - ramp)[60:].max()
    assert lag < 0.5 * slow  # beta raises the cutoff with speed


def test_nothing_is_carried_across_a_gap():
    points = np.concatenate([np.zeros((10, 1, 2)), np.full((3, 1, 2), np.nan),
                             np.full((10, 1, 2), 100.0)])
    smoothed = one_euro(points, 30.0, OneEuroSettings())
    assert np.isnan(smoothed[10:13]).all()
    assert smoothed[13, 0, 0] == 100.0  # restarts at the value it sees


def test_a_track_is_smoothed_in_body_scales_whatever_its_resolution():
    rng = np.random.default_rng(1)
    body = rng.uniform(-1, 1, (1, 16, 2)) * [1, 3]
    body[:, 0] = 0
    frames = body + rng.normal(0, 0.02, (60, 16, 2))
    results = []
    for pixels in (50.0, 500.0):
        track = PersonTrack(0, (frames * pixels + 300).astype(np.float32),
                            np.ones((60, 16), np.float32), np.zeros((60, 16), bool))
        results.append((smooth_track(track, 30.0, OneEuroSettings()).keypoints - 300) / pixels)
    np.testing.assert_allclose(results[0], results[1], atol=1e-4)


def test_impossible_settings_are_refused():
    with pytest.raises(ValueError, match="cutoffs"):
        OneEuroSettings(min_cutoff=0)
