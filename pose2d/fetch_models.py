"""Fills the model cache from registry packages, the documented set-up step (no other network).

    python -m pose2d.fetch_models [--out_dir=DIR]

The mediapipe==0.10.21 wheel (PyPI, 35 MB, downloaded with pip, not installed) holds the
detector and the full landmark model; the @mediapipe/pose npm package (40 MB, `npm pack`)
holds the lite model. Each file is checked against its known sha256 and written atomically.
Without npm the lite model is skipped (the full model is then the one available).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

from absl import app, flags, logging

from common.file_digest import sha256
from common.atomic import atomic_path
from pose2d import model_files

FLAGS = flags.FLAGS
WHEEL = "mediapipe==0.10.21"
WHEEL_MEMBERS = {model_files.DETECTOR: "mediapipe/modules/pose_detection/pose_detection.tflite",
                 model_files.LANDMARKS["full"]:
                     "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"}
NPM_PACKAGE = "@mediapipe/pose"
NPM_MEMBERS = {model_files.LANDMARKS["lite"]: "package/pose_landmark_lite.tflite"}


def _store(name: str, data: bytes, out_dir: str) -> str:
    path = os.path.join(out_dir, name)
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as handle:
            handle.write(data)
        digest = sha256(temporary)
        if digest not in model_files.KNOWN_SHA256[name]:
            raise RuntimeError(f"{name} from the registry has sha256 {digest}, not a known one")
    return path


def from_wheel(work: str, out_dir: str) -> list[str]:
    subprocess.run([sys.executable, "-m", "pip", "download", WHEEL, "--no-deps", "-d", work],
                   check=True)
    wheel = next(os.path.join(work, f) for f in os.listdir(work) if f.endswith(".whl"))
    with zipfile.ZipFile(wheel) as archive:
        return [_store(name, archive.read(member), out_dir)
                for name, member in WHEEL_MEMBERS.items()]


def from_npm(work: str, out_dir: str) -> list[str]:
    if shutil.which("npm") is None:
        logging.warning("npm not found: %s skipped (use --model=full)",
                        ", ".join(NPM_MEMBERS))
        return []
    subprocess.run(["npm", "pack", NPM_PACKAGE], cwd=work, check=True, capture_output=True)
    package = next(os.path.join(work, f) for f in os.listdir(work) if f.endswith(".tgz"))
    with tarfile.open(package) as archive:
        return [_store(name, archive.extractfile(member).read(), out_dir)
                for name, member in NPM_MEMBERS.items()]


def main(argv: list[str]) -> None:
    del argv
    os.makedirs(FLAGS.out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        written = from_wheel(work, FLAGS.out_dir) + from_npm(work, FLAGS.out_dir)
    for path in written:
        print(path)


if __name__ == "__main__":
    flags.DEFINE_string("out_dir", model_files.CACHE, "Where the model files go.")
    app.run(main)
