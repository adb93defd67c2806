"""Keras's BackupAndRestore made safe against a kill or a full disk at any moment.

Keras rewrites `backup/latest.weights.h5` and `training_metadata.json` in place: a run killed
while the weights file is half written can never resume (`file signature not found`), and
the epoch in the metadata can disagree with the weights. Here every backup is one folder,
`backup/epoch-<E>`, holding both files, written under a staging name and renamed into place
only once complete (`common.atomic.replace_directory`); the two newest are kept. A rerun
resumes from the newest complete folder and recovers what an interrupted write left.
"""
from __future__ import annotations

import errno
import glob
import json
import os
import re
import shutil

import keras
import numpy as np
from absl import logging

from common.atomic import (PREVIOUS_SUFFIX, recover_interrupted_replace, replace_directory,
                             write_text)
from common.errors import DataFormatError
from common.weights_file import read_arrays

_FOLDER = re.compile(r"^epoch-(\d+)$")
_STAGING = re.compile(r"^\.staging-(epoch-\d+)-")
WEIGHTS_FILE, _METADATA = "latest.weights.h5", "training_metadata.json"
_RANDOM_STATE = "random_state.npz"
_BACKUP_FILES = (WEIGHTS_FILE, _METADATA, _RANDOM_STATE)
KEEP = 2


def require_space(folder: str, needed: int) -> None:
    """Raises OSError(ENOSPC) naming FOLDER when its file system has less than NEEDED bytes
    free: checked before a weights file is written, because h5py writing into a full disk
    fails deep inside HDF5 and can crash the interpreter on the way out."""
    existing = os.path.abspath(folder)
    while not os.path.isdir(existing):  # the folder is made only by the write itself
        existing = os.path.dirname(existing)
    free = shutil.disk_usage(existing).free
    if free < needed:
        raise OSError(errno.ENOSPC, f"No space left on device: {needed / 2 ** 20:.1f} MB "
                      f"needed, {free / 2 ** 20:.1f} MB free", folder)


def weights_bytes(model) -> int:
    """The bytes of MODEL's weights, as a weights file holds them (less its structure)."""
    return sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize for w in model.weights)


class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):
    """BackupAndRestore at epoch ends whose every backup is complete or absent."""

    def __init__(self, backup_dir: str, write_dir: str | None = None):
        """Resumes from BACKUP_DIR and writes there, or to WRITE_DIR when given (a
        multi-worker run: every worker resumes from the chief's backups, only the chief's
        writes land in the run folder)."""
        super().__init__(backup_dir, save_freq="epoch", delete_checkpoint=False)
        self.write_dir = write_dir or backup_dir

    def complete_backups(self) -> list[tuple[int, str]]:
        """(epoch, folder) of every finished backup, oldest first."""
        found = []
        for folder in glob.glob(os.path.join(glob.escape(self.backup_dir), "epoch-*")):
            match = _FOLDER.match(os.path.basename(folder))
            if match and all(os.path.isfile(os.path.join(folder, name))
                             for name in _BACKUP_FILES):
                found.append((int(match.group(1)), folder))
        return sorted(found)

    def _recover_interrupted_writes(self) -> None:
        """Every backup folder a kill interrupted, recovered as replace_directory does."""
        names = {os.path.basename(path).removesuffix(PREVIOUS_SUFFIX)
                 for path in glob.glob(os.path.join(glob.escape(self.backup_dir), "*"
                                                    + PREVIOUS_SUFFIX))}
        names |= {match.group(1) for path in glob.glob(os.path.join(
            glob.escape(self.backup_dir), ".staging-*"))
            if (match := _STAGING.match(os.path.basename(path)))}
        for name in sorted(names):
            logging.info("recovering %s from an interrupted backup", name)
            recover_interrupted_replace(os.path.join(self.backup_dir, name))

    def on_train_begin(self, logs=None):
        if os.path.isdir(self.backup_dir) and self.write_dir == self.backup_dir:
            self._recover_interrupted_writes()
        require_space(self.write_dir, self._backup_bytes())
        backups = self.complete_backups()
        for epoch, folder in reversed(backups):  # the newest that loads
            try:
                self._restore(folder)
            except (OSError, ValueError, KeyError) as error:
                logging.warning("%s: a damaged backup (%s); trying an older one", folder,
                                str(error).splitlines()[0])
                continue
            logging.info("resuming from %s (after epoch %d)", folder, epoch)
            return
        if backups:
            raise DataFormatError(backups[-1][1], "every backup is damaged; move backup/ "
                                  "away to start the run afresh")

    def _restore(self, folder: str) -> None:
        """The weights, epoch and random state of the backup in FOLDER."""
        self._weights_path = os.path.join(folder, WEIGHTS_FILE)
        self._training_metadata_path = os.path.join(folder, _METADATA)
        self._load_model()
        self._load_random_state(os.path.join(folder, _RANDOM_STATE))

    def _backup_bytes(self) -> int:
        """The room one more backup takes: the newest one's size, or before the first, the
        weights three times over (an optimizer keeps up to two slots per weight), plus 1 MB
        of file structure."""
        backups = self.complete_backups()
        if backups:
            size = sum(os.path.getsize(os.path.join(backups[-1][1], name))
                       for name in _BACKUP_FILES)
        else:
            size = 3 * weights_bytes(self.model)
        return size + 2 ** 20

    def _random_state(self) -> list:
        """The model's variables that are not weights: the seed generators' states (dropout
        masks), which `save_weights` leaves out. Without them a resumed run draws other
        masks than an uninterrupted one."""
        weights = {id(weight) for weight in self.model.weights}
        return [variable for variable in self.model.variables if id(variable) not in weights]

    def _load_random_state(self, path: str) -> None:
        variables = self._random_state()
        saved = read_arrays(path)
        if len(saved) != len(variables):
            raise ValueError(f"{path}: {len(saved)} random states for a model with "
                             f"{len(variables)}; the backup is of another model")
        for index, variable in enumerate(variables):
            variable.assign(saved[f"state_{index}"])

    def _save_model(self):
        folder = os.path.join(self.write_dir, f"epoch-{self._current_epoch}")
        require_space(self.write_dir, self._backup_bytes())

        def write(staging: str) -> None:
            os.makedirs(staging)
            self.model.save_weights(os.path.join(staging, WEIGHTS_FILE))
            write_text(os.path.join(staging, _METADATA),
                       json.dumps({"epoch": self._current_epoch, "batch": 0}))
            np.savez(os.path.join(staging, _RANDOM_STATE),
                     **{f"state_{index}": keras.ops.convert_to_numpy(variable)
                        for index, variable in enumerate(self._random_state())})

        replace_directory(folder, write)
        if self.write_dir == self.backup_dir:
            for _, old in self.complete_backups()[:-KEEP]:
                shutil.rmtree(old, ignore_errors=True)
