"""Two local workers under MultiWorkerMirroredStrategy (common.local_cluster): the same
weights as one worker with two devices, and only the chief writes the run folder."""
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

from tests.conftest import REPO

TRAIN = ["-m", "lifting.train", "--dataset=synthetic", "--epochs=1", "--width=32",
         "--streams=detected", "--batch_size=128", "--nojit_compile"]


def _weights(path):
    found = {}
    with h5py.File(path) as handle:
        handle.visititems(lambda name, item: found.__setitem__(name, item[()])
                          if isinstance(item, h5py.Dataset) else None)
    return found


@pytest.mark.slow
def test_two_workers_train_as_one_worker_with_two_devices(tmp_path):
    workers_tmp = tmp_path / "workers_tmp"
    workers_tmp.mkdir()
    two = subprocess.run(
        [sys.executable, "-m", "common.local_cluster", "--workers=2", "--", sys.executable,
         *TRAIN, "--strategy=multi_worker", f"--model_dir={tmp_path / 'two'}"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "TMPDIR": str(workers_tmp)})
    assert two.returncode == 0, two.stdout[-3000:]
    assert "[worker 0]" in two.stdout and "[worker 1]" in two.stdout
    one = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from absl import app
        from lifting import train
        train.define_flags()
        sys.argv = ["lifting.train", *{TRAIN[2:]!r}, "--strategy=mirrored",
                    "--model_dir={tmp_path / 'one'}"]
        app.run(train.main)
    """)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert one.returncode == 0, one.stderr[-3000:]
    a, b = _weights(tmp_path / "two" / "model.weights.h5"), _weights(tmp_path / "one" /
                                                                      "model.weights.h5")
    assert a.keys() == b.keys()
    assert max(float(np.abs(a[k] - b[k]).max()) for k in a) < 1e-5
    written = sorted(p.name for p in (tmp_path / "two").iterdir())
    assert written == ["backup", "config.json", "eval.json", "export", "logs",
                       "model.weights.h5", "norm.json"]
    # worker 1's temporary folder was removed (autograph's own caches may stay)
    assert not [p for p in workers_tmp.iterdir() if p.name.startswith("worker")]
