"""`pip install .` (not editable) into a fresh virtual environment serves a user in any
folder: `python -m pipeline.run` with the shipped models, and the README's Python API."""
import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.test_pipeline_run import _two_people_folder

pytestmark = pytest.mark.slow  # a virtual environment, an install and a pipeline run

API = """
import json, numpy as np
import pretrained
from lifting.deployed import DeployedLifter
from recognition.deployed import DeployedClassifier
keypoints = np.load("keypoints.npy")
poses = DeployedLifter.load().lift(keypoints)
probabilities = DeployedClassifier.load().classify(poses)
from recognition.interaction import classify_pair
interactions = DeployedClassifier.load(pretrained.path("interaction"))
pair = classify_pair(interactions, poses, poses, keypoints, keypoints + [300, 0], focal_px=1000)
print(json.dumps({"pretrained": pretrained.FOLDER, "poses": list(poses.shape),
                  "probabilities": float(probabilities.sum()), "pair": list(pair.shape)}))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> str:
    """The python of a new venv with the project pip-installed from the checkout; the
    dependencies come from this interpreter's site-packages (no download), the project itself
    only from the install."""
    import tensorflow
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    site = glob.glob(str(venv / "lib" / "python3*" / "site-packages"))[0]
    dependencies = os.path.dirname(os.path.dirname(tensorflow.__file__))
    with open(os.path.join(site, "dependencies.pth"), "w", encoding="utf-8") as handle:
        handle.write(dependencies + "\n")  # a plain path: its own .pth files are not run
    python = str(venv / "bin" / "python")
    # a copy of the sources: a build in the checkout would leave build/ there, whose stale
    # copies of removed modules a later install would ship
    source = tmp_path_factory.mktemp("source") / "project"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "runs", "*.egg-info", "__pycache__", "tests"))
    done = subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--no-build-isolation", "--no-index", str(source)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return python


def _clean_environment() -> dict:
    return {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}


def test_the_pipeline_runs_from_another_folder_with_the_shipped_models(installed, tmp_path):
    folder = _two_people_folder(tmp_path / "json", apart=300)  # near enough to pair
    done = subprocess.run([installed, "-m", "pipeline.run", f"--openpose_dir={folder}",
                           "--out_dir=out", "--max_people=2", "--nooverlay"],
                          cwd=tmp_path, env=_clean_environment(), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert [person["track_id"] for person in summary["people"]] == [0, 1]
    assert all(person["action"] for person in summary["people"])
    record = json.loads((tmp_path / "out" / "track_0" / "action.json").read_text())
    assert "site-packages" in record["classifier"] and REPO.name not in record["classifier"]
    assert [pair["track_ids"] for pair in summary["pairs"]] == [[0, 1]]
    pair = json.loads((tmp_path / "out" / "pair_0_1" / "interaction.json").read_text())
    assert "site-packages" in pair["classifier"] and len(pair["top5"]) == 5


def test_the_readme_python_api_runs_from_another_folder(installed, tmp_path):
    import numpy as np
    from datasets import synthetic
    from datasets.geometry import project
    from datasets.layouts import h36m17_to_16
    generated = synthetic.generate(0)
    sequence = generated.sequences.sequences[0]
    pixels = project(sequence.joints, generated.corpus.cameras["S9"][0])
    np.save(tmp_path / "keypoints.npy", h36m17_to_16(pixels).astype(np.float32))
    done = subprocess.run([installed, "-c", API], cwd=tmp_path, env=_clean_environment(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "site-packages" in result["pretrained"]
    assert result["poses"][1:] == [17, 3] and abs(result["probabilities"] - 1) < 1e-4
    assert result["pair"] == [8]  # pretrained/interaction ships with the install
