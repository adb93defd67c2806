"""The one error type every loader raises for unreadable input.

A user who points a loader at a broken file should learn which file and which line is wrong,
not read a numpy traceback. Every loader converts what it finds into this exception.
"""
from __future__ import annotations

import json
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


def read_json(path: str | os.PathLike):
    """The JSON document at PATH; DataFormatError naming PATH when it is cut short or is not
    JSON (FileNotFoundError stays: the caller says what should be there)."""
    try:
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)
    except UnicodeDecodeError as error:
        raise DataFormatError(path, f"not a JSON text file ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise DataFormatError(path, f"not readable JSON, damaged or cut short ({error.msg} "
                                    f"at line {error.lineno})") from None
