"""Enhanced-SPMF: a whole skeleton sequence as one colour image (Pham et al., Sensors 2019).

For every frame n the Pose Feature PF_n holds, for each pair of joints (i, j) of that frame,
their distance (JJD, coloured through JET) and the unit vector from i to j (JJO, its x, y, z
as R, G, B). The Motion Feature MF_n does the same for joint i of frame n and joint j of frame
n + 1, so the diagonal pairs (i, i) carry each joint's displacement. Columns in time order
[PF_1, MF_1, PF_2, ..., PF_N], each the JJD colours above the JJO colours, form an image of
2P rows and 2N - 1 columns that is resized to the network's input and enhanced with CLAHE on
its Lab lightness.

The authors never published their encoder, so every choice the text leaves open is a field of
`EncodingOptions` (defaults and the reasons for them in BUILD_NOTES.md). Each sequence is
array arithmetic over all its columns and pairs at once (no loop over joints, pairs or
frames) and OpenCV calls on whole images; a batch is a loop over its sequences, which was
measured faster on this machine than one pass over a batch-wide array (BUILD_NOTES.md).
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Literal

import cv2
import numpy as np
from scipy import signal


class SequenceError(ValueError):
    """A skeleton sequence that cannot be encoded; the message names the sequence."""

    def __init__(self, source: str, problem: str):
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


@dataclasses.dataclass(frozen=True)
class EncodingOptions:
    """How a sequence becomes an image.

    Attributes:
      pairs: "ordered" uses all J x J pairs (the paper's text; the motion feature's diagonal
        is each joint's displacement); "unordered" the J (J - 1) / 2 pairs i < j, which halves
        the work but drops that diagonal.
      distance_normalisation: "sequence_max" divides every JJD by the largest one of the
        sequence (pose and motion together); "fixed" divides by `distance_scale_mm` and clips
        at 1, so that absolute sizes survive.
      distance_scale_mm: the scale of "fixed" normalisation.
      smoothing_window: Savitzky-Golay window in frames (odd); 0 turns smoothing off. A
        sequence shorter than the window is smoothed with the largest odd window it holds.
      smoothing_order: polynomial order of the Savitzky-Golay filter.
      image_size: (height, width) of the output.
      clahe_clip_limit: OpenCV CLAHE clip limit on the Lab L channel; 0 turns CLAHE off.
      clahe_tile_grid: CLAHE tiles (rows, columns).
      motion_strides: the time scales of the motion feature: for each stride s, joint i of
        frame n paired with joint j of frame n + s, a motion column after each pose column
        (the paper: one stride of 1). A longer stride sees motion at a coarser scale, where
        a joint's displacement stands out of the pose distances the motion rows also hold;
        a sequence of no more frames than a stride uses the longest stride it holds.
    """

    pairs: Literal["ordered", "unordered"] = "ordered"
    distance_normalisation: Literal["sequence_max", "fixed"] = "sequence_max"
    distance_scale_mm: float = 2000.0
    smoothing_window: int = 0
    smoothing_order: int = 2
    image_size: tuple[int, int] = (32, 32)
    clahe_clip_limit: float = 2.0
    clahe_tile_grid: tuple[int, int] = (4, 4)
    motion_strides: tuple[int, ...] = (1,)

    def __post_init__(self):
        if self.pairs not in ("ordered", "unordered"):
            raise ValueError(f"pairs must be 'ordered' or 'unordered', got {self.pairs!r}")
        if self.distance_normalisation not in ("sequence_max", "fixed"):
            raise ValueError("distance_normalisation must be 'sequence_max' or 'fixed', got "
                             f"{self.distance_normalisation!r}")
        if self.distance_scale_mm <= 0:
            raise ValueError(f"distance_scale_mm must be > 0, got {self.distance_scale_mm}")
        if self.smoothing_window and (self.smoothing_window % 2 == 0
                                      or self.smoothing_window <= self.smoothing_order):
            raise ValueError("smoothing_window must be 0 or odd and above smoothing_order, got "
                             f"{self.smoothing_window} (order {self.smoothing_order})")
        if min(self.image_size) < 1 or self.clahe_clip_limit < 0 or min(self.clahe_tile_grid) < 1:
            raise ValueError("image_size and clahe_tile_grid must be positive and "
                             "clahe_clip_limit >= 0")
        strides = tuple(self.motion_strides)
        if not strides or min(strides) < 1 or list(strides) != sorted(set(strides)):
            raise ValueError("motion_strides must be increasing integers >= 1, got "
                             f"{self.motion_strides}")


def pair_indices(num_joints: int, pairs: str) -> tuple[np.ndarray, np.ndarray]:
    """(first, second) joint index of every pair, in row order (i major, then j)."""
    first, second = np.meshgrid(np.arange(num_joints), np.arange(num_joints), indexing="ij")
    first, second = first.ravel(), second.ravel()
    if pairs == "unordered":
        keep = first < second
        first, second = first[keep], second[keep]
    return first, second


def check_sequences(joints: np.ndarray, sources: list[str], num_joints: int | None = None
                    ) -> np.ndarray:
    """JOINTS (B, T, J, 3) as float32, or a SequenceError naming the first bad sequence."""
    joints = np.asarray(joints)
    if joints.ndim != 4 or joints.shape[-1] != 3:
        raise SequenceError(sources[0] if sources else "input",
                            f"expected (frames, joints, 3) per sequence, got {joints.shape[1:]}")
    if num_joints is not None and joints.shape[2] != num_joints:
        raise SequenceError(sources[0], f"expected {num_joints} joints, got {joints.shape[2]}")
    if joints.shape[1] < 2:
        raise SequenceError(sources[0], f"needs at least 2 frames, got {joints.shape[1]}")
    finite = np.isfinite(joints).all(axis=(1, 2, 3))
    if not finite.all():
        raise SequenceError(sources[int(np.argmin(finite))], "contains NaN or infinite values")
    return joints.astype(np.float32, copy=False)


def smooth(joints: np.ndarray, window: int, order: int) -> np.ndarray:
    """Savitzky-Golay filtering of every joint trajectory of (B, T, J, 3) along time."""
    frames = joints.shape[1]
    window = min(window, frames if frames % 2 else frames - 1)
    if window <= order:
        return joints
    return signal.savgol_filter(joints, window, order, axis=1).astype(np.float32)


# JJO divides by max(distance, this), which only keeps the division finite: a zero vector
# (a pair of coincident joints, a joint that did not move) gets JJO = 0, the grey 128.
DIRECTION_FLOOR_MM = np.float32(1e-6)
# OpenCV's JET palette as a lookup table: cv2.LUT applies it several times faster than
# cv2.applyColorMap, with the same bytes (pinned by the tests).
_JET = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None], cv2.COLORMAP_JET
                         ).reshape(1, 256, 3)


def usable_strides(num_frames: int, strides: tuple[int, ...]) -> tuple[int, ...]:
    """The motion strides a sequence of NUM_FRAMES can hold (each at least one motion column;
    a stride cut to the sequence's length is kept once)."""
    return tuple(dict.fromkeys(min(stride, num_frames - 1) for stride in strides))


@functools.lru_cache(maxsize=64)
def time_order(num_frames: int, strides: tuple[int, ...] = (1,)) -> np.ndarray:
    """Where each image column is found among [pose columns 0..T-1, then for each stride s
    its motion columns 0..T-1-s]: the features are computed in those blocks and put in time
    order (frame n's pose column, then its motion columns in the order of STRIDES) only when
    small. Cached: every image of a batch has the same order."""
    frame = [np.arange(num_frames)] + [np.arange(num_frames - s) for s in strides]
    kind = [np.full(len(block), k) for k, block in enumerate(frame)]
    order = np.lexsort((np.concatenate(kind), np.concatenate(frame)))
    order.flags.writeable = False  # one array serves every caller of the cache
    return order


def pair_vectors(joints: np.ndarray, pairs: str, strides: tuple[int, ...] = (1,)
                 ) -> np.ndarray:
    """(3, P, C) joint-to-joint vectors of a (T, J, 3) sequence, one array per axis, pairs
    i-major, C = T + sum(T - s): the pose pairs of frames 0..T-1, then for each stride s the
    motion pairs (i in frame n, j in frame n + s) of frames 0..T-1-s."""
    by_joint = np.ascontiguousarray(joints.transpose(2, 1, 0))  # (3, J, T)
    axes, num_joints, frames = by_joint.shape
    columns = frames + sum(frames - stride for stride in strides)
    vectors = np.empty((axes, num_joints, num_joints, columns), np.float32)
    np.subtract(by_joint[:, None], by_joint[:, :, None], out=vectors[..., :frames])
    start = frames
    for stride in strides:
        end = start + frames - stride
        np.subtract(by_joint[:, None, :, stride:], by_joint[:, :, None, :-stride],
                    out=vectors[..., start:end])
        start = end
    vectors = vectors.reshape(axes, num_joints * num_joints, columns)
    if pairs == "unordered":
        first, second = pair_indices(num_joints, pairs)
        vectors = vectors[:, first * num_joints + second]
    return vectors


def feature_image(joints: np.ndarray, options: EncodingOptions) -> np.ndarray:
    """(2P, C, 3) uint8 BGR of one (T, J, 3) sequence before resizing (C columns as
    `pair_vectors` makes them for the strides it holds, `usable_strides`): the JJD colours
    of each column above its JJO colours; columns as `pair_vectors` orders them.

    Built as an 8-bit image, as an image library would hold it before resizing: distances
    are rounded to one of JET's 256 colours, JJO components to 0..255 (OpenCV's rounding,
    half to even).
    """
    vectors = pair_vectors(joints, options.pairs,
                           usable_strides(len(joints), options.motion_strides))
    distance = np.sqrt(np.einsum("kpc,kpc->pc", vectors, vectors))
    scale = (float(distance.max()) if options.distance_normalisation == "sequence_max"
             else options.distance_scale_mm)
    level = cv2.convertScaleAbs(distance, alpha=255.0 / scale)  # saturates at 255
    jjd = cv2.LUT(cv2.merge([level, level, level]), _JET)
    inverse = np.maximum(distance, DIRECTION_FLOOR_MM)
    np.divide(127.5, inverse, out=inverse)
    component = np.empty_like(inverse)
    channels = []
    for axis in (2, 1, 0):  # BGR order, as OpenCV's colormap: blue = z, green = y, red = x
        np.multiply(vectors[axis], inverse, out=component)
        channels.append(cv2.convertScaleAbs(component, beta=127.5))
    return np.concatenate([jjd, cv2.merge(channels)])


def resize(image: np.ndarray, size: tuple[int, int], num_frames: int,
           strides: tuple[int, ...] = (1,)) -> np.ndarray:
    """(2P, C, 3) uint8 from `feature_image` of NUM_FRAMES frames and motion STRIDES
    -> (h, w, 3) with columns in time order.

    OpenCV's area interpolation, one axis at a time: box averaging when shrinking keeps every
    pair's colour in the image (a 20-joint sequence has 800 rows for 32, where point sampling
    would keep one in 25); short sequences, with fewer columns than the output, are
    interpolated.
    """
    height, width = size
    shrunk = cv2.resize(image, (image.shape[1], height), interpolation=cv2.INTER_AREA)
    in_time = np.ascontiguousarray(shrunk[:, time_order(num_frames, strides)])
    return cv2.resize(in_time, (width, height), interpolation=cv2.INTER_AREA)


def enhance(images: np.ndarray, clip_limit: float, tile_grid: tuple[int, int]) -> np.ndarray:
    """CLAHE on the Lab lightness of each uint8 BGR image of (B, H, W, 3), then RGB.

    OpenCV's CLAHE takes one image at a time: the one loop over the batch in the encoder.
    """
    if clip_limit <= 0:
        return np.ascontiguousarray(images[..., ::-1])
    clahe = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=tuple(tile_grid)[::-1])
    enhanced = np.empty_like(images)
    for index in range(images.shape[0]):
        lab = cv2.cvtColor(images[index], cv2.COLOR_BGR2LAB)
        lab[..., 0] = clahe.apply(np.ascontiguousarray(lab[..., 0]))
        enhanced[index] = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
    return enhanced


def encode_batch(joints: np.ndarray, options: EncodingOptions = EncodingOptions(),
                 sources: list[str] | None = None) -> np.ndarray:
    """(B, T, J, 3) sequences of equal length -> (B, H, W, 3) uint8 RGB images.

    SOURCES names the sequences for error messages (NaN, fewer than 2 frames, bad shape).
    """
    sources = sources or [f"sequence {index}" for index in range(len(joints))]
    joints = check_sequences(joints, sources)
    if options.smoothing_window:
        joints = smooth(joints, options.smoothing_window, options.smoothing_order)
    images = np.empty((len(joints), *options.image_size, 3), np.uint8)
    frames = joints.shape[1]
    strides = usable_strides(frames, options.motion_strides)
    for index, sequence in enumerate(joints):
        images[index] = resize(feature_image(sequence, options), options.image_size, frames,
                               strides)
    return enhance(images, options.clahe_clip_limit, options.clahe_tile_grid)


def encode(joints: np.ndarray, options: EncodingOptions = EncodingOptions(),
           source: str = "sequence") -> np.ndarray:
    """One (T, J, 3) sequence -> (H, W, 3) uint8 RGB image."""
    joints = np.asarray(joints)
    if joints.ndim != 3:
        raise SequenceError(source, f"expected (frames, joints, 3), got shape {joints.shape}")
    return encode_batch(joints[None], options, [source])[0]
