"""A user's mistake in a flag or a file ends a binary with one line naming the flag, file or
setting, and status 1: never a traceback from deep inside NumPy, Keras or TensorFlow."""
import subprocess
import sys

import pytest

from common.epoch_order import EpochOrder
from common.run_record import (USER_ERRORS, NonFiniteLoss, RunFolderError, SettingConflict,
                               SettingsMismatch, exit_on_user_error)
from common.errors import DataFormatError
from enas import arc as arc_lib
from tests.conftest import REPO


@pytest.mark.parametrize("error", [SettingsMismatch("folder: lr stored 1, given 2"),
                                   RunFolderError("folder: is a file"),
                                   NonFiniteLoss("loss is nan"),
                                   SettingConflict("batch_size 9 is larger than the 3"),
                                   DataFormatError("poses.npz", "not a zip archive")])
def test_every_user_error_ends_the_binary_with_its_one_line_message(error):
    assert isinstance(error, USER_ERRORS)

    def work():
        raise error
    with pytest.raises(SystemExit) as stopped:
        exit_on_user_error("some.binary", work)
    assert str(stopped.value) == f"some.binary: {error}"


def test_a_programming_error_keeps_its_traceback():
    with pytest.raises(ZeroDivisionError):
        exit_on_user_error("some.binary", lambda: 1 / 0)


def test_a_batch_larger_than_the_data_is_a_setting_conflict_naming_batch_size():
    with pytest.raises(SettingConflict, match="batch_size 8 is larger than the 5"):
        EpochOrder(5, 8, seed=0)


@pytest.mark.parametrize("content, problem", [(b"\x00\xff\xfe binary", "binary bytes"),
                                              (b"0 1 x 2", "integers only"),
                                              (None, "cannot be read")])
def test_a_bad_arc_file_is_named(tmp_path, content, problem):
    path = tmp_path / "arc.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataFormatError, match=problem) as raised:
        arc_lib.read_file(str(path))
    assert raised.value.path == str(path)


@pytest.mark.slow  # eleven binaries started: about two minutes
@pytest.mark.parametrize("argv, message", [
    (["-m", "recognition.train", "--dataset=msr_action3d", "--protocol=AS1",
      "--data_dir=/absent", "--child_fixed_arc=0 3 1 4 0 1", "--child_num_layers=3",
      "--output_dir={tmp}/run"],
     "recognition.train: /absent: folder does not exist"),
    (["-m", "enas.train", "--dataset=synthetic_images", "--child_fixed_arc=0 x",
      "--child_num_layers=1", "--output_dir={tmp}/run"],
     "--child_fixed_arc: arc strings hold integers only, got '0 x'"),
    (["-m", "lifting.train", "--dataset=synthetic", "--epochs=0", "--model_dir={tmp}/run"],
     "--epochs=0 trains nothing"),
    (["-m", "lifting.tflite", "--out_dir={tmp}/taken"],
     "lifting.tflite: {tmp}/taken: is a file, not a folder for the run"),
    (["-m", "spmf.render", "--dataset=synthetic", "--out_dir={tmp}/taken"],
     "spmf.render: {tmp}/taken: is a file, not a folder for the run"),
    (["-m", "spmf.render", "--dataset=synthetic", "--out_dir={tmp}/run",
      "--spmf_motion_strides=4,1"],
     "motion_strides must be increasing integers >= 1, got (4, 1)"),
    (["-m", "recognition.train", "--dataset=synthetic", "--output_dir={tmp}/run",
      "--augment_time_warp=1.5"],
     "time_warp must be in [0, 1), got 1.5"),
    (["-m", "lifting.export", "--model_dir={tmp}"],
     "lifting.export: {tmp}/config.json: no lifter config"),
    (["-m", "lifting.evaluate", "--model_dir={tmp}"],
     "lifting.evaluate: {tmp}/config.json: no lifter config"),
    (["-m", "recognition.experiment", "--dataset=msr_action3d", "--protocol=AS1", "--seeds=0,one",
      "--data_dir=/absent", "--output_dir={tmp}/run"],
     "--seeds: integers separated by commas, got '0,one'"),
    (["-m", "recognition.experiment", "--dataset=msr_action3d", "--protocol=AS1",
      "--strategy=multi_worker", "--data_dir=/absent", "--output_dir={tmp}/run"],
     "--strategy=multi_worker: run recognition.search and recognition.train on the cluster"),
])
def test_a_binary_given_a_bad_flag_or_path_prints_one_line_and_fails(tmp_path, argv, message):
    (tmp_path / "taken").write_text("a file where an output folder is asked for")
    result = subprocess.run([sys.executable, *(a.format(tmp=tmp_path) for a in argv)],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines()
             if not line.startswith("Pass --helpshort")]  # absl's hint after a flag error
    assert message.format(tmp=tmp_path) in lines[-1]
