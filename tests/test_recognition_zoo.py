"""The model zoo (pretrained/recognition/): each network scores its manifest figure from the
shipped files alone, and refuses data it was not trained for by name."""
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from common.errors import DataFormatError
from pipeline.pretrained import MANIFEST, MAX_ZOO_ENTRY_BYTES, PRETRAINED
from recognition.deployed import LayoutMismatch
from recognition.zoo import WrongDataset, score_on_test

with open(MANIFEST, encoding="utf-8") as _handle:
    ZOO = {name.split("/", 1)[1]: entry for name, entry in json.load(_handle).items()
           if name.startswith("recognition/")}


def _data_dir(entry: dict, msr_dir, sbu_dir):
    return {"msr_action3d": msr_dir, "sbu": sbu_dir}[entry["dataset"]]


def test_the_zoo_holds_the_cross_subject_and_every_sbu_fold_each_within_4_mb():
    assert {"msr_AS1", "msr_AS2", "msr_AS3"} <= set(ZOO)
    assert {f"sbu_fold{k}" for k in range(1, 6)} <= set(ZOO)
    for name, entry in ZOO.items():
        size = sum(os.path.getsize(os.path.join(PRETRAINED, path)) for path in entry["files"])
        assert size <= MAX_ZOO_ENTRY_BYTES, name
        assert entry["recipe"] and entry["figures"]["floor_sequence_accuracy"] > 0


@pytest.mark.parametrize("name", ["msr_AS1", "sbu_fold1"])
def test_a_zoo_network_scores_its_manifest_figure_in_under_a_minute(name, msr_dir, sbu_dir):
    entry = ZOO[name]
    began = time.perf_counter()
    command = [sys.executable, "-m", "recognition.evaluate",
               f"--model={PRETRAINED}/recognition/{name}",
               f"--data_dir={_data_dir(entry, msr_dir, sbu_dir)}"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    assert time.perf_counter() - began < 60
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    assert printed["sequence_accuracy"] == entry["figures"]["sequence_accuracy"]
    assert printed["test_sequences"] == entry["figures"]["test_sequences"]
    assert printed["protocol"] == entry["protocol"]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ZOO))
def test_every_zoo_network_scores_its_manifest_figure(name, msr_dir, sbu_dir):
    score = score_on_test(f"{PRETRAINED}/recognition/{name}",
                          str(_data_dir(ZOO[name], msr_dir, sbu_dir)))
    assert score["sequence_accuracy"] == ZOO[name]["figures"]["sequence_accuracy"]


def test_another_dataset_is_refused_naming_both(msr_dir, sbu_dir):
    with pytest.raises(WrongDataset, match="msr_action3d network.*sbu"):
        score_on_test(f"{PRETRAINED}/recognition/msr_AS1", str(sbu_dir))
    with pytest.raises(WrongDataset, match="sbu network"):
        score_on_test(f"{PRETRAINED}/recognition/sbu_fold1", str(msr_dir))


def test_another_layout_is_refused(tmp_path, msr_dir):
    copy = tmp_path / "msr_AS1"
    shutil.copytree(f"{PRETRAINED}/recognition/msr_AS1", copy)
    stated = json.loads((copy / "classifier.json").read_text())
    (copy / "classifier.json").write_text(json.dumps({**stated, "layout": "h36m17"}))
    with pytest.raises(LayoutMismatch, match="trained on h36m17"):
        score_on_test(str(copy), str(msr_dir))


@pytest.mark.parametrize("damage", ["weights", "classifier", "config"])
def test_a_damaged_zoo_file_is_named(tmp_path, msr_dir, damage):
    copy = tmp_path / "msr_AS1"
    shutil.copytree(f"{PRETRAINED}/recognition/msr_AS1", copy)
    target = {"weights": "weights_float16.npz", "classifier": "classifier.json",
              "config": "config.json"}[damage]
    data = (copy / target).read_bytes()
    (copy / target).write_bytes(data[:len(data) // 2])
    with pytest.raises(DataFormatError, match=target):
        score_on_test(str(copy), str(msr_dir))
