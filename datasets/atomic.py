"""Atomic file output: a reader never sees half a file, and a crash never destroys the old one."""
from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Iterator


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
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Writes TEXT to PATH atomically."""
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
