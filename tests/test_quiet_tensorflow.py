"""common.quiet_tensorflow: TensorFlow's INFO lines stay out, the binaries' own stay in."""
import logging

from absl import logging as absl_logging

from common import quiet_tensorflow  # noqa: F401

import tensorflow as tf  # noqa: E402


def test_tensorflow_info_through_absl_is_dropped_and_ours_is_kept(caplog, tmp_path):
    caplog.set_level(logging.INFO)
    tf.train.Checkpoint(step=tf.Variable(1)).save(str(tmp_path / "ckpt"))
    absl_logging.info("epoch 1/3 done")
    absl_logging.warning("a warning of ours")
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "Sharding callback" in m]
    assert "epoch 1/3 done" in messages and "a warning of ours" in messages
