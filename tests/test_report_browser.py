"""report.html in a real browser (headless Chromium): every video plays, the 3D viewer draws
and follows its slider, the page logs no error, and it opens fast, for a 300-frame clip of
two people. Skips, with the reason, where Chromium is not installed (`.ci/run` installs it)."""
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from pipeline.analysis import RunSettings, run
from pose2d import video_writer
from pose2d.front_end import FrontEndSettings
from pose2d.tracker import TrackerSettings
from tests.conftest import REPO
from tests.test_pipeline_run import _two_people_folder

FRAMES = 300
CHECKS = (REPO / "tests" / "browser" / "report_checks.js").read_text()
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory, skeleton_lifter, lifted_classifier):
    root = tmp_path_factory.mktemp("browser")
    folder = str(_two_people_folder(root / "json", nobody_at=(), frames=FRAMES))
    run(RunSettings(video=None, openpose_dir=folder, out_dir=str(root / "out"),
                    lifter=skeleton_lifter, classifier=lifted_classifier, window=60,
                    front_end=FrontEndSettings(tracker=TrackerSettings(max_people=2))))
    return root / "out" / "report.html"


def _open(report_path, *flags, query: str = "") -> dict:
    """What tests/browser/report_checks.js found in a copy of REPORT_PATH."""
    if BROWSER is None:
        pytest.skip("no Chromium here (Debian's chromium package; .ci/run installs it)")
    page = report_path.read_text()
    checked = report_path.with_name("checked.html")
    checked.write_text(page.replace("<head>", f"<head><script>{CHECKS}</script>", 1))
    done = subprocess.run([BROWSER, "--headless=new", "--no-sandbox", "--disable-gpu",
                           "--autoplay-policy=no-user-gesture-required", *flags,
                           "--dump-dom", checked.as_uri() + query],
                          capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="test-result">(.*?)</pre>', done.stdout, re.S)
    assert found, f"the checks did not report: {done.stderr[-1500:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_every_video_plays_and_the_viewer_draws_and_follows_its_slider(report):
    result = _open(report, "--virtual-time-budget=20000")
    assert result["errors"] == []
    assert len(result["videos"]) == 3  # the overlay and each person's skeleton_3d.mp4
    for video in result["videos"]:
        assert video["error"] is None and video["readyState"] >= 2 and video["width"] > 0, video
    assert result["drawnPixels"] > 500  # two skeletons on the light background
    assert result["changedBySlider"] > 500
    assert re.match(r"frame 150 / 300: #0 .+, #1 .+", result["caption"]), result["caption"]
    # play engages (how far it gets under the headless clock varies from run to run)
    assert result["buttonAfterPlay"] == "pause"


def test_the_viewer_opens_fast_and_the_page_is_small(report):
    result = _open(report, query="?timing")  # real time, not the virtual clock
    needed = [report] + [path for path in report.parent.rglob("*.png")]
    size = sum(os.path.getsize(path) for path in needed)
    print(json.dumps({"first_draw_ms": result["firstDrawMs"], "page_bytes": size}))
    assert result["firstDrawMs"] < 1000
    assert size < 5 * 2 ** 20


def test_a_video_the_browser_cannot_decode_is_caught(report, tmp_path, monkeypatch):
    """The checks can fail: an mp4v overlay does not reach a playable state in Chromium."""
    monkeypatch.setattr(video_writer, "_h264_available", lambda: False)
    page = tmp_path / "report.html"
    video_writer.write_mp4(tmp_path / "clip.mp4", (np.zeros((48, 64, 3), np.uint8)
                                                   for _ in range(10)), 30.0)
    page.write_text('<html><head></head><body><video src="clip.mp4"></video></body></html>')
    video = _open(page, "--virtual-time-budget=5000")["videos"][0]
    assert video["error"] is not None or video["width"] == 0
