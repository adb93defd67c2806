"""The viewpoint probe: its test rotation and an end-to-end run on a sliver of MSR Action3D."""
import json

import numpy as np
import pytest

from datasets import synthetic
from spmf.skeleton import SkeletonOptions, normalise
from spmf.view_probe import ProbeSettings, run_probe, turned


def test_turned_sequences_keep_their_shape_and_height_but_not_their_heading():
    dataset = synthetic.generate(seed=1, takes_per_action=1, num_frames=20).sequences
    original, rotated = dataset.sequences[0].joints, turned(dataset, 60).sequences[0].joints
    distances = lambda x: np.linalg.norm(x[:, :, None] - x[:, None], axis=-1)
    np.testing.assert_allclose(distances(rotated), distances(original), atol=0.05)
    upright = SkeletonOptions(orientation="upright")
    a = normalise(original, dataset.layout, upright, "a")
    b = normalise(rotated, dataset.layout, upright, "b")
    np.testing.assert_allclose(a[..., 1], b[..., 1], atol=0.05)  # heights kept
    assert np.abs(a[..., 0] - b[..., 0]).max() > 50  # the heading changed


@pytest.mark.slow
def test_a_tiny_probe_writes_its_results_figure_and_record(msr_dir, tmp_path):
    settings = ProbeSettings(data_dir=str(msr_dir), out_dir=str(tmp_path), subset="AS1",
                             orientations=("facing",), rotations=(0.0,), test_angles=(0.0, 90.0),
                             seeds=(0,), epochs=1, batch_size=32)
    results = run_probe(settings)
    assert len(results) == 1 and set(results[0]["accuracy"]) == {"0", "90"}
    assert all(0 <= value <= 1 for value in results[0]["accuracy"].values())
    assert json.loads((tmp_path / "results.json").read_text()) == results
    assert (tmp_path / "view_probe.png").stat().st_size > 0
    assert (tmp_path / "config.json").exists()
