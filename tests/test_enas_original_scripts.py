"""The original macro search and final scripts' command lines run through our binaries.

Each list holds every flag that `scripts/cifar10_macro_search.sh` and `cifar10_macro_final.sh`
of the original pass, with the sizes shrunk (layers, filters, batch, epochs, controller steps)
and `--data_path` left out: the data is chosen with --dataset here, and a --data_path is
refused (tested below).
"""
import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from enas.child import ChildConfig
from enas.data import load
from enas.reinforce import ReinforceConfig
from enas.search_run import open_search
from enas.searcher import SearchConfig, run_epoch
from tests.conftest import REPO

SHARED = ["--data_format=NCHW", "--search_for=macro", "--reset_output_dir", "--batch_size=32",
          "--num_epochs=1", "--log_every=50", "--eval_every_epochs=1", "--child_use_aux_heads",
          "--child_out_filters=8", "--child_num_cell_layers=5", "--child_lr_cosine",
          "--child_lr_max=0.05", "--child_lr_T_0=10", "--child_lr_T_mul=2",
          "--controller_search_whole_channels", "--controller_entropy_weight=0.0001",
          "--controller_train_every=1", "--controller_sync_replicas",
          "--controller_num_aggregate=3", "--controller_train_steps=2", "--controller_lr=0.001",
          "--controller_tanh_constant=1.5", "--controller_op_tanh_reduce=2.5",
          "--controller_skip_target=0.4", "--controller_skip_weight=0.8"]
SEARCH = SHARED + ["--child_num_layers=3", "--child_l2_reg=0.00025", "--child_num_branches=6",
                   "--child_keep_prob=0.90", "--child_drop_path_keep_prob=0.60",
                   "--child_lr_min=0.0005", "--controller_training", "--num_arcs_to_score=2"]
FINAL = SHARED + ["--child_fixed_arc=0 3 0 1 1 0", "--child_num_layers=3",
                  "--child_l2_reg=2e-4", "--child_num_branches=4", "--child_keep_prob=0.50",
                  "--child_lr_min=0.001", "--nocontroller_training"]


def _run(module, output_dir, flags):
    return subprocess.run([sys.executable, "-m", module, f"--output_dir={output_dir}", *flags],
                          cwd=REPO, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("module, flags", [("enas.search", SEARCH), ("enas.train", FINAL)],
                         ids=["macro_search", "macro_final"])
def test_the_original_scripts_flags_run(tmp_path, module, flags):
    (tmp_path / "stale").mkdir()  # --reset_output_dir starts afresh, as the original
    result = _run(module, tmp_path, flags)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (tmp_path / "stale").exists()
    assert "accepted with no effect" in result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if module == "enas.train":  # the final run trains on the whole training split
        assert report["train_examples"] == len(load("synthetic_images", valid_fraction=0).train[1])
        assert report["train_examples"] == 480 > len(load("synthetic_images").train[1])


@pytest.mark.slow
@pytest.mark.parametrize("flags, named", [
    (["--data_path=data/cifar10"], "--data_path"),
    (["--child_num_layers=5"], "the arc has 3 layers"),
], ids=["data_path", "layers"])
def test_what_is_not_built_or_contradicts_the_arc_is_refused_by_name(tmp_path, flags, named):
    base = ["--child_fixed_arc=0 3 0 1 1 0", "--child_out_filters=4", "--num_epochs=1"]
    result = _run("enas.train", tmp_path, base + flags)
    assert result.returncode != 0 and named in result.stderr
    assert not (tmp_path / "eval.json").exists()


@pytest.mark.slow
def test_four_branches_and_a_controller_phase_every_other_epoch(tmp_path):
    config = SearchConfig(output_dir=str(tmp_path), batch_size=32, controller_train_every=2,
                          child=ChildConfig(num_layers=3, out_filters=4, num_branches=4),
                          reinforce=ReinforceConfig(num_aggregate=2), controller_train_steps=1,
                          eval_every_epochs=2, num_epochs=4)
    search, _ = open_search(config, load("synthetic_images"))
    assert all(len(layer) == 4 for layer in search.child.branches)
    arcs = np.stack([search.controller.sample()["arc"].numpy() for _ in range(20)])
    assert arcs[:, [0, 1, 3]].max() <= 3  # op ids of layers 0, 1, 2: no pooling op
    writer = tf.summary.create_noop_writer()
    first, second = run_epoch(search, writer, 0), run_epoch(search, writer, 1)
    assert "controller/reward" not in first and "child/valid_acc" not in first
    assert "controller/reward" in second and "child/valid_acc" in second
