"""spmf.render: one picture per sequence at two sizes, a contact sheet per class, the record."""
import json
import subprocess
import sys
import time

import cv2
import pytest

from spmf.data import SpmfDataConfig
from spmf.render import RenderSettings, render
from tests.conftest import REPO


def _pngs(folder):
    return sorted(folder.rglob("*.png"))


def test_synthetic_renders_every_sequence_twice_and_a_sheet_per_class(tmp_path):
    summary = render(RenderSettings(dataset="synthetic", data_dir=None, out_dir=str(tmp_path),
                                    data=SpmfDataConfig(num_frames=20), large_size=64))
    assert summary["sequences"] == 112 and summary["sheets"] == 8
    network, large = _pngs(tmp_path / "network"), _pngs(tmp_path / "large")
    assert len(network) == len(large) == 112
    assert cv2.imread(str(network[0])).shape == (32, 32, 3)
    assert cv2.imread(str(large[0])).shape == (64, 64, 3)
    assert len(_pngs(tmp_path / "sheets")) == 8
    record = json.loads((tmp_path / "config.json").read_text())
    assert record["settings"]["data"]["num_frames"] == 20 and record["versions"]["tensorflow"]
    assert not list(tmp_path.rglob(".tmp-*"))  # every file renamed into place


def test_all_of_msr_action3d_renders_in_under_a_minute(msr_dir, tmp_path):
    start = time.perf_counter()
    summary = render(RenderSettings(dataset="msr_action3d", data_dir=str(msr_dir),
                                    out_dir=str(tmp_path)))
    assert time.perf_counter() - start < 60
    assert summary["sequences"] == 566 and summary["skipped"] == 1
    assert len(_pngs(tmp_path / "network")) == 566 and len(_pngs(tmp_path / "sheets")) == 20


@pytest.mark.slow
def test_the_binary_reports_a_bad_folder_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "spmf.render", "--dataset=msr_action3d",
         f"--data_dir={tmp_path / 'absent'}", f"--out_dir={tmp_path / 'out'}"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "absent" in result.stderr.splitlines()[-1] and "Traceback" not in result.stderr
