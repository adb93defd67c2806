"""common.distribute outside a cluster: what every single-process run goes through."""
import logging

import tensorflow as tf

from common.distribute import broadcast_from_chief


def test_the_chief_broadcast_traces_without_autograph_warnings(caplog):
    # Every search traces it once; a warning per trace was noise in the user's console.
    variable = tf.Variable([1.0, 2.0])

    @tf.function
    def share():
        broadcast_from_chief(tf.distribute.get_strategy(), [variable])

    with caplog.at_level(logging.WARNING):
        share()
    assert not [r for r in caplog.records if "AutoGraph" in r.getMessage()]
    assert variable.numpy().tolist() == [1.0, 2.0]
