"""Bones of one length per track (`lifting.bone_lengths`), and the evaluation that measures
their variation per track beside Protocol #1."""
import numpy as np

from datasets import synthetic
from datasets.layouts import bones
from lifting.bone_lengths import bone_lengths, rigid_bones
from lifting.evaluation import bone_variation_summary
from lifting.metrics import limb_length_variation


def _noisy_track(seed=0, frames=50):
    joints = synthetic.generate(0).sequences.sequences[0].joints[:frames].astype(np.float64)
    joints = joints - joints[:, :1]
    noisy = joints + np.random.default_rng(seed).normal(0, 25, joints.shape)
    noisy[:, 0] = 0
    return joints, noisy


def test_every_bone_takes_its_median_length_and_keeps_its_direction():
    _, noisy = _noisy_track()
    rigid = rigid_bones(noisy)
    lengths = bone_lengths(rigid)
    np.testing.assert_allclose(lengths, np.median(bone_lengths(noisy), 0)[None].repeat(50, 0),
                               rtol=1e-4)
    assert max(limb_length_variation(rigid).values()) < 1e-5
    for parent, child in bones():
        before = noisy[:, child] - noisy[:, parent]
        after = rigid[:, child] - rigid[:, parent]
        cosine = np.sum(before * after, -1) / np.linalg.norm(before, axis=-1) / np.linalg.norm(
            after, axis=-1)
        assert cosine.min() > 0.9999
    np.testing.assert_array_equal(rigid[:, 0], 0)  # the root stays where it was


def test_frames_not_lifted_stay_unlifted_and_do_not_count():
    _, noisy = _noisy_track()
    lengths = np.median(bone_lengths(noisy[[0, 1, 2, 4, 5, 6] + list(range(8, 50))]), 0)
    noisy[[3, 7]] = np.nan
    rigid = rigid_bones(noisy)
    assert np.isnan(rigid[[3, 7]]).all() and np.isfinite(np.delete(rigid, [3, 7], 0)).all()
    np.testing.assert_allclose(bone_lengths(rigid[[0]])[0], lengths, rtol=1e-4)
    assert np.isnan(rigid_bones(np.full((4, 17, 3), np.nan))).all()


def test_the_summary_is_over_tracks_in_percent():
    summary = bone_variation_summary([{"a": 0.01, "b": 0.05, "c": 0.02},
                                      {"a": 0.03, "b": 0.10, "c": 0.04}, {}])
    assert summary == {"tracks": 2, "median_bone_median_percent": 3.0,
                       "worst_bone_median_percent": 7.5, "worst_bone_largest_percent": 10.0}
