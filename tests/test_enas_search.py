"""The search binary end to end on a tiny configuration, and resuming after SIGKILL."""
import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from common.tensorboard_scalars import summary_tags
from enas import arc as arc_lib
from enas.data import BuiltinImages, load
from enas.search_run import _measured_this_epoch, open_search
from enas.searcher import SearchConfig, run_epoch
from enas.child import ChildConfig
from enas.reinforce import ReinforceConfig
from tests.conftest import REPO
from tests.kill_harness import kill_when, rerun

TINY_FLAGS = ["--child_num_layers=3", "--child_out_filters=8", "--batch_size=32",
              "--controller_train_steps=2", "--controller_num_aggregate=3",
              "--num_arcs_to_score=3"]


@pytest.mark.slow
def test_search_killed_mid_epoch_resumes_with_identical_controller(tmp_path):
    """SIGKILL right after the first checkpoint lands, then rerun the same command.

    A tiny epoch takes about half a second here, so a fixed sleep before the kill races the
    next checkpoint; the test instead reads which checkpoint survived the kill and checks the
    resume against that one.
    """
    num_epochs = 4
    command = [sys.executable, "-m", "enas.search", f"--output_dir={tmp_path}",
               f"--num_epochs={num_epochs}", *TINY_FLAGS]
    ckpt_dir = str(tmp_path / "ckpt")
    kill_when(command, lambda: tf.train.latest_checkpoint(ckpt_dir) is not None, 400,
              poll_s=0.02)
    survivor = tf.train.latest_checkpoint(ckpt_dir)
    assert survivor is not None, "the search wrote no checkpoint before the deadline"
    done = int(survivor.rsplit("-", 1)[1])
    assert done < num_epochs, "the search finished before it could be killed"
    saved = tf.train.load_checkpoint(survivor)
    config = SearchConfig(output_dir=str(tmp_path), num_epochs=num_epochs,
                          child=ChildConfig(num_layers=3, out_filters=8), batch_size=32,
                          reinforce=ReinforceConfig(num_aggregate=3), controller_train_steps=2,
                          num_arcs_to_score=3, data=BuiltinImages())  # the command's settings
    search, manager = open_search(config, load("synthetic_images"))
    assert manager.latest_checkpoint == survivor and int(search.epoch.numpy()) == done
    for variable in search.controller.trainable_variables:
        key = next(k for k in saved.get_variable_to_shape_map()
                   if k.startswith("search/controller/" + variable.name.split(":")[0]))
        np.testing.assert_array_equal(variable.numpy(), saved.get_tensor(key))

    second = rerun(command)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "resumed from" in second.stderr
    assert f"epoch {done + 1}/{num_epochs}" in second.stderr
    assert f"epoch {done}/{num_epochs}" not in second.stderr
    best = json.loads(second.stdout.strip().splitlines()[-1])
    arc = arc_lib.read_file(str(tmp_path / "arc.txt"), num_layers=3)
    assert arc_lib.format_flat(arc) == best["arc"]
    lines = (tmp_path / "arcs.jsonl").read_text().splitlines()
    scores = [json.loads(line)["valid_acc"] for line in lines]
    assert len(lines) == 3 and scores == sorted(scores, reverse=True)
    assert {"child/loss", "child/lr", "controller/reward", "controller/baseline",
            "controller/entropy", "controller/skip_rate", "controller/log_prob",
            "sampled_arcs"} <= summary_tags(str(tmp_path / "logs"))


@pytest.mark.slow
def test_killed_during_the_end_of_search_selection_resumes_to_the_same_arcs(tmp_path):
    """SIGKILL once the last epoch's checkpoint has landed and before arc.txt exists (the
    arcs are being sampled and scored): the rerun trains nothing more and writes the arcs an
    uninterrupted search writes. 60 arcs to score keep the selection long enough to catch."""
    num_epochs = 2
    flags = [*TINY_FLAGS[:-1], "--num_arcs_to_score=60", f"--num_epochs={num_epochs}"]

    def command(folder):
        return [sys.executable, "-m", "enas.search", f"--output_dir={folder}", *flags]

    killed, straight = tmp_path / "killed", tmp_path / "straight"

    def selecting() -> bool:
        last = tf.train.latest_checkpoint(str(killed / "ckpt"))
        return bool(last) and last.endswith(f"-{num_epochs}")

    assert kill_when(command(killed), selecting, 600, poll_s=0.002)
    assert not (killed / "arc.txt").exists(), "the selection ended before the kill"
    resumed = rerun(command(killed))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resumed from" in resumed.stderr and f"epoch {num_epochs}/" not in resumed.stderr
    uninterrupted = rerun(command(straight))
    assert uninterrupted.returncode == 0, uninterrupted.stderr[-2000:]
    for name in ("arc.txt", "arcs.jsonl"):
        assert (killed / name).read_text() == (straight / name).read_text(), name


@pytest.mark.slow
def test_paper_preset_sets_the_papers_values_and_explicit_flags_win():
    script = ("import sys; from enas import search_flags as s; s.define_search_flags(); "
              "s.FLAGS(sys.argv); c = s.search_config_from_flags(None); "
              "print(c.reinforce.learning_rate, c.controller.tanh_constant, "
              "c.controller.temperature, c.reinforce.entropy_weight, c.l2_reg, "
              "c.schedule.lr_min)")
    def values(*argv):
        result = subprocess.run([sys.executable, "-c", script, "--output_dir=x", *argv],
                                cwd=REPO, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return [None if v == "None" else float(v) for v in result.stdout.split()]
    assert values() == [0.001, 1.5, None, 1e-4, 2.5e-4, 0.0005]
    assert values("--preset=paper") == [0.00035, 2.5, 5.0, 0.1, 1e-4, 0.001]
    assert values("--preset=paper", "--controller_lr=0.01") == [0.01, 2.5, 5.0, 0.1, 1e-4,
                                                                 0.001]


def _every_variable(search) -> list[tuple[str, np.ndarray]]:
    """Every variable of the search, in a fixed order (Keras numbers the names of a second
    optimiser in one process, so names alone do not pair them)."""
    return [(getattr(v, "path", v.name), np.array(v.numpy())) for v in search.state_variables()]


@pytest.mark.slow
def test_a_stopped_and_resumed_search_ends_equal_to_an_uninterrupted_one(tmp_path):
    """Two epochs in one go, against one epoch, a checkpoint, and a fresh Search restored
    from it (what a rerun after a kill does) for the second: every variable equal."""
    data = load("synthetic_images")
    config = SearchConfig(output_dir="", num_epochs=2, child=ChildConfig(num_layers=3,
                          out_filters=8), batch_size=32, reinforce=ReinforceConfig(
                          num_aggregate=3), controller_train_steps=2, data=BuiltinImages())
    writer = tf.summary.create_file_writer(str(tmp_path / "logs"))

    def epochs(folder, which):
        search, manager = open_search(dataclasses.replace(config, output_dir=str(folder)), data)
        for epoch in which:
            run_epoch(search, writer, epoch)
            search.epoch.assign(epoch + 1)
            manager.save(checkpoint_number=epoch + 1)
        return search

    straight = _every_variable(epochs(tmp_path / "straight", [0, 1]))
    epochs(tmp_path / "resumed", [0])
    resumed = _every_variable(epochs(tmp_path / "resumed", [1]))
    assert len(straight) == len(resumed) > 100 and int(straight[-3][1]) == 2
    for (name, value), (other, again) in zip(straight, resumed):
        assert name.rsplit("/", 1)[-1] == other.rsplit("/", 1)[-1]
        np.testing.assert_allclose(again, value, rtol=0, atol=1e-6, err_msg=name)


def test_the_shards_of_a_killed_checkpoint_save_are_cleared_on_the_next_start(tmp_path):
    leftover = tmp_path / "ckpt" / "ckpt-3_temp"
    leftover.mkdir(parents=True)
    (leftover / "part-00000-of-00001.data-00000-of-00001").write_bytes(b"half")
    config = SearchConfig(output_dir=str(tmp_path), child=ChildConfig(num_layers=1,
                          out_filters=4), batch_size=8, data=BuiltinImages())
    open_search(config, load("synthetic_images"))
    assert not leftover.exists()


def test_an_epoch_line_names_only_the_figures_that_epoch_measured():
    assert _measured_this_epoch({"child/valid_acc": 0.5, "controller/reward": 0.25,
                                 "child/accuracy": 0.9}) == " valid 0.500 reward 0.250"
    assert _measured_this_epoch({"child/accuracy": 0.9}) == ""
