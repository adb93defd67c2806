"""The fixed-arc trainer: artefacts, export on raw pixels, resume, MirroredStrategy."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from enas import arc as arc_lib
from enas.data import load
from enas.final import FinalConfig, train_fixed
from tests.conftest import REPO

ARC = tuple(arc_lib.parse("0 | 3 1 | 4 0 1 | 1 1 0 1").tolist())


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("final"))
    config = FinalConfig(output_dir=folder, arc=ARC, out_filters=8, num_epochs=2, batch_size=64)
    data = load("synthetic_images")
    return config, data, train_fixed(config, data)


def test_report_and_artefacts(trained):
    config, data, report = trained
    saved = json.loads(open(os.path.join(config.output_dir, "eval.json")).read())
    assert saved == report and saved["test_examples"] == len(data.test[1])
    assert 0.0 <= saved["test_accuracy"] <= 1.0
    assert os.path.isdir(os.path.join(config.output_dir, "export"))


def test_export_takes_raw_pixels_and_matches_keras(trained):
    config, data, _ = trained
    from enas.fixed import build_fixed_model
    serving = tf.saved_model.load(os.path.join(config.output_dir, "export"))
    pixels = data.test[0][:5] * data.channel_std + data.channel_mean  # back to 0..255
    out = serving.signatures["serving_default"](images=tf.constant(pixels, tf.float32))
    model = build_fixed_model(np.array(ARC), data.num_classes, 8, 0.5, (32, 32, 3))
    model.load_weights(os.path.join(config.output_dir, "backup", f"epoch-{config.num_epochs}",
                                    "latest.weights.h5"))
    expected = model(data.test[0][:5], training=False).numpy()
    np.testing.assert_allclose(out["logits"].numpy(), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(out["probabilities"].numpy().sum(-1), 1.0, rtol=1e-5)


@pytest.mark.slow
def test_a_run_resumed_from_its_backup_ends_equal_to_an_uninterrupted_one(trained, tmp_path):
    """One epoch, then the folder extended to two: the same batches and dropout masks as the
    uninterrupted run's second epoch, so the same weights."""
    config, data, report = trained
    import dataclasses
    from enas.fixed import build_fixed_model
    first = dataclasses.replace(config, output_dir=str(tmp_path), num_epochs=1)
    train_fixed(first, data)
    resumed_report = train_fixed(dataclasses.replace(first, num_epochs=2), data)
    metadata = json.loads((tmp_path / "backup" / "epoch-2" / "training_metadata.json").read_text())
    assert metadata["epoch"] == 2
    models = []
    for folder in (str(tmp_path), config.output_dir):
        model = build_fixed_model(np.array(ARC), data.num_classes, 8, 0.5, (32, 32, 3))
        model.load_weights(os.path.join(folder, "backup", "epoch-2", "latest.weights.h5"))
        models.append(model)
    for resumed, straight in zip(*(model.weights for model in models)):
        np.testing.assert_allclose(resumed.numpy(), straight.numpy(), atol=1e-5,
                                   err_msg=resumed.path)
    assert resumed_report["test_accuracy"] == report["test_accuracy"]


@pytest.mark.slow
def test_fixed_trainer_under_mirrored_strategy(tmp_path):
    script = textwrap.dedent(f"""
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from enas.data import load
        from enas.final import FinalConfig, train_fixed
        report = train_fixed(FinalConfig(output_dir={str(tmp_path)!r}, arc={ARC!r}, out_filters=8,
                                         num_epochs=1, batch_size=32, strategy="mirrored"),
                             load("synthetic_images"))
        print("ACC", report["test_accuracy"])
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ACC" in result.stdout



def test_mixup_blends_each_image_and_its_target_with_one_partner_by_one_weight():
    from enas.data import mixup
    images = np.random.default_rng(0).normal(size=(6, 4, 4, 3)).astype(np.float32)
    labels = np.arange(6)  # one class per image: a target names its partner and weight
    mixed, targets = mixup(images, labels, 6, 0.4, np.random.default_rng(1))
    assert mixed.shape == images.shape and targets.shape == (6, 6)
    np.testing.assert_allclose(targets.sum(1), 1.0, rtol=1e-6)
    assert np.count_nonzero(targets) > 6  # some images were blended
    for k in range(6):
        weight = targets[k, k]
        partner = k if weight == 1 else int(np.argmax(np.where(np.arange(6) == k, -1, targets[k])))
        np.testing.assert_allclose(mixed[k], weight * images[k] + (1 - weight) * images[partner],
                                   atol=1e-5)


def test_a_mixup_run_trains_on_targets_and_is_scored_on_plain_test_images(trained, tmp_path):
    import dataclasses
    config, data, plain = trained
    mixed = train_fixed(dataclasses.replace(config, output_dir=str(tmp_path), mixup_alpha=0.4,
                                            num_epochs=1), data)
    assert mixed["test_examples"] == plain["test_examples"]
    assert 0.0 <= mixed["test_accuracy"] <= 1.0
    record = json.loads((tmp_path / "config.json").read_text())
    assert "0.4" in json.dumps(record)


def test_a_run_started_from_another_takes_every_layer_but_the_classifier(trained):
    from common.errors import DataFormatError
    from enas.final import initialise_from
    from enas.fixed import build_fixed_model
    config, _, _ = trained
    source = build_fixed_model(np.array(ARC), 10, 8, 0.5, (32, 32, 3))
    source.load_weights(os.path.join(config.output_dir, "backup", f"epoch-{config.num_epochs}",
                                     "latest.weights.h5"))
    fresh = build_fixed_model(np.array(ARC), 4, 8, 0.5, (32, 32, 3))  # another task
    before_fc = fresh.get_layer("fc").get_weights()[0].copy()
    initialise_from(fresh, config.output_dir)
    for layer in fresh.layers:
        if layer.weights and layer.name != "fc":
            for got, expected in zip(layer.get_weights(), source.get_layer(layer.name).get_weights()):
                np.testing.assert_array_equal(got, expected, err_msg=layer.name)
    np.testing.assert_array_equal(fresh.get_layer("fc").get_weights()[0], before_fc)
    with pytest.raises(DataFormatError, match="another architecture"):
        initialise_from(build_fixed_model(np.array(ARC), 4, 16, 0.5, (32, 32, 3)),
                        config.output_dir)


def test_a_run_whose_images_encode_other_joints_is_refused_by_name(trained, tmp_path):
    from common.errors import DataFormatError
    from enas.final import initialise_from
    from enas.fixed import build_fixed_model
    from recognition.data import RecognitionData
    config, _, _ = trained
    record = json.loads(open(os.path.join(config.output_dir, "config.json")).read())
    record["settings"]["data"] = {"dataset": "h36m_actions", "joint_layout": "h36m16",
                                  "skeleton_source": "sensor"}
    (tmp_path / "config.json").write_text(json.dumps(record))
    fresh = build_fixed_model(np.array(ARC), 4, 8, 0.5, (32, 32, 3))
    with pytest.raises(DataFormatError, match="encode h36m16, this run's msr_action3d's own"):
        initialise_from(fresh, str(tmp_path), RecognitionData(dataset="msr_action3d",
                                                              protocol="AS1"))
