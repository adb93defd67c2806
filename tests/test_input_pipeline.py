"""Every input pipeline runs without tf.data's autotuner (common/input_pipeline.py says why)."""
import numpy as np
import tensorflow as tf

from common import input_pipeline
from datasets import synthetic
from enas import data as enas_data
from lifting import data as lifting_data


def _autotuned(dataset) -> bool:
    return dataset.options().autotune.enabled is not False


def test_lifting_batches_run_without_the_autotuner():
    examples = lifting_data.build_examples(
        synthetic.generate(seed=0, takes_per_action=1, num_frames=20).corpus, ["S9"])
    norm = lifting_data.Normalization.fit(examples)
    for shuffle, flip in ((True, True), (False, False)):
        dataset = lifting_data.make_dataset(examples, norm, ("gt", "detected"), 32,
                                            shuffle=shuffle, flip=flip)
        assert not _autotuned(dataset)
        assert len(list(dataset)) >= 1


def test_enas_batches_run_without_the_autotuner():
    images = np.zeros((8, 4, 4, 3), np.float32)
    labels = np.arange(8, dtype=np.int32)
    dataset = enas_data.batches((images, labels), 4, shuffle=True, repeat=True)
    assert not _autotuned(dataset)
    assert next(iter(dataset))[0].shape == (4, 4, 4, 3)


def test_prefetching_keeps_the_elements_in_order():
    dataset = input_pipeline.prefetch_without_autotuner(tf.data.Dataset.range(5))
    assert not _autotuned(dataset) and [int(x) for x in dataset] == [0, 1, 2, 3, 4]
