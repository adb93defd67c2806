"""The recognition runner end to end on the synthetic skeletons: search, final training and
both controls, the report, resume by rerunning, refusal of changed settings, and the
exported classifier's label signature."""
import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import REPO

pytestmark = pytest.mark.slow  # the runner end to end, about 2 min

TINY = ["--dataset=synthetic", "--num_epochs=1", "--child_num_layers=3",
        "--child_out_filters=8", "--controller_train_steps=2", "--controller_num_aggregate=3",
        "--num_arcs_to_score=2", "--batch_size=32", "--final_num_epochs=1",
        "--final_out_filters=8", "--densenet_depth=10", "--densenet_growth_rate=4",
        "--spmf_train_copies=2", "--spmf_eval_views=2", "--valid_fraction=0.2",
        "--augment_rotation_degrees=10"]


def _run(output_dir, *extra):
    return subprocess.run([sys.executable, "-m", "recognition.experiment", f"--output_dir={output_dir}",
                           *TINY, *extra], cwd=REPO, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("experiment")
    done = _run(folder)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


def test_every_phase_writes_its_results_and_the_report_compares_them(experiment):
    run = experiment / "cross_subject" / "seed0"
    results = json.loads((experiment / "results.json").read_text())[0]
    for name in ("found_arc", "random_arc", "densenet"):
        report = results[name]
        assert 0 <= report["test_sequence_accuracy"] <= 1 and report["test_sequences"] == 32
        assert report["test_examples"] == 64  # 2 views per test sequence
        assert np.sum(report["confusion"]) == 32
    assert results["random_arc"]["arc"] != "" and results["densenet"]["network"] == "densenet_bc"
    for figure in ("search/reward_curve.png", "final/confusion.png", "densenet/confusion.png"):
        assert (run / figure).stat().st_size > 1000
    report = (experiment / "report.md").read_text()
    assert "| cross_subject | 0 |" in report and "floor | found_arc | random_arc | densenet" in report
    assert 0 <= results["floor"]["test_sequence_accuracy"] <= 1  # the floor on the same split
    # the search never saw the test sequences: no test accuracy was logged
    assert "child/test_acc" not in (run / "search" / "config.json").read_text()


def test_rerunning_continues_without_retraining_and_changed_settings_are_refused(experiment):
    eval_file = experiment / "cross_subject" / "seed0" / "final" / "eval.json"
    before = eval_file.stat().st_mtime_ns
    again = _run(experiment)
    assert again.returncode == 0, again.stderr[-3000:]
    assert eval_file.stat().st_mtime_ns == before
    refused = _run(experiment, "--child_lr_max=0.1")
    assert refused.returncode != 0
    assert "search.schedule.lr_max stored 0.05, given 0.1" in refused.stderr


def test_the_exported_classifier_names_its_labels_and_layout(experiment):
    from recognition.data import RecognitionData, load_splits
    from spmf.data import AugmentOptions, SpmfDataConfig
    model = tf.saved_model.load(str(experiment / "cross_subject" / "seed0" / "final" / "export"))
    labels = {k: v.numpy() for k, v in model.signatures["labels"]().items()}
    assert labels["layout"] == b"h36m17" and labels["dataset"] == b"synthetic"
    assert [n.decode() for n in labels["class_names"]][:2] == ["wave", "clap"]
    splits = load_splits(RecognitionData(train_copies=2, images=SpmfDataConfig(
        augment=AugmentOptions(rotation_degrees=10), eval_views=2)))
    pixels = splits.test[0] * splits.channel_std + splits.channel_mean
    probabilities = model.signatures["serving_default"](
        images=tf.constant(pixels[:8]))["probabilities"].numpy()
    np.testing.assert_allclose(probabilities.sum(1), 1, rtol=1e-5)
