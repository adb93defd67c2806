"""The search's child step under MirroredStrategy on two logical CPUs: one arc, one clip."""
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO

SCRIPT = textwrap.dedent("""
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from enas import arc as arc_lib
    from enas.child import ChildConfig
    from enas.data import load
    from enas.schedule import CosineSchedule
    from enas.searcher import Search, SearchConfig

    LR, BOUND = 0.05, 1e-3
    config = SearchConfig(output_dir="unused", child=ChildConfig(num_layers=3, out_filters=8),
                          batch_size=32, l2_reg=0.0, schedule=CosineSchedule(lr_max=LR),
                          grad_bound=BOUND,
                          strategy="mirrored")
    data = load("synthetic_images")
    search = Search(config, data)
    assert search.strategy.num_replicas_in_sync == 2
    search.child_optimizer.learning_rate = LR
    variables = search.child.trainable_variables
    before = [v.numpy() for v in variables]
    arc_before = search.controller.rng.state.numpy()
    stats = search.child_step(data.train[0][:32], data.train[1][:32])
    # The arc this step used: replay the controller's generator from its state before.
    search.controller.rng.reset(arc_before)
    arc = search.controller.sample()["arc"].numpy()
    deltas = {v.path: v.numpy() - b for v, b in zip(variables, before)}
    # One SGD-Nesterov step moves each tensor by (1 + momentum) * lr * its clipped gradient;
    # the largest tensor step is the bound exactly, where a clip per replica before summing
    # would allow twice it.
    largest = max(np.sqrt(np.sum(d ** 2)) for d in deltas.values())
    print("STEP", largest / (1.9 * LR), float(stats["grad_norm"]))
    for variable in variables:
        copies = [c.numpy() for c in variable.value.values]
        assert all(np.array_equal(copies[0], c) for c in copies[1:]), variable.path
    # Without L2 only the sampled branches get gradients; two different arcs would move more.
    ops = [layer[0] for layer in arc_lib.layers(arc)]
    moved = sorted({(k, op) for k in range(3) for op in range(6)
                    if any(np.any(d) for p, d in deltas.items() if f"layer{k}_op{op}/" in p)})
    print("MOVED", moved == list(enumerate(ops)), moved, ops)
    # The controller phase reads the mirrored child from the host.
    print("REWARD", float(search.controller_step()["reward"]))
    # And the whole search loop (epoch, evaluations, arc selection) runs under the strategy.
    import dataclasses, os, tempfile
    from enas.reinforce import ReinforceConfig
    from enas.search_run import run_search
    folder = tempfile.mkdtemp()
    run_search(dataclasses.replace(config, output_dir=folder, num_epochs=1, num_arcs_to_score=2,
                                   controller_train_steps=2,
                                   reinforce=ReinforceConfig(num_aggregate=2)), data)
    print("ARC_FILE", os.path.exists(os.path.join(folder, "arc.txt")))
""")


@pytest.mark.slow
def test_child_step_sums_replicas_before_the_clip_and_shares_one_arc():
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    step, grad_norm = map(float, lines["STEP"].split())
    assert grad_norm > 1e-3 and abs(step - 1e-3) < 1e-6
    assert lines["MOVED"].startswith("True"), lines["MOVED"]
    assert 0.0 <= float(lines["REWARD"]) <= 1.0
    assert lines["ARC_FILE"] == "True"
