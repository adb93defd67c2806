"""The model zoo (pretrained/recognition/): each network scores its manifest figure from the
shipped files alone, and refuses data it was not trained for by name."""
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from common.errors import DataFormatError
from datasets.msr_action3d import load
from pipeline.pretrained import MANIFEST, MAX_ZOO_ENTRY_BYTES, PRETRAINED
from recognition.deployed import (ENSEMBLE_FILE, DeployedClassifier, LayoutMismatch,
                                  compact_members)
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


def _one_network(name: str, folder) -> str:
    """A copy in FOLDER of the zoo entry NAME's (first) network, a compact folder."""
    shutil.copytree(compact_members(f"{PRETRAINED}/recognition/{name}")[0], folder)
    return folder


def test_another_layout_is_refused(tmp_path, msr_dir):
    copy = _one_network("msr_AS1", tmp_path / "msr_AS1")
    stated = json.loads((copy / "classifier.json").read_text())
    (copy / "classifier.json").write_text(json.dumps({**stated, "layout": "h36m17"}))
    with pytest.raises(LayoutMismatch, match="trained on h36m17"):
        score_on_test(str(copy), str(msr_dir))


@pytest.mark.parametrize("damage", ["weights", "classifier", "config"])
def test_a_damaged_zoo_file_is_named(tmp_path, msr_dir, damage):
    copy = _one_network("msr_AS1", tmp_path / "msr_AS1")
    target = {"weights": "weights_float16.npz", "classifier": "classifier.json",
              "config": "config.json"}[damage]
    data = (copy / target).read_bytes()
    (copy / target).write_bytes(data[:len(data) // 2])
    with pytest.raises(DataFormatError, match=target):
        score_on_test(str(copy), str(msr_dir))


def _ensemble_of(folder, *members) -> str:
    """FOLDER as an ensemble of the compact folders MEMBERS (copied in as member<k>/)."""
    names = []
    for index, member in enumerate(members):
        shutil.copytree(member, folder / f"member{index}")
        names.append(f"member{index}")
    (folder / ENSEMBLE_FILE).write_text(json.dumps({"members": names}))
    return str(folder)


def test_an_ensemble_gives_the_mean_of_its_members_probabilities(tmp_path, msr_dir):
    first = _one_network("msr_AS1", tmp_path / "first")
    second = _one_network("msr_AS1", tmp_path / "second")
    stated = json.loads((second / "classifier.json").read_text())
    stated["channel_mean"] = [value + 20 for value in stated["channel_mean"]]
    (second / "classifier.json").write_text(json.dumps(stated))
    ensemble = DeployedClassifier.load(_ensemble_of(tmp_path / "both", first, second))
    joints = [sequence.joints for sequence in load(str(msr_dir)).sequences[:4]]
    each = [DeployedClassifier.load(str(path)).classify_many(joints) for path in (first, second)]
    assert not np.allclose(each[0], each[1])
    np.testing.assert_allclose(ensemble.classify_many(joints), (each[0] + each[1]) / 2,
                               atol=1e-6)
    assert ensemble.class_names == DeployedClassifier.load(str(first)).class_names


def test_an_ensemble_of_other_label_sets_or_a_member_outside_is_refused(tmp_path):
    mixed = _ensemble_of(tmp_path / "mixed", _one_network("msr_AS1", tmp_path / "a"),
                         _one_network("sbu_fold1", tmp_path / "b"))
    with pytest.raises(DataFormatError, match="member1.*not one ensemble"):
        DeployedClassifier.load(mixed)
    (tmp_path / "mixed" / ENSEMBLE_FILE).write_text(json.dumps({"members": ["../a"]}))
    with pytest.raises(DataFormatError, match="member folders inside it"):
        DeployedClassifier.load(mixed)
