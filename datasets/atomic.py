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


def _recover_interrupted_swap(path: str, previous: str) -> None:
    if not os.path.exists(previous):
        return
    if os.path.exists(path):
        shutil.rmtree(previous, ignore_errors=True)
    else:
        os.replace(previous, path)


def replace_directory(path: str | os.PathLike, write: Callable[[str], None]) -> None:
    """Calls WRITE(folder) on a staging folder beside PATH, then swaps it in for PATH.

    The previous PATH (e.g. an earlier SavedModel export) stays whole until the new one is
    complete; the swap is two renames. What a killed earlier call left is dealt with first:
    its staging folders are removed, and a PATH.previous is either the only copy (killed
    between the renames: it is put back) or stale (removed).
    """
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    previous = path + ".previous"
    _recover_interrupted_swap(path, previous)
    prefix = f".staging-{os.path.basename(path)}-"
    for leftover in glob.glob(os.path.join(glob.escape(parent), glob.escape(prefix) + "*")):
        shutil.rmtree(leftover, ignore_errors=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=prefix)
    try:
        write(os.path.join(staging, "content"))
        if os.path.exists(path):
            os.replace(path, previous)
        os.replace(os.path.join(staging, "content"), path)
        shutil.rmtree(previous, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
