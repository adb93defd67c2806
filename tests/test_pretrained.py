"""The models that ship in pretrained/: intact, loadable with no data and no network, and
as good as their manifest says."""
import dataclasses
import json
import os

import numpy as np
import pytest
from absl import flags

from datasets import h36m
from lifting.deployed import PRETRAINED_LIFTERS, DeployedLifter
from lifting.evaluation import evaluate_deployed
from common.run_record import SettingsMismatch, open_run
from pipeline.pretrained import (MANIFEST, MAX_FILE_BYTES, PRETRAINED, require_one_recipe,
                                 sha256)
from recognition.deployed import OWN_LIFTER_DIR, DeployedClassifier


@pytest.fixture(scope="module")
def manifest() -> dict:
    with open(MANIFEST, encoding="utf-8") as handle:
        return json.load(handle)


def test_every_shipped_file_has_its_manifest_sha256_and_fits_in_10_mb(manifest):
    listed = {name: digest for model in manifest.values() for name, digest in
              model["files"].items()}
    on_disk = {os.path.relpath(os.path.join(folder, name), PRETRAINED)
               for folder, _, names in os.walk(PRETRAINED) for name in names
               if "__pycache__" not in folder}
    on_disk -= {"MANIFEST.json", "__init__.py"}  # the package's own files, not a model's
    assert set(listed) == on_disk
    for name, digest in listed.items():
        path = os.path.join(PRETRAINED, name)
        assert sha256(path) == digest, name
        assert os.path.getsize(path) <= MAX_FILE_BYTES, name


@pytest.mark.parametrize("kind", sorted(PRETRAINED_LIFTERS))
def test_the_shipped_lifter_lifts_pixels_of_any_image_size(manifest, kind):
    """(T, 16, 2) pixels of a person 200 px tall in a 320 x 240 image and of the same
    person large and off-centre in a 1920 x 1080 frame: one call each, the same poses."""
    lifter = DeployedLifter.load(kind=kind)
    entry = manifest[_entry(kind)]
    assert lifter.input_normalization == entry["input_normalization"] == "skeleton"
    assert lifter.temporal == (entry.get("lifter_kind", "frame") == "temporal") == (
        kind == "temporal")
    rng = np.random.default_rng(0)
    standing = np.array([[0, 0], [-12, 2], [-13, 45], [-14, 90], [12, 2], [13, 45], [14, 90],
                         [0, -25], [0, -50], [0, -72], [14, -48], [26, -25], [30, -2],
                         [-14, -48], [-26, -25], [-30, -2]], np.float32)
    small = standing[None] + [160, 120] + rng.normal(0, 0.5, (8, 16, 2)).astype(np.float32)
    large = (small - [160, 120]) * 4.3 + [1500, 600]
    poses_small, poses_large = lifter.lift(small), lifter.lift(large)
    assert poses_small.shape == (8, 17, 3)
    np.testing.assert_allclose(poses_small, poses_large, atol=0.5)
    height = poses_small[:, 10, 1] - poses_small[:, 3, 1]  # head above the right foot
    assert np.all(height < -1200)  # y grows downwards: an upright adult, in millimetres


def test_the_shipped_classifier_takes_the_lifters_joints(manifest):
    classifier = DeployedClassifier.load()
    assert classifier.layout == manifest["classifier"]["layout"] == "h36m17"
    assert list(classifier.class_names) == manifest["classifier"]["labels"]
    assert len(classifier.class_names) == 20
    poses = DeployedLifter.load(kind="frame").lift(np.tile(np.float32(
        [[0, 0], [-12, 2], [-13, 45], [-14, 90], [12, 2], [13, 45], [14, 90], [0, -25],
         [0, -50], [0, -72], [14, -48], [26, -25], [30, -2], [-14, -48], [-26, -25],
         [-30, -2]])[None], (30, 1, 1)) + np.linspace(0, 5, 30)[:, None, None])
    probabilities = classifier.classify(poses)
    assert probabilities.shape == (20,) and abs(probabilities.sum() - 1) < 1e-4


def test_the_shipped_interaction_classifier_takes_two_lifted_people(manifest):
    import pretrained
    entry = manifest["interaction"]
    classifier = DeployedClassifier.load(pretrained.path("interaction"))
    assert list(classifier.class_names) == entry["labels"] and len(entry["labels"]) == 8
    assert classifier.layout == entry["layout"] == "h36m17" and entry["people"] == 2
    assert entry["protocol"] == "every_set" and entry["skeleton_source"] == "lifted"
    figures = entry["figures"]
    assert sorted(figures["per_sequence_accuracy_percent"]) == [f"fold{k}" for k in range(1, 6)]
    assert figures["pairs_found"] == figures["test_sequences"] == 282
    pose = np.random.default_rng(0).normal(0, 200, (30, 2 * 17, 3)).astype(np.float32)
    assert classifier.classify(pose).shape == (8,)


def _entry(kind: str) -> str:
    """The manifest entry of the shipped lifter of KIND."""
    return os.path.relpath(PRETRAINED_LIFTERS[kind], PRETRAINED)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(PRETRAINED_LIFTERS))
def test_the_shipped_lifter_scores_its_manifest_figure_on_s9_and_s11(manifest, h36m_dir, kind):
    report = evaluate_deployed(DeployedLifter.load(kind=kind), h36m.load(str(h36m_dir)))
    figures = manifest[_entry(kind)]["figures"]
    assert abs(report["average"]["p1"] - figures["protocol_1_mm"]) < 0.1
    assert abs(report["average"]["p2"] - figures["protocol_2_mm"]) < 0.1


@dataclasses.dataclass(frozen=True)
class _Images:
    jitter_mm: float = 10.0
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class _Data:
    protocol: str = "every_set"
    images: _Images = _Images()


@dataclasses.dataclass(frozen=True)
class _Run:
    output_dir: str
    seed: int = 0
    data: _Data = _Data()


def test_the_interaction_figures_must_come_from_the_shipped_runs_recipe(tmp_path):
    """Cross-fold runs that differ from the every-set run by their split, seed and folder
    vouch for it; one trained with other noise is refused by name and field."""
    shipped, same, other = (str(tmp_path / name) for name in ("ship", "fold1", "fold2"))
    open_run(shipped, _Run(shipped))
    open_run(same, _Run(same, seed=3, data=_Data("fold1", _Images(seed=3))))
    open_run(other, _Run(other, data=_Data("fold2", _Images(jitter_mm=30.0))))
    require_one_recipe(shipped, [same])
    refusal = r"fold2.*data\.images\.jitter_mm 10\.0 there, 30\.0"
    with pytest.raises(SettingsMismatch, match=refusal):
        require_one_recipe(shipped, [same, other])


def _recipe_flags(path: str) -> dict[str, str]:
    """{flag: value} of a recipe file as absl expands it (its --flagfile includes too)."""
    return dict(argument.lstrip("-").partition("=")[::2]
                for argument in flags.FLAGS.read_flags_from_files([f"--flagfile={path}"]))


def test_the_shipped_interaction_classifier_was_trained_with_its_manifest_recipe(manifest):
    """The noise, the swap and the lifter the manifest's recipe names are the ones the shipped
    weights' own record holds: the figure beside them is that recipe's."""
    recipe = _recipe_flags(manifest["interaction"]["recipe"])
    with open(os.path.join(PRETRAINED, "interaction", "config.json"), encoding="utf-8") as f:
        data = json.load(f)["settings"]["data"]
    augment = data["images"]["augment"]
    assert augment["jitter_mm"] == float(recipe["augment_jitter_mm"])
    assert augment["swap_people"] == ("augment_swap_people" in recipe)
    # The recipe reads the lifter shipped beside the classifier, a copy of the one the run
    # read (the shipped temporal lifter of its day, replaced since).
    assert os.path.normpath(recipe["lifter"]) == os.path.join("pretrained", "interaction",
                                                              OWN_LIFTER_DIR)
    assert f"a copy of {data['lifter']}" in manifest["interaction"]["own_lifter"]
    assert data["protocol"] == recipe["protocol"] == "every_set"
