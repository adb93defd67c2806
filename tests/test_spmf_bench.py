"""The SPMF benchmark measures on one core and gives the core affinity back."""
import os

from bench import spmf_bench


def test_encoder_rates_are_measured_on_one_core_and_affinity_is_restored():
    before = os.sched_getaffinity(0)
    rates = spmf_bench.encoder_rates(seconds=0.05, frames=10, joints=6, batch=4)
    assert rates["encode_one_per_s"] > 0 and rates["encode_batched_per_s"] > 0
    assert os.sched_getaffinity(0) == before


def test_the_pipeline_figure_is_taken_from_the_augmented_stream():
    assert spmf_bench.TRAINING_AUGMENTATION.active
    assert spmf_bench.pipeline_rate(seconds=0.05, batch=8, data_dir=None) > 0
