"""Left-right mirroring of lifting examples, for flip augmentation and flip test-time averaging.

Mirroring the image about the vertical line through the camera's principal point turns the
person into their mirror image: pixel u -> 2 c_x - u, camera-frame X -> -X, and every left
joint takes the place of its right partner. This is exact for the pinhole model; the lens's
radial distortion is symmetric about the principal point and its tangential part is a few
tenths of a pixel. Human3.6M's actors are mostly right-handed and each stands where a camera
sees them, so mirrored copies show the lifter poses it would otherwise never see. Measured on
Human3.6M, that did not make the lifter more accurate, and the SH detections' rightward
offset makes mirrored detections unlike real ones (BUILD_NOTES.md); the option stays for
other detectors and data.

The functions take and return tensors (numpy arrays are accepted), so the same code serves
the tf.data pipeline and the numpy evaluation.
"""
from __future__ import annotations

import tensorflow as tf

from datasets.layouts import H36M_16, H36M_17

KEYPOINT_MIRROR = H36M_16.mirror_indices()
# The lifter's target is H36M-17 without the root; the root is its own partner.
POSE_MIRROR = tuple(index - 1 for index in H36M_17.mirror_indices()[1:])


def mirror_keypoints(keypoints: tf.Tensor, principal_x: tf.Tensor) -> tf.Tensor:
    """(B, 16, 2) H36M-16 pixels of images mirrored about x = principal_x, (B,) pixels."""
    swapped = tf.gather(keypoints, KEYPOINT_MIRROR, axis=-2)
    principal_x = tf.cast(principal_x, swapped.dtype)
    return tf.stack([2.0 * principal_x[:, None] - swapped[..., 0], swapped[..., 1]], axis=-1)


def mirror_pose(pose: tf.Tensor) -> tf.Tensor:
    """(B, 16, 3) root-relative camera-frame poses (H36M-17 without the root), mirrored."""
    swapped = tf.gather(pose, POSE_MIRROR, axis=-2)
    return swapped * tf.constant([-1.0, 1.0, 1.0], swapped.dtype)
