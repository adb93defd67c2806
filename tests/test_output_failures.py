"""Outputs that cannot be written end a binary with one line naming the path, and nothing
already written is lost: an output folder that is a file, read-only or full, a disk that
fills between backups, damaged backups and model files, and a rerun with other settings."""
import errno
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest

from common import backup
from common.backup import AtomicBackupAndRestore
from common.errors import DataFormatError
from common.run_record import SettingsMismatch, exit_on_user_error
from lifting.deployed import DeployedLifter
from pipeline.analysis import RunSettings, run
from tests.conftest import REPO
from tests.test_pipeline_run import _two_people_folder


def _fit(backup_dir, epochs):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    data = np.ones((8, 3), np.float32), np.zeros((8, 2), np.float32)
    return model.fit(*data, epochs=epochs, verbose=0,
                     callbacks=[AtomicBackupAndRestore(str(backup_dir))])


def test_a_full_disk_is_found_before_a_backup_is_written_and_the_last_one_kept(tmp_path,
                                                                             monkeypatch):
    _fit(tmp_path, epochs=2)
    real = shutil.disk_usage
    monkeypatch.setattr(backup.shutil, "disk_usage",
                        lambda path: real(path)._replace(free=1000))
    with pytest.raises(OSError) as raised:
        _fit(tmp_path, epochs=4)
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(tmp_path)
    assert raised.value.strerror.startswith("No space left on device")
    assert sorted(os.listdir(tmp_path)) == ["epoch-1", "epoch-2"]  # nothing lost, no staging
    with pytest.raises(SystemExit) as stopped:
        exit_on_user_error("some.binary", lambda: _fit(tmp_path, epochs=4))
    assert str(stopped.value).startswith(f"some.binary: {tmp_path}: No space left on device")
    monkeypatch.undo()
    assert len(_fit(tmp_path, epochs=4).history["loss"]) == 2  # space freed: resumes


@pytest.mark.parametrize("damage", ["empty weights", "cut metadata", "cut random state"])
def test_a_damaged_newest_backup_is_named_and_the_older_one_resumed(tmp_path, damage, caplog):
    _fit(tmp_path, epochs=2)
    name = {"empty weights": backup.WEIGHTS_FILE, "cut metadata": "training_metadata.json",
            "cut random state": "random_state.npz"}[damage]
    path = tmp_path / "epoch-2" / name
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2] if "cut" in damage else b"")
    assert len(_fit(tmp_path, epochs=3).history["loss"]) == 2  # from epoch 1: epochs 2, 3
    assert "epoch-2: a damaged backup" in caplog.text


def test_when_every_backup_is_damaged_the_newest_is_named(tmp_path):
    _fit(tmp_path, epochs=2)
    for folder in ("epoch-1", "epoch-2"):
        (tmp_path / folder / backup.WEIGHTS_FILE).write_bytes(b"")
    with pytest.raises(DataFormatError, match="epoch-2: every backup is damaged"):
        _fit(tmp_path, epochs=3)


@pytest.mark.parametrize("damage", ["weights_float16.npz", "architecture.json", "norm.json"])
def test_a_damaged_shipped_lifter_file_is_named(tmp_path, damage):
    copy = tmp_path / "lifter"
    shutil.copytree(REPO / "pretrained" / "lifter", copy)
    data = (copy / damage).read_bytes()
    (copy / damage).write_bytes(data[:len(data) // 2])
    with pytest.raises(DataFormatError, match=damage):
        DeployedLifter.load(str(copy))


@pytest.fixture
def openpose_folder(tmp_path):
    return str(_two_people_folder(tmp_path / "json"))


def test_a_rerun_with_other_settings_is_refused_unless_overwritten(tmp_path, openpose_folder,
                                                                   skeleton_lifter,
                                                                   lifted_classifier):
    out = tmp_path / "out"
    base = dict(video=None, openpose_dir=openpose_folder, out_dir=str(out),
                lifter=skeleton_lifter, classifier=lifted_classifier, videos=False)
    run(RunSettings(**base, window=30))
    first = (out / "config.json").read_text()
    with pytest.raises(SettingsMismatch, match="window stored 30, given 20"):
        run(RunSettings(**base, window=20))
    assert (out / "config.json").read_text() == first  # refused before anything was written
    (out / "track_7").mkdir()  # an earlier run's person that this run will not have
    run(RunSettings(**base, window=20), overwrite=True)
    assert '"window": 20' in (out / "config.json").read_text()
    assert not (out / "track_7").exists()


def test_a_window_longer_than_the_clip_is_noted(tmp_path, openpose_folder, skeleton_lifter,
                                                lifted_classifier):
    out = tmp_path / "out"
    run(RunSettings(video=None, openpose_dir=openpose_folder, out_dir=str(out),
                    lifter=skeleton_lifter, classifier=lifted_classifier, videos=False,
                    window=500))
    assert "longer than the" in (out / "track_0" / "action.json").read_text()


def _pipeline(tmp_path, openpose_folder, out_dir, *extra):
    return subprocess.run(
        [sys.executable, "-m", "pipeline.run", f"--openpose_dir={openpose_folder}",
         f"--out_dir={out_dir}", "--nooverlay", *extra],
        cwd=REPO, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("case", ["a file", "zero fps"])
def test_pipeline_run_refuses_a_file_as_out_dir_and_a_zero_frame_rate(tmp_path, openpose_folder,
                                                                      case):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    extra = ["--openpose_fps=0"] if case == "zero fps" else []
    result = _pipeline(tmp_path, openpose_folder, target if case == "a file" else tmp_path / "o",
                       *extra)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    expected = (f"pipeline.run: {target}: is a file" if case == "a file"
                else "--openpose_fps must be a positive frame rate")
    assert expected in result.stderr  # absl adds its "--helpshort" line after a flag's
    assert target.read_text() == "not a folder"


@pytest.fixture
def tiny_file_system(tmp_path):
    """A 3 MB tmpfs (root only: skipped with the reason elsewhere)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3M", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or 'not root'}")
    yield mount
    subprocess.run(["umount", str(mount)], capture_output=True)


@pytest.mark.slow  # two lifting.train processes
def test_a_full_file_system_ends_lifting_train_in_one_line_twice(tiny_file_system):
    command = [sys.executable, "-m", "lifting.train", "--dataset=synthetic", "--epochs=1",
               f"--model_dir={tiny_file_system}/run"]
    for attempt in range(2):  # the rerun in the still-full folder neither crashes nor loses
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
        assert result.returncode == 1, result.stderr[-1500:]
        assert "Traceback" not in result.stderr
        assert "No space left on device" in result.stderr.strip().splitlines()[-1]
        left = [name for _, _, names in os.walk(tiny_file_system) for name in names]
        assert not [name for name in left if name.startswith(".tmp-")], left


def test_a_read_only_out_dir_ends_pipeline_run_in_one_line(tiny_file_system, tmp_path,
                                                          openpose_folder):
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_file_system)], check=True)
    result = _pipeline(tmp_path, openpose_folder, tiny_file_system / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"pipeline.run: {tiny_file_system}/out: cannot be created")
