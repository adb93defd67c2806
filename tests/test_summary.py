import json
import subprocess
import sys

from datasets import describe
from tests.conftest import REPO


def test_msr_summary_reports_566_and_names_the_skipped_file(msr_dir):
    result = describe.summarise("msr_action3d", str(msr_dir))
    assert result["sequences"] == 566 and result["classes"] == 20 and result["subjects"] == 10
    assert result["joints"] == 20 and result["load_seconds"] < 5.0
    assert [item["source"].rsplit("/", 1)[-1] for item in result["skipped"]] == [
        "a13_s09_e02_skeleton3D.txt"]


def test_cli_prints_one_json_object_for_synthetic_data():
    output = subprocess.run([sys.executable, "-m", "datasets.summary", "--dataset=synthetic"],
                            cwd=REPO, check=True, capture_output=True, text=True).stdout
    result = json.loads(output)
    assert result["dataset"] == "synthetic" and result["classes"] == 8
    assert result["subjects"] == 7 and result["frames"] == result["sequences"] * 100


def test_cli_names_a_missing_folder_without_a_traceback(tmp_path):
    process = subprocess.run([sys.executable, "-m", "datasets.summary", "--dataset=sbu",
                              f"--data_dir={tmp_path / 'absent'}"], cwd=REPO,
                             capture_output=True, text=True)
    assert process.returncode == 1
    assert process.stderr.strip() == f"datasets.summary: {tmp_path / 'absent'}: folder does not exist"
