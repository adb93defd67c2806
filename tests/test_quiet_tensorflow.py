"""common.quiet_tensorflow, imported first as a binary does: TensorFlow's INFO lines stay
out of the console, the binary's own lines stay in and name their caller."""
import os
import re
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


def test_a_binary_prints_no_tensorflow_start_up_line(tmp_path):
    """A real binary, fresh interpreter, TensorFlow loaded and its devices probed: the only
    line on stderr is the binary's own (here its one-line refusal of a missing folder)."""
    result = subprocess.run(
        [sys.executable, "-m", "recognition.evaluate",
         f"--model={REPO}/pretrained/recognition/msr_AS1", f"--data_dir={tmp_path}/absent"],
        cwd=tmp_path, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith("recognition.evaluate: ") and "absent" in result.stderr


def test_start_up_notices_are_told_from_lines_that_matter():
    from common.native_stderr import is_start_up_notice
    assert is_start_up_notice("I0000 00:00:1796491911.438566   10971 port.cc:153] oneDNN custom "
                              "operations are on.\n")
    assert is_start_up_notice("E0000 00:00:1796491916.121156   10971 cuda_platform.cc:52] failed "
                              "call to cuInit: INTERNAL: CUDA error\n")
    assert is_start_up_notice("WARNING: All log messages before absl::InitializeLog() is called "
                              "are written to STDERR\n")
    assert not is_start_up_notice("E0000 00:00:1.5   10971 op_kernel.cc:1] OOM when allocating\n")
    assert not is_start_up_notice("Traceback (most recent call last):\n")
    assert not is_start_up_notice("ImportError: libcudnn.so.9: cannot open shared object\n")


def test_pipeline_run_on_a_video_prints_nothing_from_the_native_side(tmp_path, ntu_video,
                                                                    pose_models_dir):
    """TensorFlow's start-up notices and LiteRT's delegate notice stay out; the binary's own
    absl lines (progress) and its JSON summary stay in."""
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.run", f"--video={ntu_video}", "--model=lite",
         f"--pose_models_dir={pose_models_dir}", f"--out_dir={tmp_path}/out", "--nooverlay"],
        cwd=REPO, capture_output=True, text=True, timeout=300, env=environment)
    assert result.returncode == 0, result.stderr[-2000:]
    foreign = [line for line in result.stderr.splitlines()
               if not re.match(r"^[IW]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ [\w.]+\.py:\d+\]", line)]
    assert foreign == []
    assert '"people"' in result.stdout


SEVEN_MODELS = textwrap.dedent("""
    from common import quiet_tensorflow
    import numpy as np
    import tensorflow as tf
    import keras
    from absl import app

    def main(_):
        for _ in range(7):  # one predict function per model, as a probe of seven seeds
            model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
            model.predict(np.zeros((4, 3), np.float32), verbose=0)
        step = tf.function(lambda x: x * 2)
        for size in range(1, 8):  # a function that really retraces on every call
            step(tf.zeros((size,)))

    app.run(main)
""")


def test_one_predict_trace_per_model_is_quiet_and_a_real_retrace_is_not(tmp_path):
    script = tmp_path / "seven_models.py"
    script.write_text(SEVEN_MODELS)
    result = subprocess.run([sys.executable, str(script)], cwd=REPO,
                            env={"PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    retraces = [line for line in result.stderr.splitlines() if "retracing" in line]
    assert retraces, "the lambda's retracing should still be reported"
    assert not [line for line in retraces if "make_predict_function" in line], retraces
