import numpy as np
import pytest

from datasets import sbu
from common.errors import DataFormatError


def _write(root, group, label, sequence, frames):
    folder = root / group / f"{label:02d}" / f"{sequence:03d}"
    folder.mkdir(parents=True)
    lines = [",".join([str(i + 1)] + [f"{v:.6f}" for v in frame.ravel()])
             for i, frame in enumerate(frames)]
    (folder / sbu.FILE_NAME).write_text("\n".join(lines) + "\n")
    return folder / sbu.FILE_NAME


@pytest.fixture
def tree(tmp_path):
    rng = np.random.default_rng(0)
    for group in ("s01s02", "s02s03", "s01s03"):
        for label in (1, 2):
            _write(tmp_path, group, label, 1, rng.uniform(0, 1, (6, 30, 3)))
    _write(tmp_path, "s04s02", 3, 1, np.zeros((6, 30, 3)))
    return tmp_path


def test_loads_both_persons_and_undoes_the_normalisation(tree):
    dataset = sbu.load(tree)
    assert len(dataset.sequences) == 6 and len(dataset.skipped) == 1
    assert dataset.skipped[0].reason == "all coordinates are zero"
    first = dataset.sequences[0]
    assert first.joints.shape == (6, 30, 3) and first.group == "s01s02" and first.label == 0
    assert dataset.frame_rate_hz == 15.0  # what a temporal lifter resamples from
    raw = sbu.load(tree, metric=False).sequences[0].joints
    np.testing.assert_allclose(first.joints[..., 0], 1280 - raw[..., 0] * 2560, rtol=1e-5)
    np.testing.assert_allclose(first.joints[..., 1], 960 - raw[..., 1] * 1920, rtol=1e-5)
    np.testing.assert_allclose(first.joints[..., 2], raw[..., 2] * 10000 / 7.8125, rtol=1e-5)


def test_folds_partition_by_set(tree):
    dataset = sbu.load(tree)
    train, test = sbu.fold_split(dataset, 1)
    assert {s.group for s in test.sequences} == {"s01s02"}
    assert {s.group for s in train.sequences} == {"s02s03", "s01s03"}
    assert {s.group for s in sbu.fold_split(dataset, 3)[1].sequences} == {"s01s03"}
    all_sets = [group for fold in sbu.FOLDS for group in fold]
    assert len(all_sets) == 21 == len(set(all_sets))
    with pytest.raises(ValueError):
        sbu.fold_split(dataset, 6)


def test_malformed_input(tmp_path):
    path = _write(tmp_path, "s01s02", 1, 1, np.zeros((2, 30, 3)) + 0.5)
    path.write_text(path.read_text() + "3,0.5,0.5\n")
    with pytest.raises(DataFormatError, match=r"skeleton_pos.txt:3: expected 91 values"):
        sbu.load(tmp_path)
    with pytest.raises(DataFormatError, match="no <set>/<class>"):
        sbu.load(tmp_path / "s01s02")
    bad_class = _write(tmp_path / "x", "s01s02", 9, 1, np.zeros((2, 30, 3)) + 0.5)
    with pytest.raises(DataFormatError, match="class folder '09'"):
        sbu.load(bad_class.parents[3])
