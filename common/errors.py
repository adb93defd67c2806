"""The one error type every loader raises for unreadable input.

A user who points a loader at a broken file should learn which file and which line is wrong,
not read a numpy traceback. Every loader converts what it finds into this exception.
"""
from __future__ import annotations

import os


class DataFormatError(ValueError):
    """Input that cannot be read: names the file (and the line, where there is one)."""

    def __init__(self, path: str | os.PathLike, problem: str, line: int | None = None):
        self.path = os.fspath(path)
        self.line = line
        self.problem = problem
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {problem}")


def require_dir(path: str | os.PathLike) -> str:
    """Returns `path` as a string, or raises DataFormatError when it is not a folder."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise DataFormatError(path, "folder does not exist")
    return path


def require_file(path: str | os.PathLike) -> str:
    """Returns `path` as a string, or raises DataFormatError when it is not a file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DataFormatError(path, "file does not exist")
    return path
