"""Shared fixtures: where the real data lives, and a clean skip when it does not."""
from __future__ import annotations

import os
import pathlib

import pytest

def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: end-to-end runs in subprocesses (kill and resume, two devices, whole "
        "binaries); `make test` leaves them out, `make test-slow` runs them, CI runs both")


REPO = pathlib.Path(__file__).resolve().parents[1]
# CI and developers keep the licensed data beside the repository; a user may point elsewhere.
SHARED_DATA = pathlib.Path(os.environ.get("SHARED_DATA_DIR", REPO.parent / "shared" / "data"))


def assert_same_trained_lifters(first: str, second: str, atol: float = 1e-5) -> None:
    """The lifters trained in model_dirs FIRST and SECOND hold the same weights."""
    import numpy as np
    from lifting.config import load_trained
    for one, other in zip(load_trained(first)[0].weights, load_trained(second)[0].weights):
        np.testing.assert_allclose(one.numpy(), other.numpy(), atol=atol, err_msg=one.path)


def shared_path(*parts: str) -> pathlib.Path:
    """A path under the shared data folder, or a skip naming what is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path} is absent (set SHARED_DATA_DIR)")
    return path


@pytest.fixture(scope="package")
def h36m_dir() -> pathlib.Path:
    return shared_path("h36m")


@pytest.fixture(scope="package")
def msr_dir() -> pathlib.Path:
    return shared_path("msr_action3d")


@pytest.fixture(scope="package")
def sbu_dir() -> pathlib.Path:
    return shared_path("sbu")


@pytest.fixture(scope="package")
def pose_models_dir() -> pathlib.Path:
    return shared_path("models")


@pytest.fixture(scope="package")
def ntu_video() -> pathlib.Path:
    return shared_path("videos", "ntu_drink_water.avi")


@pytest.fixture(scope="package")
def skeleton_lifter(tmp_path_factory) -> str:
    """A one-epoch, 32-unit detection stream on the synthetic set with the camera-independent
    input: a real lifter in seconds, for the tests of what consumes one."""
    from lifting.config import LifterConfig
    from lifting.trainer import TrainSettings, train

    model_dir = str(tmp_path_factory.mktemp("skeleton_lifter"))
    train(TrainSettings(model_dir=model_dir, dataset="synthetic", epochs=1, batch_size=256,
                        architecture=LifterConfig(width=32, streams=("detected",)),
                        input_normalization="skeleton", eval_frame_stride=10,
                        jit_compile=False))
    return model_dir


@pytest.fixture(scope="package")
def lifted_classifier(tmp_path_factory, skeleton_lifter) -> str:
    """An ENAS arc trained for two epochs on the synthetic set's lifted poses: the export a
    pipeline loads (class names, layout and encoding in its labels signature)."""
    from enas import arc as arc_lib
    from enas.final import FinalConfig, train_fixed
    from spmf.data import SpmfDataConfig
    from recognition.data import RecognitionData, load_splits

    folder = str(tmp_path_factory.mktemp("lifted_classifier"))
    data = RecognitionData(dataset="synthetic", train_copies=1,
                           images=SpmfDataConfig(eval_views=2), skeleton_source="lifted",
                           lifter=skeleton_lifter)
    config = FinalConfig(output_dir=folder, arc=tuple(arc_lib.parse("0 | 3 1").tolist()),
                         out_filters=8, num_epochs=2, batch_size=32, data=data)
    train_fixed(config, load_splits(data))
    return os.path.join(folder, "export")
