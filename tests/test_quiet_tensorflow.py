"""common.quiet_tensorflow, imported first as a binary does: TensorFlow's INFO lines stay
out of the console, the binary's own lines stay in and name their caller."""
import subprocess
import sys
import textwrap

from tests.conftest import REPO

BINARY = textwrap.dedent("""
    from common import quiet_tensorflow
    import sys
    import tensorflow as tf
    from absl import app, logging

    def main(_):
        tf.train.Checkpoint(step=tf.Variable(1)).save(sys.argv[1] + "/ckpt")
        logging.info("epoch 1/3 done")
        logging.warning("a warning of ours")

    app.run(main, argv=sys.argv[:1])
""")


def test_tensorflow_info_through_absl_is_dropped_and_ours_is_kept(tmp_path):
    script = tmp_path / "binary.py"
    script.write_text(BINARY)
    result = subprocess.run([sys.executable, str(script), str(tmp_path)], cwd=REPO,
                            env={"PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert not [line for line in lines if "Sharding callback" in line]
    assert [line for line in lines if line.endswith("binary.py:9] epoch 1/3 done")], lines
    assert [line for line in lines if line.endswith("a warning of ours")]
