"""MP4 files a browser plays: H.264 through PyAV, OpenCV's MPEG-4 Part 2 only as a last resort.

Browsers decode H.264, VP8/VP9 and AV1, not the MPEG-4 Part 2 (`mp4v`) that OpenCV's pip
build writes to .mp4. OpenCV's pip build can write VP8/VP9 WebM but only with libvpx's
slowest settings (1.3 frames/s for VP9 at 1080p here); PyAV's wheels carry FFmpeg with
libx264, which writes 1080p H.264 at 30-55 frames/s on two cores (BUILD_NOTES.md). So
H.264 (yuv420p, which every browser decodes; the index at the front) is written through
PyAV; where PyAV or its libx264 is missing the file is still written, as mp4v, and the
report names it (`video_codec`).
"""
from __future__ import annotations

import os
from fractions import Fraction
from typing import Iterable

import cv2
import numpy as np

from common.atomic import atomic_path

H264_OPTIONS = {"preset": "veryfast", "crf": "23"}
MP4_OPTIONS = {"movflags": "+faststart"}  # the index first: playback starts at once
BROWSER_CODECS = ("h264", "avc1", "vp8", "vp9", "av1")
_ALIASES = {"fmp4": "mp4v", "avc1": "h264"}  # FFmpeg's names for MPEG-4 Part 2 and H.264


def _h264_available() -> bool:
    try:
        import av
        av.codec.Codec("libx264", "w")
    except Exception:  # no PyAV, or an FFmpeg without libx264: the mp4v fallback
        return False
    return True


def _even(frame: np.ndarray) -> np.ndarray:
    """FRAME with its last row and column repeated where its size is odd (yuv420p halves
    both sides)."""
    rows, columns = frame.shape[0] % 2, frame.shape[1] % 2
    if rows or columns:
        frame = np.pad(frame, ((0, rows), (0, columns), (0, 0)), mode="edge")
    return frame


def _write_h264(path: str, frames: Iterable[np.ndarray], fps: float) -> int:
    import av
    count = 0
    with av.open(path, "w", format="mp4", options=MP4_OPTIONS) as container:
        stream = None
        for frame in frames:
            frame = _even(np.ascontiguousarray(frame, np.uint8))
            if stream is None:
                rate = Fraction(fps).limit_denominator(1001)
                stream = container.add_stream("libx264", rate=rate, options=H264_OPTIONS)
                stream.width, stream.height = frame.shape[1], frame.shape[0]
                stream.pix_fmt = "yuv420p"
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
            count += 1
        if stream is not None:
            for packet in stream.encode():
                container.mux(packet)
    return count


def _write_mp4v(path: str, frames: Iterable[np.ndarray], fps: float) -> int:
    count, writer = 0, None
    try:
        for frame in frames:
            if writer is None:
                writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), fps,
                                         (frame.shape[1], frame.shape[0]))
                if not writer.isOpened():
                    raise OSError(f"{path}: OpenCV cannot write MP4 here")
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            count += 1
    finally:
        if writer is not None:
            writer.release()
    return count


def write_mp4(path: str | os.PathLike, frames: Iterable[np.ndarray], fps: float) -> int:
    """Writes RGB FRAMES to PATH atomically (H.264, else mp4v); returns the frame count."""
    fps = fps if fps and fps > 0 else 30.0
    with atomic_path(path) as temporary:
        if _h264_available():
            return _write_h264(temporary, frames, fps)
        return _write_mp4v(temporary, frames, fps)


def video_codec(path: str | os.PathLike) -> str:
    """The codec of the video at PATH as OpenCV reads it ("h264", "mp4v", ...; "" if none)."""
    capture = cv2.VideoCapture(os.fspath(path))
    try:
        code = int(capture.get(cv2.CAP_PROP_FOURCC))
    finally:
        capture.release()
    name = "".join(chr((code >> 8 * i) & 0xFF) for i in range(4)).strip("\0 ").lower()
    return _ALIASES.get(name, name)


def browser_playable(path: str | os.PathLike) -> bool:
    return video_codec(path) in BROWSER_CODECS
