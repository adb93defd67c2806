"""The record a binary leaves in its run folder: its settings, command line and versions.

A folder of images or a trained model is only useful when it says how it was made, so every
binary writes `config.json` beside its outputs: the settings dataclass in full (nested
dataclasses included), the command that ran and the versions that ran it.
"""
from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import os
import platform
import sys
from typing import Any

from datasets.atomic import write_text

CONFIG_FILE = "config.json"
_PACKAGES = ("tensorflow", "keras", "numpy", "opencv-python-headless", "unified-pose-action")


def versions() -> dict[str, str]:
    """Python's and the installed packages' versions ("absent" when one is not installed)."""
    found = {"python": platform.python_version()}
    for package in _PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "absent"
    return found


def record(settings: Any) -> dict[str, Any]:
    """SETTINGS (a dataclass) with the command line and versions, as JSON-ready data."""
    return {"settings": dataclasses.asdict(settings), "command": list(sys.argv),
            "versions": versions()}


def write_config(folder: str | os.PathLike, settings: Any) -> str:
    """Writes FOLDER/config.json atomically; returns its path."""
    path = os.path.join(os.fspath(folder), CONFIG_FILE)
    write_text(path, json.dumps(record(settings), indent=2) + "\n")
    return path
