"""Mirroring: the same geometry as a mirrored camera, flip augmentation and flip testing."""
import dataclasses

import numpy as np
import pytest

from datasets import geometry, h36m, layouts, synthetic
from common.epoch_order import EpochOrder
from lifting import data, evaluation, mirror
from lifting.config import LifterConfig
from lifting.model import build_lifter


@pytest.fixture(scope="module")
def corpus():
    return synthetic.generate(seed=0, takes_per_action=1, num_frames=40).corpus


@pytest.fixture(scope="module")
def examples(corpus):
    return data.build_examples(corpus, ["S9"])


def _mirrored_scene(in_camera: np.ndarray) -> np.ndarray:
    """(N, 17, 3) camera-frame H36M-17 points as a mirror at X = 0 shows them."""
    return in_camera[:, list(layouts.H36M_17.mirror_indices())] * [-1, 1, 1]


def test_mirrored_examples_are_what_a_mirrored_scene_would_give(corpus):
    take, camera_name = min(k for k in corpus.detections_2d if k[0].subject == "S9")
    camera = dataclasses.replace(corpus.camera("S9", camera_name), tangential=np.zeros(2))
    in_camera = geometry.world_to_camera(corpus.poses_3d[take], camera)
    mirrored_scene = _mirrored_scene(in_camera)
    pose = geometry.root_relative(in_camera)[:, 1:].astype(np.float32)
    np.testing.assert_allclose(mirror.mirror_pose(pose),
                               geometry.root_relative(mirrored_scene)[:, 1:], atol=1e-3)
    keypoints = layouts.h36m17_to_16(geometry.project_camera_points(in_camera, camera))
    principal_x = np.full(len(keypoints), camera.center[0], np.float32)
    expected = layouts.h36m17_to_16(geometry.project_camera_points(mirrored_scene, camera))
    np.testing.assert_allclose(mirror.mirror_keypoints(keypoints.astype(np.float32),
                                                       principal_x), expected, atol=1e-2)


def test_mirroring_twice_gives_the_examples_back(examples):
    twice = examples.mirrored().mirrored()
    for field in ("gt_2d", "detected_2d", "pose_3d"):
        np.testing.assert_allclose(getattr(twice, field), getattr(examples, field), atol=1e-3)
        assert not np.allclose(getattr(examples.mirrored(), field), getattr(examples, field))


def test_flip_augmentation_mirrors_about_half_of_each_epoch_anew(examples):
    norm = data.Normalization.fit(examples)
    mirror_image = examples.mirrored()
    plain = norm.normalise_3d(examples.pose_3d).numpy()
    mirrored = norm.normalise_3d(mirror_image.pose_3d).numpy()
    plain_inputs = norm.normalise_2d(examples.gt_2d).numpy()
    mirrored_inputs = norm.normalise_2d(mirror_image.gt_2d).numpy()
    order = EpochOrder(len(examples), 64, seed=3)
    dataset = data.make_dataset(examples, norm, ("gt", "detected"), 64, order, flip=True)
    choices = []
    for number in range(2):
        order.on_epoch_begin(number)
        epoch = {}
        for inputs, targets in dataset:
            for gt_row, target in zip(inputs["gt_2d"].numpy(), targets.numpy()):
                index = np.flatnonzero(np.all(np.isclose(plain, target, atol=1e-4), axis=1))
                flipped = not index.size
                if flipped:
                    index = np.flatnonzero(np.all(np.isclose(mirrored, target, atol=1e-4),
                                                  axis=1))
                source = mirrored_inputs if flipped else plain_inputs
                # the inputs are mirrored together with their target
                np.testing.assert_allclose(gt_row, source[index[0]], atol=1e-4)
                epoch[int(index[0])] = flipped
        assert 0.4 < np.mean(list(epoch.values())) < 0.6
        choices.append(epoch)
    shared = set(choices[0]) & set(choices[1])
    assert any(choices[0][i] != choices[1][i] for i in shared)


def test_flip_testing_is_mirror_equivariant_and_reported_apart(examples, tmp_path):
    config = LifterConfig(streams=("gt",), width=32)
    model = build_lifter(config.streams, width=32)
    norm = data.Normalization.fit(examples)
    predict = lambda ex, flip: evaluation.predict_mm(model, norm, config, ex, "gt", flip)
    plain, flipped = predict(examples, False), predict(examples, True)
    assert not np.allclose(plain, flipped, atol=1e-2)
    # Averaging over a frame and its mirror image: the mirrored frame gets the mirrored answer.
    np.testing.assert_allclose(mirror.mirror_pose(predict(examples.mirrored(), True)[:, 1:]),
                               flipped[:, 1:], atol=1e-2)
    report = evaluation.evaluate_examples(model, norm, config, examples, "gt", 1, flip_test=True)
    assert report["flip_test"] and evaluation.report_key(report) == "gt+flip"


def test_real_h36m_keypoint_mirror_matches_the_mirrored_projection(h36m_dir):
    corpus = h36m.load(h36m_dir, subjects=["S9"])
    take, camera_name = sorted(corpus.detections_2d)[0]
    camera = corpus.camera("S9", camera_name)
    in_camera = geometry.world_to_camera(corpus.poses_3d[take][::50].astype(np.float64), camera)
    mirrored_scene = _mirrored_scene(in_camera)
    keypoints = layouts.h36m17_to_16(geometry.project_camera_points(in_camera, camera))
    expected = layouts.h36m17_to_16(geometry.project_camera_points(mirrored_scene, camera))
    principal_x = np.full(len(keypoints), camera.center[0])
    # Only the lens's tangential distortion is not mirror-symmetric: a fraction of a pixel.
    assert np.abs(mirror.mirror_keypoints(keypoints, principal_x) - expected).max() < 0.5
