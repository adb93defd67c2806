"""Videos a browser plays: H.264 MP4 through PyAV, mp4v only as the named last resort."""
import cv2
import numpy as np
import pytest

from pipeline import report
from pose2d import video_writer
from pose2d.video_writer import browser_playable, video_codec, write_mp4


def _frames(count=12, size=(101, 75)):
    """Moving squares on odd-sized RGB frames (yuv420p needs even sides: padded)."""
    width, height = size
    for index in range(count):
        frame = np.zeros((height, width, 3), np.uint8)
        frame[10:40, 5 + 4 * index:35 + 4 * index] = (250, 40, 40)
        yield frame


def _read(path):
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


def test_videos_are_h264_a_browser_plays(tmp_path):
    path = tmp_path / "clip.mp4"
    assert write_mp4(path, _frames(), 25.0) == 12
    assert video_codec(path) in ("h264", "avc1") and browser_playable(path)
    frames = _read(path)
    assert len(frames) == 12 and frames[0].shape == (76, 102, 3)
    assert frames[0][25, 20, 2] > 150 and frames[0][25, 20, 0] < 100  # red stays red (BGR)
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]  # no temporary file left


def test_without_h264_the_report_names_the_mp4v_files(tmp_path, monkeypatch):
    monkeypatch.setattr(video_writer, "_h264_available", lambda: False)
    path = tmp_path / "overlay.mp4"
    assert write_mp4(path, _frames(), 0.0) == 12  # an unknown rate is written as 30
    assert video_codec(path) == "mp4v" and not browser_playable(path)
    assert "overlay.mp4 (mp4v)" in report._codec_note([str(path)])


def test_a_report_of_playable_videos_has_no_codec_note(tmp_path):
    path = tmp_path / "overlay.mp4"
    write_mp4(path, _frames(), 30.0)
    assert report._codec_note([str(path), ""]) == ""


def test_a_failed_write_leaves_no_file(tmp_path):
    def broken():
        yield from _frames(3)
        raise RuntimeError("the drawing failed")

    with pytest.raises(RuntimeError):
        write_mp4(tmp_path / "clip.mp4", broken(), 30.0)
    assert list(tmp_path.iterdir()) == []
