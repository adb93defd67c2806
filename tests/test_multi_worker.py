"""Two local workers under MultiWorkerMirroredStrategy (common.local_cluster): the same
weights as one worker with two devices, only the chief writes the run folder, and a cluster
killed midway and restarted ends as an uninterrupted one."""
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import h5py
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import REPO

LIFTER = ["lifting.train", "--dataset=synthetic", "--epochs=1", "--width=32",
          "--streams=detected", "--batch_size=128", "--nojit_compile"]
SEARCH = ["enas.search", "--dataset=synthetic_images", "--child_num_layers=3",
          "--child_out_filters=8", "--batch_size=32", "--controller_train_steps=2",
          "--controller_num_aggregate=3", "--num_arcs_to_score=3"]
FINAL = ["enas.train", "--dataset=synthetic_images", "--child_fixed_arc=0 3 1 4 0 1",
         "--child_num_layers=3", "--child_out_filters=8", "--num_epochs=2",
         "--batch_size=32"]


def _cluster_command(binary: list[str], folder_flag: str) -> list[str]:
    return [sys.executable, "-m", "common.local_cluster", "--workers=2", "--",
            sys.executable, "-m", *binary, "--strategy=multi_worker", folder_flag]


def on_two_workers(binary: list[str], folder_flag: str, workers_tmp) -> str:
    """BINARY on two local workers (their temporary folders under WORKERS_TMP); its output."""
    workers_tmp.mkdir(exist_ok=True)
    result = subprocess.run(_cluster_command(binary, folder_flag), cwd=REPO,
                            capture_output=True, text=True, timeout=900,
                            env={"PATH": "/usr/bin:/bin", "TMPDIR": str(workers_tmp)})
    assert result.returncode == 0, result.stdout[-3000:]
    assert "[worker 0]" in result.stdout and "[worker 1]" in result.stdout
    # the other worker's temporary folder was removed (autograph's own caches may stay)
    assert not [p for p in workers_tmp.iterdir() if p.name.startswith("worker")]
    return result.stdout


def on_two_devices(binary: list[str], folder_flag: str) -> None:
    """BINARY in one process with two logical CPUs under MirroredStrategy."""
    module = binary[0]
    script = textwrap.dedent(f"""
        import sys
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from absl import app
        import {module} as binary
        binary.define_flags()
        sys.argv = [{module!r}, *{binary[1:]!r}, "--strategy=mirrored", {folder_flag!r}]
        app.run(binary.main)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]


def _h5_weights(path) -> dict[str, np.ndarray]:
    found = {}
    with h5py.File(path) as handle:
        handle.visititems(lambda name, item: found.__setitem__(name, item[()])
                          if isinstance(item, h5py.Dataset) else None)
    return found


def _checkpoint_values(folder) -> dict[str, np.ndarray]:
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(str(folder / "ckpt")))
    return {key: reader.get_tensor(key) for key in reader.get_variable_to_shape_map()
            if not key.startswith("_CHECKPOINTABLE_OBJECT_GRAPH")}


def _assert_equal_values(a: dict, b: dict, tolerance: float) -> None:
    assert a.keys() == b.keys() and len(a) > 10
    worst = max(float(np.abs(np.asarray(a[k], np.float64) - np.asarray(b[k], np.float64)).max())
                for k in a)
    assert worst < tolerance, worst


def _arc_digests(output: str, worker: int) -> list[str]:
    return re.findall(rf"\[worker {worker}\] .*arcs digest (\w+)", output)


def _worker_pid(launcher_pid: int, index: int) -> int:
    """The process of the launcher's worker INDEX (its TF_CONFIG names the task)."""
    children = subprocess.run(["pgrep", "-P", str(launcher_pid)], capture_output=True,
                              text=True).stdout.split()
    for pid in map(int, children):
        with open(f"/proc/{pid}/environ", "rb") as handle:
            environment = dict(item.split(b"=", 1) for item in handle.read().split(b"\0")
                               if b"=" in item)
        if json.loads(environment[b"TF_CONFIG"])["task"]["index"] == index:
            return pid
    raise AssertionError(f"no worker {index} among the launcher's children {children}")


@pytest.mark.slow
def test_two_workers_train_the_lifter_as_one_worker_with_two_devices(tmp_path):
    on_two_workers(LIFTER, f"--model_dir={tmp_path / 'two'}", tmp_path / "workers_tmp")
    on_two_devices(LIFTER, f"--model_dir={tmp_path / 'one'}")
    _assert_equal_values(_h5_weights(tmp_path / "two" / "model.weights.h5"),
                         _h5_weights(tmp_path / "one" / "model.weights.h5"), 1e-5)
    written = sorted(p.name for p in (tmp_path / "two").iterdir())
    assert written == ["backup", "config.json", "eval.json", "export", "logs",
                       "model.weights.h5", "norm.json"]


@pytest.mark.slow
def test_two_workers_search_as_one_worker_with_two_devices(tmp_path):
    """Every child step of both workers ran the same arc (equal digests per epoch), the
    controller phase ran on the chief only, and the search state and arcs found equal those
    of one worker with two devices."""
    search = [*SEARCH, "--num_epochs=2"]
    output = on_two_workers(search, f"--output_dir={tmp_path / 'two'}",
                            tmp_path / "workers_tmp")
    assert _arc_digests(output, 0) == _arc_digests(output, 1)
    assert len(_arc_digests(output, 0)) == 2
    assert not re.search(r"\[worker 1\] .*epoch \d/2 .*reward", output)  # no controller log
    on_two_devices(search, f"--output_dir={tmp_path / 'one'}")
    _assert_equal_values(_checkpoint_values(tmp_path / "two"),
                         _checkpoint_values(tmp_path / "one"), 1e-5)
    for name in ("arc.txt", "arcs.jsonl"):
        assert (tmp_path / "two" / name).read_text() == (tmp_path / "one" / name).read_text()
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == [
        "arc.txt", "arcs.jsonl", "ckpt", "config.json", "logs"]


@pytest.mark.slow
def test_two_workers_train_a_fixed_arc_as_one_worker_with_two_devices(tmp_path):
    on_two_workers(FINAL, f"--output_dir={tmp_path / 'two'}", tmp_path / "workers_tmp")
    on_two_devices(FINAL, f"--output_dir={tmp_path / 'one'}")
    reports = [json.loads((tmp_path / name / "eval.json").read_text()) for name in ("two", "one")]
    assert reports[0]["test_accuracy"] == pytest.approx(reports[1]["test_accuracy"], abs=1e-6)
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == [
        "backup", "config.json", "eval.json", "export", "logs"]


@pytest.mark.slow
def test_a_search_cluster_killed_midway_and_restarted_ends_as_an_uninterrupted_one(tmp_path):
    """Worker 1 SIGKILLed once the chief's first checkpoint has landed: the launcher stops the
    chief too; the same command restarted resumes on both workers from the chief's checkpoint
    (worker 1 has none of its own) and ends with the uninterrupted cluster's state and arcs."""
    search = [*SEARCH, "--num_epochs=3"]
    killed, straight = tmp_path / "killed", tmp_path / "straight"
    workers_tmp = tmp_path / "workers_tmp"
    workers_tmp.mkdir()
    launcher = subprocess.Popen(_cluster_command(search, f"--output_dir={killed}"), cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={"PATH": "/usr/bin:/bin", "TMPDIR": str(workers_tmp)})
    deadline = time.time() + 600
    while time.time() < deadline and tf.train.latest_checkpoint(str(killed / "ckpt")) is None:
        time.sleep(0.05)
    assert launcher.poll() is None, "the cluster ended before its first checkpoint"
    os.kill(_worker_pid(launcher.pid, 1), signal.SIGKILL)
    assert launcher.wait(timeout=120) != 0
    assert not (killed / "arc.txt").exists()
    resumed = on_two_workers(search, f"--output_dir={killed}", workers_tmp)
    assert "[worker 0]" in resumed and re.search(r"\[worker 0\] .*resumed from", resumed)
    assert "epoch 1/3" not in resumed
    on_two_workers(search, f"--output_dir={straight}", workers_tmp)
    _assert_equal_values(_checkpoint_values(killed), _checkpoint_values(straight), 1e-6)
    assert (killed / "arcs.jsonl").read_text() == (straight / "arcs.jsonl").read_text()
