"""Strict reading of numeric text tables (MSR Action3D, SBU): fast, and loud about errors.

The whole file is converted by one numpy call; only when the structure or a value is wrong do
we walk the lines one by one to name the exact line that is broken.
"""
from __future__ import annotations

import os

import numpy as np

from common.errors import DataFormatError, require_file


def _first_bad_line(lines: list[str], num_columns: int, separator: str | None) -> tuple[int, str]:
    """Returns (1-based line number, problem) of the first malformed line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.strip().split(separator)
        if len(fields) != num_columns:
            return number, f"expected {num_columns} values, found {len(fields)}"
        for field in fields:
            try:
                float(field)
                if separator and len(field.split()) != 1:
                    raise ValueError
            except ValueError:
                return number, f"not a number: {field.strip()!r}"
    raise AssertionError("no malformed line found")  # callers only ask when one exists


def read_table(path: str | os.PathLike, num_columns: int, separator: str | None = None
               ) -> np.ndarray:
    """Reads a text file of `num_columns` numbers per non-blank line into (rows, columns).

    Raises DataFormatError naming the file and line for an empty file, a line with the wrong
    number of values, or a value that is not a number.
    """
    path = require_file(path)
    with open(path, "r", encoding="ascii", errors="replace") as handle:
        text = handle.read()
    all_lines = text.splitlines()
    lines = [line for line in all_lines if line.strip()]
    if not lines:
        raise DataFormatError(path, "file is empty")
    if any(len(line.split(separator)) != num_columns for line in lines):
        number, problem = _first_bad_line(all_lines, num_columns, separator)
        raise DataFormatError(path, problem, line=number)
    tokens = text.replace(separator, " ").split() if separator else text.split()
    try:
        values = np.array(tokens, dtype=np.float64)
        if values.size != len(lines) * num_columns:  # an empty field, or a space inside one
            raise ValueError
    except ValueError:
        number, problem = _first_bad_line(all_lines, num_columns, separator)
        raise DataFormatError(path, problem, line=number) from None
    return values.reshape(len(lines), num_columns)
