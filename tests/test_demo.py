"""The main job, `pipeline.demo`, end to end on the embedded data at toy size: every stage
runs through the libraries the binaries use, and the report lists each one."""
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow  # the lifter, a search, a final run and 32 pipeline runs


def test_the_demo_runs_every_stage_and_reports_them(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.demo", "--flagfile=recipes/demo/demo.flags",
         f"--output_dir={tmp_path}", "--lifter_epochs=2", "--search_epochs=1",
         "--final_epochs=2", "--data_root="],
        cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    report = (tmp_path / "report.md").read_text()
    for stage in ("| data |", "| lifting (camera-independent input) |",
                  "| recognition on lifted poses |", "| pipeline.run on OpenPose folders |"):
        assert stage in report
    assert "| floor | found_arc |" in (tmp_path / "recognition" / "report.md").read_text()
