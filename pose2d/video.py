"""Reading a video: RGB frames decoded in a thread beside the inference that consumes them.

Decoding a 1080p frame takes a large share of a frame's budget on two cores, and OpenCV's
decoder releases the GIL, so a reader thread fills a short queue while the caller runs the
models. Unreadable, empty or truncated files are a DataFormatError naming the file.
"""
from __future__ import annotations

import dataclasses
import os
import queue
import threading
from typing import Iterator

import cv2
import numpy as np
from absl import logging

from common.errors import DataFormatError

_QUEUE_FRAMES = 8


@dataclasses.dataclass(frozen=True)
class VideoInfo:
    """What the container says: size in pixels, frames per second, frame count (may lie)."""

    path: str
    width: int
    height: int
    fps: float
    frame_count: int


def probe(path: str | os.PathLike) -> VideoInfo:
    """The video's header, or a DataFormatError when it cannot be opened or decoded."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DataFormatError(path, "no such video file")
    capture = cv2.VideoCapture(path)
    try:
        if not capture.isOpened():
            raise DataFormatError(path, "not a video OpenCV can open")
        ok, frame = capture.read()
        if not ok or frame is None:
            raise DataFormatError(path, "no frame could be decoded (empty or not a video)")
        return VideoInfo(path, frame.shape[1], frame.shape[0],
                         float(capture.get(cv2.CAP_PROP_FPS) or 0.0) or 30.0,
                         int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0))
    finally:
        capture.release()


def frames(path: str | os.PathLike, info: VideoInfo | None = None) -> Iterator[np.ndarray]:
    """Every frame of PATH as (H, W, 3) uint8 RGB, decoded one step ahead in a thread.

    A file that stops decoding before the frame count of its header is logged as truncated
    (what was decoded is still returned)."""
    info = info or probe(path)
    buffer: queue.Queue = queue.Queue(maxsize=_QUEUE_FRAMES)
    stop = threading.Event()

    def decode() -> None:
        capture = cv2.VideoCapture(info.path)
        try:
            while not stop.is_set():
                ok, frame = capture.read()
                if not ok:
                    break
                buffer.put(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        finally:
            capture.release()
            buffer.put(None)

    reader = threading.Thread(target=decode, name="video-decoder", daemon=True)
    reader.start()
    count = 0
    try:
        while (frame := buffer.get()) is not None:
            count += 1
            yield frame
    finally:
        stop.set()
        while reader.is_alive():  # let the reader see the stop flag, however full the queue
            try:
                buffer.get(timeout=0.1)
            except queue.Empty:
                pass
        reader.join()
    if info.frame_count and count < info.frame_count:
        logging.warning("%s: decoded %d of the %d frames its header announces (truncated?)",
                        info.path, count, info.frame_count)
