"""The models shipped with the project, found where the package is installed.

The folder is a package so that `pip install .` (not only an editable install) carries its
files into site-packages; `path()` finds them there or in a checkout alike.
"""
from __future__ import annotations

import os

FOLDER = os.path.dirname(os.path.abspath(__file__))


def path(*parts: str) -> str:
    """The shipped file or folder PARTS below `pretrained/`."""
    return os.path.join(FOLDER, *parts)
