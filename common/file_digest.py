"""The SHA-256 of a file, read in blocks: how model files, shipped models and checkpoints are
identified."""
from __future__ import annotations

import hashlib
import os


def sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
