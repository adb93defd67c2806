"""The Enhanced-SPMF encoder against a plain per-pair computation, a pinned image and bad input."""
import hashlib

import cv2
import numpy as np
import pytest

from spmf.encode import (DIRECTION_FLOOR_MM, EncodingOptions, SequenceError, encode,
                         encode_batch, feature_image, pair_indices, resize, time_order,
                         usable_strides)


def golden_sequence() -> np.ndarray:
    """(6, 5, 3) mm: five joints moving on fixed, smooth paths (no randomness)."""
    t = np.arange(6, dtype=np.float64)[:, None]
    joint = np.arange(5, dtype=np.float64)[None]
    return np.stack([300 * np.cos(0.4 * t + joint), 200 * np.sin(0.3 * t * joint) + 50 * joint,
                     100 * joint + 10 * t], axis=-1).astype(np.float32)


def _reference_columns(joints: np.ndarray, options: EncodingOptions) -> np.ndarray:
    """The 8-bit image before resizing, pair by pair in plain Python, in time order."""
    frames, num_joints = joints.shape[:2]
    pairs = list(zip(*pair_indices(num_joints, options.pairs)))
    strides = dict.fromkeys(min(stride, frames - 1) for stride in options.motion_strides)
    columns = []
    for n in range(frames):
        columns.append([joints[n, j] - joints[n, i] for i, j in pairs])
        for stride in strides:
            if n < frames - stride:
                columns.append([joints[n + stride, j] - joints[n, i] for i, j in pairs])
    largest = max(float(np.linalg.norm(v)) for column in columns for v in column)
    scale = largest if options.distance_normalisation == "sequence_max" \
        else options.distance_scale_mm
    jet = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None], cv2.COLORMAP_JET)[:, 0]
    image = np.zeros((2 * len(pairs), len(columns), 3), np.uint8)
    for c, column in enumerate(columns):
        for p, vector in enumerate(column):
            distance = float(np.linalg.norm(vector))
            image[p, c] = jet[int(np.rint(min(distance / scale, 1.0) * 255))]
            unit = vector / max(distance, DIRECTION_FLOOR_MM)
            image[len(pairs) + p, c] = [round(127.5 + 127.5 * unit[k]) for k in (2, 1, 0)]
    return image


@pytest.mark.parametrize("options", [
    EncodingOptions(),
    EncodingOptions(pairs="unordered"),
    EncodingOptions(distance_normalisation="fixed", distance_scale_mm=400.0),
    EncodingOptions(motion_strides=(2,)),
    EncodingOptions(motion_strides=(1, 2)),
    EncodingOptions(motion_strides=(1, 3, 9)),
], ids=["ordered", "unordered", "fixed_scale", "stride_2", "strides_1_2",
        "a_stride_longer_than_the_sequence"])
def test_every_feature_equals_the_per_pair_computation(options):
    joints = golden_sequence()[:4, :4]
    joints[1, 2] = joints[1, 1]  # a zero-length pose pair: JJD 0, JJO the middle grey
    ours = feature_image(joints, options)[:, time_order(4, usable_strides(
        4, options.motion_strides))]
    np.testing.assert_array_equal(ours, _reference_columns(joints, options))


def test_a_batch_encodes_each_sequence_as_it_would_alone():
    batch = np.stack([golden_sequence(), golden_sequence()[::-1] * 1.5])
    images = encode_batch(batch)
    for index in range(2):
        np.testing.assert_array_equal(images[index], encode(batch[index]))


def test_the_golden_image_is_pinned_byte_for_byte():
    image = encode(golden_sequence())
    assert image.shape == (32, 32, 3) and image.dtype == np.uint8
    assert hashlib.sha256(image.tobytes()).hexdigest() == GOLDEN_SHA256


# The sha256 of the golden image: any change of the encoding (feature, colour, order, resize,
# CLAHE) changes it. Re-pin only with a BUILD_NOTES entry saying what changed and why.
GOLDEN_SHA256 = "e46de421c073b209c52edd1eae32ee05587b522ef88b8d57e8dd5397664e40eb"


def test_resizing_averages_boxes_and_keeps_time_order():
    rows, frames = 64, 5
    image = np.zeros((rows, 2 * frames - 1, 3), np.uint8)
    image[:32] = 200  # top half bright; columns are stored pose block then motion block
    image[:, frames:] += 20  # the motion columns (odd in time order) slightly brighter
    out = resize(image, (4, 9), frames)
    assert out.shape == (4, 9, 3)
    np.testing.assert_array_equal(out[:2, 0::2], 200)
    np.testing.assert_array_equal(out[:2, 1::2], 220)
    np.testing.assert_array_equal(out[2:, 1::2], 20)


def test_rigid_motion_leaves_the_distance_rows_unchanged():
    joints = golden_sequence()
    angle = 0.7
    rotation = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0],
                         [0, 0, 1]], np.float32)
    moved = joints @ rotation.T + np.float32([500, -200, 3000])
    pairs = 25
    original = feature_image(joints, EncodingOptions())[:pairs].astype(int)
    rotated = feature_image(moved, EncodingOptions())[:pairs].astype(int)
    assert np.abs(original - rotated).max() <= 4  # JET steps of one level at most


def test_smoothing_and_options_change_the_image_and_bad_options_are_refused():
    noisy = golden_sequence() + np.random.default_rng(0).normal(0, 30, (6, 5, 3))
    plain = encode(noisy)
    assert not np.array_equal(plain, encode(noisy, EncodingOptions(smoothing_window=5)))
    assert not np.array_equal(plain, encode(noisy, EncodingOptions(clahe_clip_limit=0)))
    assert not np.array_equal(plain, encode(noisy, EncodingOptions(motion_strides=(1, 3))))
    assert encode(noisy, EncodingOptions(image_size=(64, 48))).shape == (64, 48, 3)
    for bad in (dict(smoothing_window=4), dict(pairs="all"), dict(distance_scale_mm=0),
                dict(image_size=(0, 32)), dict(motion_strides=(0,)),
                dict(motion_strides=(2, 1)), dict(motion_strides=())):
        with pytest.raises(ValueError):
            EncodingOptions(**bad)


@pytest.mark.parametrize("joints, problem", [
    (np.full((4, 5, 3), np.nan, np.float32), "NaN"),
    (np.zeros((1, 5, 3), np.float32), "at least 2 frames"),
    (np.zeros((4, 5, 2), np.float32), "(frames, joints, 3)"),
    (np.zeros((4, 5), np.float32), "(frames, joints, 3)"),
])
def test_malformed_sequences_are_refused_naming_them(joints, problem):
    with pytest.raises(SequenceError, match="a05_s01") as caught:
        encode(joints, source="a05_s01_e01_skeleton3D.txt")
    assert problem in str(caught.value)


def test_a_batch_names_the_sequence_that_is_bad():
    batch = np.stack([golden_sequence()] * 3)
    batch[2, 3, 1, 0] = np.inf
    with pytest.raises(SequenceError, match="third"):
        encode_batch(batch, sources=["first", "second", "third"])
