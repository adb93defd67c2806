"""End-to-end lifter training on the synthetic set: outputs, resume after a kill, strategies."""
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from lifting.config import LifterConfig
from lifting.data import Normalization
from common.run_record import SettingConflict, SettingsMismatch
from common.tensorboard_scalars import read_scalars
from lifting.trainer import TrainSettings, train
from tests.conftest import REPO, assert_same_trained_lifters
from tests.kill_harness import kill_when, rerun

TINY = dict(dataset="synthetic", architecture=LifterConfig(width=32), batch_size=256,
            eval_frame_stride=10, jit_compile=False)


def _scalars(log_dir: str, tag: str) -> dict[int, float]:
    return read_scalars(log_dir).get(tag, {})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    model_dir = str(tmp_path_factory.mktemp("lifter"))
    report = train(TrainSettings(model_dir=model_dir, epochs=2, **TINY))
    return model_dir, report


def test_training_writes_every_artefact(trained):
    model_dir, report = trained
    for name in ("config.json", "norm.json", "model.weights.h5", "eval.json", "export"):
        assert os.path.exists(os.path.join(model_dir, name)), name
    with open(os.path.join(model_dir, "eval.json")) as handle:
        saved = json.load(handle)["gt+sh"]
    assert len(saved["per_action"]) == 8 and saved["average"] == report["average"]
    assert 0 < report["average"]["p2"] <= report["average"]["p1"]


def test_tensorboard_has_loss_learning_rate_and_validation_mpjpe(trained):
    model_dir, _ = trained
    assert len(_scalars(os.path.join(model_dir, "logs", "train"), "epoch_loss")) == 2
    assert len(_scalars(os.path.join(model_dir, "logs", "train"), "epoch_learning_rate")) == 2
    mpjpe = _scalars(os.path.join(model_dir, "logs", "validation"), "epoch_pose_mpjpe_mm")
    assert len(mpjpe) == 2 and mpjpe[1] < mpjpe[0]


def test_a_run_resumed_from_its_backup_ends_equal_to_an_uninterrupted_one(trained, tmp_path):
    """One epoch, then the same folder extended to two: the resumed epoch sees the batches,
    mirrored halves and dropout masks of the uninterrupted run's second epoch."""
    train(TrainSettings(model_dir=str(tmp_path), epochs=1, **TINY))
    report = train(TrainSettings(model_dir=str(tmp_path), epochs=2, **TINY))
    model_dir, uninterrupted = trained
    assert_same_trained_lifters(str(tmp_path), model_dir)
    assert report["average"]["p1"] == pytest.approx(uninterrupted["average"]["p1"], abs=1e-3)


def test_changing_the_architecture_of_a_model_dir_is_refused(trained):
    model_dir, _ = trained
    with pytest.raises(SettingsMismatch, match="architecture.width stored 32, given 64"):
        train(TrainSettings(model_dir=model_dir, epochs=2,
                            **{**TINY, "architecture": LifterConfig(width=64)}))


@pytest.mark.slow
def test_killed_training_resumes_with_the_same_step_and_learning_rate(tmp_path):
    """kill -9 after the first epoch; the rerun continues at epoch 2 with the decayed lr."""
    command = [sys.executable, "-m", "lifting.train", f"--model_dir={tmp_path}",
               "--dataset=synthetic", "--width=32", "--batch_size=256", "--epochs=3",
               "--lr_decay_steps=50", "--lr_decay_rate=0.5", "--nojit_compile"]
    def backed_up_epochs():
        return sorted(json.loads(path.read_text())["epoch"]
                      for path in (tmp_path / "backup").glob("epoch-*/training_metadata.json"))

    kill_when(command, lambda: bool(backed_up_epochs()), 240, poll_s=0.2)
    assert backed_up_epochs() and backed_up_epochs()[-1] >= 1
    done = backed_up_epochs()[-1]
    second = rerun(command)
    assert second.returncode == 0, second.stderr[-2000:]
    assert f"epoch {done + 1}/3" in second.stderr and "epoch 1/3 " not in second.stderr
    rates = _scalars(str(tmp_path / "logs" / "train"), "epoch_learning_rate")
    steps_per_epoch = 32_000 // 256  # 5 training subjects x 8 actions x 2 takes x 4 cameras x 100
    for epoch, rate in rates.items():
        expected = 1e-3 * 0.5 ** ((epoch + 1) * steps_per_epoch // 50)
        assert rate == pytest.approx(expected, rel=1e-5), (epoch, rates)
    # the same folder with another learning rate is refused before anything is written;
    # with more epochs the run is extended
    record = (tmp_path / "config.json").read_text()
    changed = subprocess.run([*command, "--learning_rate=0.01"], cwd=REPO, capture_output=True,
                             text=True, timeout=600)
    assert changed.returncode != 0
    assert "learning_rate stored 0.001, given 0.01" in changed.stderr
    assert (tmp_path / "config.json").read_text() == record
    longer = subprocess.run([a.replace("--epochs=3", "--epochs=4") for a in command], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert longer.returncode == 0, longer.stderr[-2000:]
    assert "epoch 4/4" in longer.stderr and "epoch 3/4 " not in longer.stderr
    history = json.loads((tmp_path / "config.json").read_text())["history"]
    assert history[-1]["changed"] == {"epochs": [3, 4]}
    # a lowered --epochs ends a run early, never below what is done
    undo = subprocess.run([a.replace("--epochs=3", "--epochs=2") for a in command], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert undo.returncode != 0 and "4 epochs are already trained" in undo.stderr


@pytest.mark.slow
def test_killed_while_a_backup_is_written_resumes_and_ends_as_an_uninterrupted_run(tmp_path):
    """SIGKILL while epoch 2's backup is half written (its staging folder exists, epoch 1's
    backup is complete): the rerun recovers, resumes after epoch 1 and ends with the
    uninterrupted run's figures. Width 512 makes the weights file large enough to catch."""
    def command(folder):
        return [sys.executable, "-m", "lifting.train", f"--model_dir={folder}",
                "--dataset=synthetic", "--width=512", "--batch_size=256", "--epochs=3",
                "--eval_frame_stride=10", "--nojit_compile"]

    killed, straight = tmp_path / "killed", tmp_path / "straight"
    backup = killed / "backup"

    def writing_the_second_backup() -> bool:
        names = os.listdir(backup) if backup.is_dir() else []
        return ((backup / "epoch-1" / "training_metadata.json").is_file()
                and any(name.startswith(".staging-epoch-2-") for name in names))

    assert kill_when(command(killed), writing_the_second_backup, 600, poll_s=0.001), \
        "the run ended before its second backup could be caught half written"
    resumed = rerun(command(killed))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "recovering epoch-2" in resumed.stderr and "epoch 2/3" in resumed.stderr
    assert "epoch 1/3 " not in resumed.stderr
    uninterrupted = rerun(command(straight))
    assert uninterrupted.returncode == 0, uninterrupted.stderr[-2000:]
    figures = [json.loads((folder / "eval.json").read_text())["gt+sh"]["average"]
               for folder in (killed, straight)]
    assert figures[0]["p1"] == pytest.approx(figures[1]["p1"], abs=1e-3), figures
    assert sorted(os.listdir(backup)) == ["epoch-2", "epoch-3"]


@pytest.mark.slow
def test_a_run_that_fills_its_disk_fails_and_its_rerun_with_space_finishes(tmp_path):
    """The run folder on a 20 MB tmpfs (a mount namespace of its own: `unshare -rm`), too
    small for the first backup: the run stops before writing it (the free space is checked
    first: h5py writing into a full disk crashes the interpreter), and the rerun after the
    filesystem is enlarged trains all epochs."""
    if shutil.which("unshare") is None:
        pytest.skip("needs util-linux's unshare to mount a small filesystem")
    train_command = (f"{sys.executable} -m lifting.train --model_dir=$D/run "
                     "--dataset=synthetic --width=512 --batch_size=256 --epochs=2 "
                     "--eval_frame_stride=10 --nojit_compile")
    script = textwrap.dedent(f"""
        D={tmp_path}/small; mkdir -p $D
        mount -t tmpfs -o size=20m tmpfs $D || exit 97
        {train_command} 2> {tmp_path}/first.log; echo "first=$?"
        mount -o remount,size=300m $D
        {train_command} 2> {tmp_path}/second.log; echo "second=$?"
        ls -a $D/run/backup
    """)
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=REPO,
                            capture_output=True, text=True, timeout=900)
    if result.returncode == 97 or "first=" not in result.stdout:
        pytest.skip(f"this machine refuses a tmpfs mount: {result.stderr[-300:]}")
    assert "first=0" not in result.stdout
    assert "No space left on device" in (tmp_path / "first.log").read_text()
    assert "second=0" in result.stdout, (tmp_path / "second.log").read_text()[-2000:]
    second = (tmp_path / "second.log").read_text()
    assert "epoch 2/2" in second
    assert result.stdout.split()[-2:] == ["epoch-1", "epoch-2"]  # no staging folder left


def test_export_matches_the_keras_model(trained):
    from lifting.config import load_trained
    model_dir, _ = trained
    model, norm, _ = load_trained(model_dir)
    serving = tf.saved_model.load(os.path.join(model_dir, "export"))
    rng = np.random.default_rng(0)
    gt, detected = (rng.uniform(200, 800, (70, 16, 2)).astype(np.float32) for _ in range(2))
    def keras_mm(a, b):
        out = model({"gt_2d": norm.normalise_2d(a), "detected_2d": norm.normalise_2d(b)},
                    training=False).numpy() * norm.std_3d + norm.mean_3d
        return np.concatenate([np.zeros((len(a), 1, 3)), out.reshape(-1, 16, 3)], axis=1)
    for size in (7, 70):  # small batches run XLA-compiled, larger ones do not
        a, b = gt[:size], detected[:size]
        single = serving.signatures["serving_default"](keypoints_2d=tf.constant(b))
        np.testing.assert_allclose(single["pose_3d"].numpy(), keras_mm(b, b), rtol=1e-4,
                                   atol=1e-3)
        pair = serving.signatures["two_stream"](gt_2d=tf.constant(a), detected_2d=tf.constant(b))
        np.testing.assert_allclose(pair["pose_3d"].numpy(), keras_mm(a, b), rtol=1e-4, atol=1e-3)
        assert pair["pose_3d"].shape == (size, 17, 3) and not pair["pose_3d"].numpy()[:, 0].any()


@pytest.mark.slow
def test_an_export_killed_while_it_is_written_is_redone_by_the_rerun(trained, tmp_path):
    """SIGKILL while lifting.export writes its staging folder over an existing export: the
    old export stays loadable, and the rerun clears the leftover and exports the same model."""
    model_dir = tmp_path / "model"
    shutil.copytree(trained[0], model_dir)
    command = [sys.executable, "-m", "lifting.export", f"--model_dir={model_dir}"]

    def writing_the_export() -> bool:
        return any(p.name.startswith(".staging-export-") and any(p.glob("content/*"))
                   for p in model_dir.iterdir())

    assert kill_when(command, writing_the_export, 300, poll_s=0.002)
    assert any(p.name.startswith(".staging-export-") for p in model_dir.iterdir())
    poses = tf.constant(np.random.default_rng(1).uniform(200, 800, (5, 16, 2)), tf.float32)
    lift = lambda: tf.saved_model.load(str(model_dir / "export")).signatures[  # noqa: E731
        "serving_default"](keypoints_2d=poses)["pose_3d"].numpy()
    before = lift()  # the export of the training run survived the kill
    again = rerun(command)
    assert again.returncode == 0, again.stderr[-2000:]
    assert not [p.name for p in model_dir.iterdir() if p.name.startswith(".staging")
                or p.name.endswith(".previous")]
    np.testing.assert_allclose(lift(), before, rtol=0, atol=1e-4)


def test_xla_serves_small_batches_only_unless_told():
    from lifting.trainer import XLA_MAX_BATCH, _use_xla
    small, large = (TrainSettings(model_dir="unused", batch_size=b)
                    for b in (XLA_MAX_BATCH, XLA_MAX_BATCH + 1))
    assert _use_xla(small) and not _use_xla(large)
    assert _use_xla(TrainSettings(model_dir="unused", batch_size=1024, jit_compile=True))
    assert not _use_xla(TrainSettings(model_dir="unused", batch_size=8, jit_compile=False))
    if not tf.config.list_logical_devices("GPU"):  # XLA has no collectives on CPUs
        assert not _use_xla(TrainSettings(model_dir="unused", batch_size=8,
                                          strategy="multi_worker"))
        with pytest.raises(SettingConflict, match="--nojit_compile"):
            _use_xla(TrainSettings(model_dir="unused", batch_size=8, jit_compile=True,
                                   strategy="multi_worker"))


def test_several_steps_per_call_only_for_xla_steps_outside_distribution_strategies():
    # Only the XLA step gains from Keras's multi-step loop; the loop fails under
    # MirroredStrategy (keras-team/keras#19246), and the mirrored test below trains through
    # the fallback to one step per call.
    from lifting.trainer import STEPS_PER_EXECUTION, XLA_MAX_BATCH, compiled_model

    def steps_per_call(**settings):
        settings = TrainSettings(model_dir="unused", architecture=LifterConfig(width=32),
                                 **settings)
        return compiled_model(settings, Normalization.identity())[1].steps_per_execution

    assert STEPS_PER_EXECUTION > 1
    assert steps_per_call(batch_size=XLA_MAX_BATCH) == STEPS_PER_EXECUTION
    assert steps_per_call(batch_size=XLA_MAX_BATCH + 1) == 1
    assert steps_per_call(batch_size=1024, steps_per_execution=4) == 4
    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        assert steps_per_call(batch_size=XLA_MAX_BATCH) == 1


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus(tmp_path):
    script = textwrap.dedent(f"""
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from common.distribute import make_strategy
        from lifting.config import LifterConfig
        from lifting.trainer import TrainSettings, train
        assert make_strategy("mirrored").num_replicas_in_sync == 2
        report = train(TrainSettings(model_dir={str(tmp_path)!r}, dataset="synthetic", epochs=1,
                                     architecture=LifterConfig(width=32), batch_size=128,
                                     strategy="mirrored", jit_compile=False))
        print("P1", report["average"]["p1"])
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "P1" in result.stdout


@pytest.mark.slow
def test_evaluate_defaults_to_the_inputs_the_model_was_trained_on(trained):
    model_dir, report = trained
    command = [sys.executable, "-m", "lifting.evaluate", f"--model_dir={model_dir}",
               "--dataset=synthetic", "--frame_stride=10"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert printed["input"] == "gt+sh" and printed["p1"] == pytest.approx(
        report["average"]["p1"], rel=1e-4)


def test_visual_check_writes_a_png(trained, tmp_path):
    from lifting.data import load_corpus
    from lifting.visualize import plot_take
    model_dir, _ = trained
    path = tmp_path / "grid.png"
    plot_take(model_dir, load_corpus("synthetic", None), "S9", "wave 1", str(path), frames=2)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("weight", [0.0, 1.0, 3.0])
def test_loss_is_the_average_plus_weighted_mean_of_the_stream_losses(weight):
    from lifting.data import Normalization
    from lifting.trainer import compiled_model
    norm = Normalization.identity()
    settings = TrainSettings(model_dir="unused", architecture=LifterConfig(width=16),
                             stream_loss_weight=weight, jit_compile=False)
    model, trainer = compiled_model(settings, norm)
    rng = np.random.default_rng(0)
    inputs = {"gt_2d": rng.normal(size=(8, 32)).astype(np.float32),
              "detected_2d": rng.normal(size=(8, 32)).astype(np.float32)}
    target = rng.normal(size=(8, 48)).astype(np.float32)
    outputs = {name: value.numpy() for name, value in trainer(inputs, training=False).items()}
    mse = {name: np.mean((value - target) ** 2) for name, value in outputs.items()}
    expected = mse["pose"] + weight * (mse["gt"] + mse["detected"]) / 2
    loss = trainer.evaluate(inputs, {n: target for n in outputs}, verbose=0, return_dict=True)
    assert loss["loss"] == pytest.approx(expected, rel=1e-4)
    np.testing.assert_allclose(model(inputs, training=False), outputs["pose"], atol=1e-6)


def test_the_frame_lifter_trains_on_the_mpjpe_in_mm_when_asked():
    """--loss=mpjpe: each output's loss is its mean joint distance in mm (the z-scores times
    the training poses' spread), not the MSE of the z-scores."""
    from lifting.trainer import compiled_model
    norm = dataclasses.replace(Normalization.identity(), std_3d=np.full(48, 40.0, np.float32))
    settings = TrainSettings(model_dir="unused", architecture=LifterConfig(width=16),
                             stream_loss_weight=0.0, loss="mpjpe", jit_compile=False)
    _, trainer = compiled_model(settings, norm)
    rng = np.random.default_rng(0)
    inputs = {"gt_2d": rng.normal(size=(8, 32)).astype(np.float32),
              "detected_2d": rng.normal(size=(8, 32)).astype(np.float32)}
    target = rng.normal(size=(8, 48)).astype(np.float32)
    pose = trainer(inputs, training=False)["pose"].numpy()
    distances = np.linalg.norm(((pose - target) * 40.0).reshape(8, 16, 3), axis=-1)
    expected = np.mean(distances.sum(axis=-1) / 17.0)
    loss = trainer.evaluate(inputs, {n: target for n in trainer.output}, verbose=0,
                            return_dict=True)
    assert loss["loss"] == pytest.approx(expected, rel=1e-4)
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        TrainSettings(model_dir="unused", loss="l1")


def test_the_frame_lifter_binary_refuses_the_temporal_lifters_flags(tmp_path):
    """A frame lifter would silently ignore --flip_test, so the binary refuses it by name (and
    only it: --loss applies to both kinds) and writes nothing."""
    command = [sys.executable, "-m", "lifting.train", f"--model_dir={tmp_path / 'run'}",
               "--flip_test", "--loss=mpjpe"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode != 0
    assert "--flip_test: the temporal lifter's" in result.stderr
    assert not (tmp_path / "run").exists()


def test_eval_json_drops_reports_of_earlier_weights(tmp_path):
    from lifting import evaluation
    from lifting.config import save_trained
    from lifting.model import build_lifter
    model = build_lifter(["gt"], width=16)
    save_trained(model, str(tmp_path))
    evaluation.record(str(tmp_path), {"input": "gt", "average": {"p1": 50.0}})
    evaluation.record(str(tmp_path), {"input": "sh", "average": {"p1": 90.0}})
    assert set(json.loads((tmp_path / "eval.json").read_text())) == {"gt", "sh"}
    model.get_layer("gt_out").bias.assign(np.ones(48))  # training continued
    save_trained(model, str(tmp_path))
    evaluation.record(str(tmp_path), {"input": "gt", "average": {"p1": 45.0}})
    saved = json.loads((tmp_path / "eval.json").read_text())
    assert set(saved) == {"gt"} and saved["gt"]["average"]["p1"] == 45.0
