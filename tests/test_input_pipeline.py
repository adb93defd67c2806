"""Every input pipeline runs without tf.data's autotuner (common/input_pipeline.py says why)."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from common import input_pipeline
from common.epoch_order import EpochOrder
from datasets import synthetic
from enas import data as enas_data
from lifting import data as lifting_data
from lifting import evaluation
from lifting.config import LifterConfig


def _autotuned(dataset) -> bool:
    return dataset.options().autotune.enabled is not False


@pytest.fixture(scope="module")
def examples():
    return lifting_data.build_examples(
        synthetic.generate(seed=0, takes_per_action=1, num_frames=20).corpus, ["S9"])


def test_lifting_batches_run_without_the_autotuner(examples):
    norm = lifting_data.Normalization.fit(examples)
    for order, flip in ((EpochOrder(len(examples), 32, seed=0), True), (None, False)):
        dataset = lifting_data.make_dataset(examples, norm, ("gt", "detected"), 32, order,
                                            flip=flip)
        assert not _autotuned(dataset)
        assert len(list(dataset)) >= 1


def test_the_enas_epoch_feed_runs_without_the_autotuner():
    images = np.zeros((8, 4, 4, 3), np.float32)
    labels = np.arange(8, dtype=np.int32)
    splits = enas_data.ImageSplits(train=(images, labels), valid=(images, labels),
                                   test=(images, labels), num_classes=8,
                                   channel_mean=np.zeros(3), channel_std=np.ones(3))
    dataset = enas_data.EpochFeed(splits, 4, seed=0).dataset()
    assert not _autotuned(dataset)
    assert next(iter(dataset))[0].shape == (4, 4, 4, 3)


def test_prefetching_keeps_the_elements_in_order():
    dataset = input_pipeline.prefetch_without_autotuner(tf.data.Dataset.range(5))
    assert not _autotuned(dataset) and [int(x) for x in dataset] == [0, 1, 2, 3, 4]


def test_array_batches_are_in_order_with_a_partial_last_batch():
    arrays = {"a": np.arange(10, dtype=np.float32), "b": np.arange(10, 20, dtype=np.float32)}
    dataset = input_pipeline.array_batches(arrays, 4)
    assert not _autotuned(dataset)
    batches = list(dataset)
    assert [len(batch["a"]) for batch in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([batch["b"] for batch in batches]),
                                  arrays["b"])


def test_lifting_evaluation_predicts_from_a_pipeline_without_the_autotuner(examples,
                                                                          monkeypatch):
    """`model.predict` on arrays would build Keras's own, autotuned, pipeline."""
    norm = lifting_data.Normalization.fit(examples)
    config = LifterConfig(width=16)
    model = config.build()
    fed = []
    predict = keras.Model.predict
    def recording_predict(self, x, *args, **kwargs):
        fed.append(x)
        return predict(self, x, *args, **kwargs)
    monkeypatch.setattr(keras.Model, "predict", recording_predict)
    for mode in ("gt+sh", "sh_stream_b"):
        report = evaluation.evaluate_examples(model, norm, config, examples, mode, 1)
        assert report["examples"] == len(examples)
    assert len(fed) == 2
    assert all(isinstance(x, tf.data.Dataset) and not _autotuned(x) for x in fed)
