"""A run's config.json describes the run: every value decided at run time (classes, layer
counts, image shape, the data's fingerprint) is in it, and it alone rebuilds the network the
run trained."""
import numpy as np
import pytest
import tensorflow as tf

from common.run_record import read_settings
from enas.child import ChildConfig, SharedChild
from enas.controller import Controller
from enas.data import ImageSplits
from enas.final import FinalConfig, build_network, train_fixed
from enas.search_run import open_search
from enas.searcher import SearchConfig


def _four_classes_of_small_images() -> ImageSplits:
    """Neither the child's default class count nor its default image size."""
    rng = np.random.default_rng(0)
    images = rng.normal(size=(48, 8, 8, 3)).astype(np.float32)
    labels = (np.arange(48) % 4).astype(np.int32)
    return ImageSplits(train=(images[:32], labels[:32]), valid=(images[32:40], labels[32:40]),
                       test=(images[40:], labels[40:]), num_classes=4,
                       channel_mean=np.full(3, 120, np.float32),
                       channel_std=np.full(3, 40, np.float32))


def _shapes(variables) -> list:
    """(path below the model's own name, shape) of each variable: two instances of one model
    differ only in the unique names Keras gives the instances."""
    return sorted((v.path.split("/", 1)[-1], tuple(v.shape)) for v in variables)


def test_a_search_records_what_the_data_and_the_child_decide(tmp_path):
    data = _four_classes_of_small_images()
    config = SearchConfig(output_dir=str(tmp_path), child=ChildConfig(num_layers=3, out_filters=4),
                          batch_size=8, num_epochs=1)
    search, _ = open_search(config, data)
    recorded = read_settings(tmp_path, SearchConfig)
    assert recorded.child.num_classes == 4 and recorded.image_shape == (8, 8, 3)
    assert (recorded.controller.num_layers, recorded.controller.num_ops) == (3, 6)
    assert recorded.data_fingerprint == data.fingerprint() != ""
    child = SharedChild(recorded.child, image_shape=recorded.image_shape)
    controller = Controller(recorded.controller)
    arc = search.controller.sample()["arc"]
    child(tf.zeros((1, 8, 8, 3)), arc, training=False)
    search.child(tf.zeros((1, 8, 8, 3)), arc, training=False)
    assert _shapes(child.variables) == _shapes(search.child.variables)
    assert sorted(tuple(v.shape) for v in controller.trainable_variables) == sorted(
        tuple(v.shape) for v in search.controller.trainable_variables)


def test_another_data_set_gives_another_fingerprint():
    data = _four_classes_of_small_images()
    relabelled = ImageSplits(train=(data.train[0], data.train[1][::-1].copy()),
                             valid=data.valid, test=data.test, num_classes=4,
                             channel_mean=data.channel_mean, channel_std=data.channel_std)
    assert relabelled.fingerprint() != data.fingerprint()


@pytest.mark.parametrize("network", ["enas_arc", "densenet_bc"])
def test_a_final_run_is_rebuilt_from_its_record_alone(tmp_path, network):
    data = _four_classes_of_small_images()
    config = FinalConfig(output_dir=str(tmp_path), network=network,
                         arc=(0, 3, 1, 4, 0, 1) if network == "enas_arc" else (),
                         out_filters=4, densenet_depth=10, densenet_growth_rate=4,
                         batch_size=8, num_epochs=1)
    train_fixed(config, data)
    recorded = read_settings(tmp_path, FinalConfig)
    assert (recorded.num_classes, recorded.image_shape) == (4, (8, 8, 3))
    model = build_network(recorded)
    model.load_weights(str(tmp_path / "backup" / "epoch-1" / "latest.weights.h5"))
    pixels = data.test[0] * data.channel_std + data.channel_mean
    exported = tf.saved_model.load(str(tmp_path / "export"))
    served = exported.signatures["serving_default"](images=tf.constant(pixels))["logits"]
    np.testing.assert_allclose(model(data.test[0], training=False), served, atol=1e-4)
