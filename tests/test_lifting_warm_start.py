"""--init_from: which stream seeds which, the inherited statistics, and refused sources."""
import os

import numpy as np
import pytest

from lifting.config import LifterConfig, load_trained
from lifting.model import build_lifter
from lifting.trainer import TrainSettings, train
from lifting.warm_start import assign_sources, copy_stream_weights


def _randomised(model):
    """MODEL with every weight (BN statistics too) drawn at random, so copies are visible."""
    rng = np.random.default_rng(7)
    for layer in model.layers:
        layer.set_weights([rng.uniform(0.5, 1.5, w.shape) for w in layer.get_weights()])
    return model


def test_a_same_named_stream_copies_and_a_single_stream_seeds_any_other():
    assert assign_sources(["detected"], [["gt", "detected"]], ["a"]) == {
        "detected": (0, "detected")}
    assert assign_sources(["gt", "detected"], [["gt"]], ["a"]) == {"gt": (0, "gt"),
                                                                  "detected": (0, "gt")}


def test_several_sources_seed_streams_by_name_only():
    assert assign_sources(["gt", "detected"], [["gt"], ["detected"]], ["a", "b"]) == {
        "gt": (0, "gt"), "detected": (1, "detected")}
    with pytest.raises(ValueError, match="a,b has a 'detected' stream"):
        assign_sources(["gt", "detected"], [["gt"], ["gt"]], ["a", "b"])
    with pytest.raises(ValueError, match="b would seed no stream"):
        assign_sources(["gt"], [["gt"], ["gt"]], ["a", "b"])


def test_a_gt_stream_seeds_both_streams_of_the_paper_model():
    source = _randomised(build_lifter(["gt"], width=32))
    target = build_lifter(width=32)
    copy_stream_weights([source], target, ["source"])
    x = np.random.default_rng(0).normal(size=(6, 32)).astype(np.float32)
    expected = source({"gt_2d": x}, training=False)
    np.testing.assert_allclose(target({"gt_2d": x, "detected_2d": x}, training=False),
                               expected, rtol=1e-5)


def test_a_two_stream_source_copies_each_stream_by_name():
    source = _randomised(build_lifter(width=32))
    target = build_lifter(["detected"], width=32)
    copy_stream_weights([source], target, ["source"])
    for layer in target.layers:
        for mine, theirs in zip(layer.get_weights(), source.get_layer(layer.name).get_weights()):
            np.testing.assert_array_equal(mine, theirs)


@pytest.fixture(scope="module")
def gt_model_dir(tmp_path_factory):
    model_dir = str(tmp_path_factory.mktemp("gt"))
    train(TrainSettings(model_dir=model_dir, dataset="synthetic", epochs=1, batch_size=256,
                        architecture=LifterConfig(streams=("gt",), width=32),
                        jit_compile=False))
    return model_dir


def test_training_from_a_model_dir_starts_from_its_weights_and_statistics(gt_model_dir,
                                                                           tmp_path):
    settings = TrainSettings(model_dir=str(tmp_path), dataset="synthetic", epochs=0,
                             architecture=LifterConfig(streams=("detected",), width=32),
                             init_from=(gt_model_dir,), jit_compile=False)
    train(settings)
    source, source_norm, _ = load_trained(gt_model_dir)
    model, norm, _ = load_trained(str(tmp_path))
    np.testing.assert_array_equal(norm.mean_2d, source_norm.mean_2d)
    x = np.random.default_rng(1).normal(size=(4, 32)).astype(np.float32)
    np.testing.assert_allclose(model({"detected_2d": x}, training=False),
                               source({"gt_2d": x}, training=False), rtol=1e-6)


@pytest.mark.parametrize("architecture, complaint", [
    (LifterConfig(streams=("detected",), width=64), "same shapes"),
    (LifterConfig(streams=("detected",), width=32, activation="relu"), "same activation"),
])
def test_a_source_of_another_width_or_activation_is_refused_naming_it(gt_model_dir, tmp_path,
                                                                     architecture, complaint):
    settings = TrainSettings(model_dir=str(tmp_path), dataset="synthetic", epochs=0,
                             architecture=architecture, init_from=(gt_model_dir,),
                             jit_compile=False)
    with pytest.raises(ValueError, match=f"{gt_model_dir}.*{complaint}"):
        train(settings)
    assert not os.listdir(tmp_path)  # nothing written that a corrected rerun would trip on


@pytest.fixture(scope="module")
def detected_model_dir(gt_model_dir, tmp_path_factory):
    """A detection stream trained on from the GT stream, so it shares its statistics."""
    model_dir = str(tmp_path_factory.mktemp("detected"))
    train(TrainSettings(model_dir=model_dir, dataset="synthetic", epochs=1, batch_size=256,
                        architecture=LifterConfig(streams=("detected",), width=32),
                        init_from=(gt_model_dir,), jit_compile=False))
    return model_dir


def test_streams_trained_apart_assemble_the_two_stream_model(gt_model_dir, detected_model_dir,
                                                             tmp_path):
    train(TrainSettings(model_dir=str(tmp_path), dataset="synthetic", epochs=0,
                        architecture=LifterConfig(width=32),
                        init_from=(gt_model_dir, detected_model_dir), jit_compile=False))
    model, _, _ = load_trained(str(tmp_path))
    gt_stream, _, _ = load_trained(gt_model_dir)
    detected_stream, _, _ = load_trained(detected_model_dir)
    rng = np.random.default_rng(2)
    x, y = (rng.normal(size=(4, 32)).astype(np.float32) for _ in range(2))
    expected = (np.asarray(gt_stream({"gt_2d": x}, training=False))
                + np.asarray(detected_stream({"detected_2d": y}, training=False))) / 2
    np.testing.assert_allclose(model({"gt_2d": x, "detected_2d": y}, training=False), expected,
                               rtol=1e-5, atol=1e-6)


def test_sources_with_different_statistics_are_refused_naming_them(gt_model_dir,
                                                                   tmp_path_factory, tmp_path):
    other = str(tmp_path_factory.mktemp("other_data"))
    train(TrainSettings(model_dir=other, dataset="synthetic", epochs=0, seed=1,
                        architecture=LifterConfig(streams=("detected",), width=32),
                        jit_compile=False))
    settings = TrainSettings(model_dir=str(tmp_path), dataset="synthetic", epochs=0,
                             architecture=LifterConfig(width=32),
                             init_from=(gt_model_dir, other), jit_compile=False)
    with pytest.raises(ValueError, match=f"{other} and {gt_model_dir} .*different normalisation"):
        train(settings)
    assert not os.listdir(tmp_path)
