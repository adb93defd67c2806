"""Backups that survive a kill at any moment, and exports whose interrupted swap recovers."""
import os

import keras
import numpy as np
import pytest

from common.backup import AtomicBackupAndRestore
from common.callbacks import StopOnNonFiniteLoss
from common.run_record import NonFiniteLoss
from common.atomic import replace_directory


def _fit(backup_dir, epochs, fail_on_save=None):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    callback = AtomicBackupAndRestore(str(backup_dir))
    if fail_on_save is not None:  # the disk fills (or the process dies) mid-write
        original, calls = model.save_weights, []

        def save_weights(path, *args, **kwargs):
            calls.append(path)
            if len(calls) == fail_on_save:
                with open(path, "wb") as handle:
                    handle.write(b"\x89HDF half a file")
                raise OSError(28, "No space left on device")
            original(path, *args, **kwargs)

        model.save_weights = save_weights
    data = np.ones((8, 3), np.float32), np.zeros((8, 2), np.float32)
    history = model.fit(*data, epochs=epochs, verbose=0, callbacks=[callback])
    return model, history


def test_a_backup_write_that_fails_leaves_the_previous_one_to_resume_from(tmp_path):
    with pytest.raises(OSError, match="No space"):
        _fit(tmp_path, epochs=3, fail_on_save=3)  # epochs 1 and 2 backed up, 3's write fails
    names = sorted(os.listdir(tmp_path))
    assert "epoch-2" in names and "epoch-3" not in names
    model, history = _fit(tmp_path, epochs=4)
    assert len(history.history["loss"]) == 2  # resumed after epoch 2: epochs 3 and 4 run
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".staging")]
    assert sorted(os.listdir(tmp_path)) == ["epoch-3", "epoch-4"]  # the two newest kept


def test_an_export_swap_killed_between_its_renames_is_recovered(tmp_path):
    target = tmp_path / "export"

    def write(text):
        return lambda folder: (os.makedirs(folder), (open(os.path.join(folder, "f"), "w")
                                                     .write(text)))

    replace_directory(target, write("one"))
    os.replace(target, str(target) + ".previous")  # killed after the first rename
    (tmp_path / ".staging-export-left").mkdir()     # and its staging folder left behind
    replace_directory(target, write("two"))
    assert (target / "f").read_text() == "two"
    assert sorted(os.listdir(tmp_path)) == ["export"]


def test_a_loss_that_turns_nan_stops_the_run_before_anything_is_saved(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    inputs = np.ones((8, 3), np.float32)
    inputs[5, 1] = np.nan  # one poisoned value
    with pytest.raises(NonFiniteLoss, match="epoch 1, batch 2"):
        model.fit(inputs, np.zeros((8, 2), np.float32), batch_size=4, epochs=2, verbose=0,
                  shuffle=False, callbacks=[StopOnNonFiniteLoss(),
                                            AtomicBackupAndRestore(str(tmp_path / "backup"))])
    assert not (tmp_path / "backup").exists()
