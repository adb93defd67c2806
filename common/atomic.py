"""Atomic file output: a reader never sees half a file, and a crash never destroys the old one."""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from typing import Callable, Iterator


def _umask_mode() -> int:
    """The mode a plain `open(path, "w")` would give a new file: 0666 less the umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yields a temporary path beside PATH; on success it replaces PATH in one rename."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    # Keep the whole name as suffix: writers pick formats by it (".png", ".weights.h5").
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-",
                                         suffix="-" + os.path.basename(path))
    os.close(handle)
    try:
        yield temporary
        if os.path.exists(temporary):  # mkstemp makes it 0600; give it the user's umask
            os.chmod(temporary, _umask_mode())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Writes TEXT to PATH atomically."""
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)


PREVIOUS_SUFFIX = ".previous"


def _staging_prefix(path: str) -> str:
    return f".staging-{os.path.basename(path)}-"


def recover_interrupted_replace(path: str | os.PathLike) -> None:
    """Deals with what a `replace_directory(PATH, ...)` killed midway left: its staging
    folders are removed, and PATH.previous is put back if it is the only copy (killed between
    the two renames) or removed if the new PATH landed."""
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path))
    pattern = glob.escape(_staging_prefix(path)) + "*"
    for leftover in glob.glob(os.path.join(glob.escape(parent), pattern)):
        shutil.rmtree(leftover, ignore_errors=True)
    previous = path + PREVIOUS_SUFFIX
    if not os.path.exists(previous):
        return
    if os.path.exists(path):
        shutil.rmtree(previous, ignore_errors=True)
    else:
        os.replace(previous, path)


def replace_directory(path: str | os.PathLike, write: Callable[[str], None]) -> None:
    """Calls WRITE(folder) on a staging folder beside PATH, then swaps it in for PATH.

    The previous PATH (e.g. an earlier SavedModel export) stays whole until the new one is
    complete; the swap is two renames. What a killed earlier call left is dealt with first
    (`recover_interrupted_replace`).
    """
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    recover_interrupted_replace(path)
    previous = path + PREVIOUS_SUFFIX
    staging = tempfile.mkdtemp(dir=parent, prefix=_staging_prefix(path))
    try:
        write(os.path.join(staging, "content"))
        if os.path.exists(path):
            os.replace(path, previous)
        os.replace(os.path.join(staging, "content"), path)
        shutil.rmtree(previous, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
