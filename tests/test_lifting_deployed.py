"""The camera-independent lifter input and the deployable lifter (model_dir, compact float16
folder, SavedModel): one function of pixels from any image."""
import json
import os

import numpy as np
import pytest

from common.errors import DataFormatError
from lifting.config import LifterConfig
from lifting.data import Normalization, skeleton_normalised
from lifting.deployed import COMPACT_WEIGHTS, DeployedLifter, copy_compact, save_compact
from lifting.serving import EXPORT_DIR
from lifting.tflite import convert, convert_and_check
from lifting.trainer import TrainSettings, train

PIXEL_LIFTER = dict(dataset="synthetic", architecture=LifterConfig(width=32,
                                                                   streams=("detected",)),
                    batch_size=256, eval_frame_stride=10, jit_compile=False)


def _keypoints(count: int = 50, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 60, (count, 16, 2)) + [500, 500]).astype(np.float32)


def test_the_skeleton_input_is_independent_of_position_size_and_image():
    keypoints = _keypoints()
    moved = keypoints * 0.23 + np.float32([-317.0, 1460.0])  # another image, size, place
    np.testing.assert_allclose(skeleton_normalised(moved).numpy(),
                               skeleton_normalised(keypoints).numpy(), atol=1e-5)
    normalised = skeleton_normalised(keypoints).numpy()
    np.testing.assert_allclose(normalised[:, 0], 0, atol=1e-6)  # the Hip at the origin
    rms = np.sqrt(np.mean(np.sum(normalised ** 2, -1), -1))
    np.testing.assert_allclose(rms, 1, rtol=1e-5)
    assert np.all(skeleton_normalised(np.zeros((2, 16, 2))).numpy() == 0)  # no NaN


def test_the_normalisation_kind_is_stored_and_a_file_without_it_is_refused(tmp_path):
    norm = Normalization(*(np.arange(n, dtype=np.float32) for n in (32, 32, 48, 48)),
                         input_normalization="skeleton")
    norm.save(tmp_path / "norm.json")
    assert Normalization.load(tmp_path / "norm.json").input_normalization == "skeleton"
    fields = json.loads((tmp_path / "norm.json").read_text())
    del fields["input_normalization"]
    (tmp_path / "old.json").write_text(json.dumps(fields))
    with pytest.raises(DataFormatError, match="old.json: no input_normalization"):
        Normalization.load(tmp_path / "old.json")
    with pytest.raises(ValueError, match="unknown input normalization"):
        Normalization(norm.mean_2d, norm.std_2d, norm.mean_3d, norm.std_3d, "metres")


def test_every_form_of_the_lifter_gives_the_same_poses_for_any_image(skeleton_lifter, tmp_path):
    keypoints = _keypoints()
    from_dir = DeployedLifter.load(skeleton_lifter)
    assert from_dir.input_normalization == "skeleton"
    poses = from_dir.lift(keypoints)
    assert poses.shape == (50, 17, 3)
    np.testing.assert_array_equal(poses[:, 0], 0)  # root-relative, the Hip at the origin
    elsewhere = from_dir.lift(keypoints * 0.3 + np.float32([40.0, -900.0]))
    np.testing.assert_allclose(elsewhere, poses, atol=1e-3)
    exported = DeployedLifter.load(os.path.join(skeleton_lifter, EXPORT_DIR))
    np.testing.assert_allclose(exported.lift(keypoints), poses, atol=1e-3)
    save_compact(skeleton_lifter, str(tmp_path / "compact"))
    compact = DeployedLifter.load(str(tmp_path / "compact"))
    scale = np.abs(poses).max()
    np.testing.assert_allclose(compact.lift(keypoints), poses, atol=5e-3 * scale)


def test_frames_not_fully_seen_are_not_lifted(skeleton_lifter):
    keypoints = _keypoints(10)
    keypoints[3, 7] = np.nan
    poses = DeployedLifter.load(skeleton_lifter).lift(keypoints)
    assert np.isnan(poses[3]).all()
    assert np.isfinite(np.delete(poses, 3, axis=0)).all()
    with pytest.raises(ValueError, match=r"\(T, 16, 2\)"):
        DeployedLifter.load(skeleton_lifter).lift(keypoints[:, :15])


def test_tracks_of_every_length_are_lifted_by_graphs_traced_once(skeleton_lifter, monkeypatch):
    # Python inside the lifting function runs once per trace: count the traces.
    traces = []
    normalise = Normalization.normalise_2d
    monkeypatch.setattr(Normalization, "normalise_2d",
                        lambda self, pixels: traces.append(1) or normalise(self, pixels))
    lifter = DeployedLifter.load(skeleton_lifter)
    for length in (1, 7, 30, 64, 65, 100, 2279, 5000):
        lifter.lift(np.full((length, 16, 2), 500.0, np.float32))
    assert len(traces) == 2  # one plain graph, one XLA graph


def test_a_broken_or_foreign_lifter_folder_is_named(skeleton_lifter, tmp_path):
    with pytest.raises(FileNotFoundError, match="no lifter there"):
        DeployedLifter.load(str(tmp_path / "absent"))
    with pytest.raises(DataFormatError, match="neither a compact lifter"):
        DeployedLifter.load(str(tmp_path))
    save_compact(skeleton_lifter, str(tmp_path / "compact"))
    with np.load(tmp_path / "compact" / COMPACT_WEIGHTS) as stored:
        partial = {k: stored[k] for k in list(stored)[:-2]}
    np.savez(tmp_path / "compact" / COMPACT_WEIGHTS, **partial)
    with pytest.raises(DataFormatError, match="no weights"):
        DeployedLifter.load(str(tmp_path / "compact"))


def test_a_lifter_copied_to_ship_beside_a_classifier_lifts_as_its_source(skeleton_lifter,
                                                                         tmp_path):
    keypoints = _keypoints()
    copy_compact(skeleton_lifter, str(tmp_path / "from_run"))  # a model_dir: written compact
    copy_compact(str(tmp_path / "from_run"), str(tmp_path / "from_compact"))  # copied as is
    for name in os.listdir(tmp_path / "from_run"):
        assert (tmp_path / "from_run" / name).read_bytes() == (
            tmp_path / "from_compact" / name).read_bytes()
    source = DeployedLifter.load(skeleton_lifter).lift(keypoints)
    copied = DeployedLifter.load(str(tmp_path / "from_compact")).lift(keypoints)
    np.testing.assert_allclose(copied, source, atol=5e-3 * np.abs(source).max())
    with pytest.raises(DataFormatError, match="a SavedModel cannot be shipped"):
        copy_compact(os.path.join(skeleton_lifter, EXPORT_DIR), str(tmp_path / "export"))


def test_a_warm_start_from_a_model_of_the_other_input_is_refused(skeleton_lifter, tmp_path):
    with pytest.raises(ValueError, match="input_normalization=skeleton"):
        train(TrainSettings(model_dir=str(tmp_path / "pixels"), epochs=1,
                            init_from=(skeleton_lifter,), **PIXEL_LIFTER))


def test_tflite_variants_agree_with_the_savedmodel_path(skeleton_lifter, tmp_path):
    lifter = DeployedLifter.load(skeleton_lifter)
    report = convert_and_check(lifter, str(tmp_path), _keypoints(200))
    scale = float(np.abs(lifter.lift(_keypoints(200))).max())
    assert report["float32"]["max_error_mm"] < 1e-3 * scale
    assert report["float16"]["max_error_mm"] < 1e-2 * scale
    # int8 weights with activations quantised on the fly: smallest, and measured, not bounded
    # (on a 32-unit network and random keypoints it errs by a large fraction of the pose)
    assert np.isfinite(report["dynamic_range"]["max_error_mm"])
    sizes = [report[v]["megabytes"] for v in ("dynamic_range", "float16", "float32")]
    assert sizes == sorted(sizes) and sizes[0] < sizes[2]
    with pytest.raises(ValueError, match="cannot be converted"):
        convert(DeployedLifter.load(os.path.join(skeleton_lifter, EXPORT_DIR)), "float32")
