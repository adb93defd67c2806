import numpy as np

from datasets import geometry, h36m, layouts


def _camera(**overrides) -> geometry.Camera:
    values = dict(name="c", rotation=geometry.look_at(np.array([3000.0, 0, 1500]),
                                                      np.zeros(3)),
                  translation=np.array([3000.0, 0, 1500]), focal=np.array([1000.0, 1010.0]),
                  center=np.array([500.0, 490.0]), radial=np.zeros(3), tangential=np.zeros(2))
    values.update(overrides)
    return geometry.Camera(**values)


def test_world_camera_round_trip():
    camera = _camera()
    points = np.random.default_rng(0).normal(0, 500, (4, 17, 3))
    back = geometry.camera_to_world(geometry.world_to_camera(points, camera), camera)
    np.testing.assert_allclose(back, points, atol=1e-9)
    np.testing.assert_allclose(camera.rotation @ camera.rotation.T, np.eye(3), atol=1e-12)


def test_projection_without_distortion_is_a_pinhole():
    camera = _camera()
    point_cam = np.array([100.0, -50.0, 2000.0])
    world = geometry.camera_to_world(point_cam, camera)
    expected = camera.focal * point_cam[:2] / point_cam[2] + camera.center
    np.testing.assert_allclose(geometry.project(world, camera), expected, atol=1e-9)


def test_distortion_matches_the_martinez_formula_by_hand():
    camera = _camera(radial=np.array([0.1, 0.01, 0.001]), tangential=np.array([0.002, -0.003]))
    x, y = 0.2, -0.1
    r2 = x * x + y * y
    radial = 1 + 0.1 * r2 + 0.01 * r2 ** 2 + 0.001 * r2 ** 3
    tan = 0.002 * y + -0.003 * x
    expected = [x * (radial + tan) + -0.003 * r2, y * (radial + tan) + 0.002 * r2]
    np.testing.assert_allclose(geometry.distort(np.array([x, y]), camera), expected, rtol=1e-12)


def test_procrustes_recovers_a_similarity_transform():
    rng = np.random.default_rng(3)
    target = rng.normal(0, 300, (8, 17, 3))
    angle = 0.7
    rotation = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0],
                         [0, 0, 1]])
    predicted = 1.3 * target @ rotation.T + np.array([10.0, -20.0, 30.0])
    aligned = geometry.procrustes_align(predicted, target)
    np.testing.assert_allclose(aligned, target, atol=1e-3)


def test_procrustes_never_reflects():
    rng = np.random.default_rng(4)
    target = rng.normal(0, 300, (17, 3))
    mirrored = target * np.array([-1.0, 1.0, 1.0])
    aligned = geometry.procrustes_align(mirrored, target)
    assert np.abs(aligned - target).mean() > 10.0  # a rotation cannot undo a mirror


def test_root_relative_zeroes_the_root():
    points = np.random.default_rng(5).normal(size=(2, 17, 3))
    assert np.all(geometry.root_relative(points)[:, 0] == 0)


def test_s9_directions_projects_onto_the_stacked_hourglass_detections(h36m_dir):
    corpus = h36m.load(h36m_dir, subjects=["S9"])
    take = next(t for t in corpus.poses_3d if t.name == "Directions")
    for camera in corpus.cameras["S9"]:
        projected = layouts.h36m17_to_16(geometry.project(corpus.poses_3d[take][0], camera))
        detected = corpus.detections_2d[(take, camera.name)][0]
        median = np.median(np.linalg.norm(projected - detected, axis=-1))
        assert median < 15.0, f"camera {camera.name}: median {median:.1f} px"
