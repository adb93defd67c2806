import numpy as np
import pytest

from datasets import geometry, h36m, layouts, synthetic


@pytest.fixture(scope="module")
def data():
    return synthetic.generate(seed=0)


def test_deterministic_per_seed(data):
    again = synthetic.generate(seed=0)
    other = synthetic.generate(seed=1)
    take = next(iter(data.corpus.poses_3d))
    np.testing.assert_array_equal(data.corpus.poses_3d[take], again.corpus.poses_3d[take])
    assert not np.allclose(data.corpus.poses_3d[take], other.corpus.poses_3d[take])


def test_same_structures_as_the_real_loaders(data):
    corpus = data.corpus
    assert corpus.subjects == h36m.SUBJECTS
    assert len(corpus.actions) == len(synthetic.ACTION_NAMES) >= 8
    for (take, camera), detections in corpus.detections_2d.items():
        assert detections.shape == (corpus.poses_3d[take].shape[0], 16, 2)
    assert all(p.shape[1:] == (17, 3) and p.dtype == np.float32
               for p in corpus.poses_3d.values())
    assert len(data.sequences.sequences) == len(corpus.poses_3d)


def test_bones_are_rigid_and_subjects_differ(data):
    def bone_lengths(poses):
        return np.stack([np.linalg.norm(poses[:, c] - poses[:, p], axis=-1)
                         for p, c in layouts.bones()], axis=-1)
    by_subject = {}
    for take, poses in data.corpus.poses_3d.items():
        lengths = bone_lengths(poses)
        assert lengths.std(axis=0).max() < 15.0  # only marker noise moves a bone
        by_subject.setdefault(take.subject, []).append(lengths.mean(axis=0))
    means = np.array([np.mean(v, axis=0) for v in by_subject.values()])
    assert means.std(axis=0).mean() > 5.0


def test_detections_are_noisy_projections_inside_the_image(data):
    corpus = data.corpus
    errors = []
    for (take, name), detections in corpus.detections_2d.items():
        camera = corpus.camera(take.subject, name)
        projected = layouts.h36m17_to_16(geometry.project(corpus.poses_3d[take], camera))
        errors.append(np.linalg.norm(detections - projected, axis=-1).ravel())
        assert (detections >= 0).all() and (detections < 1000).all()
    median = np.median(np.concatenate(errors))
    assert 2.0 < median < 10.0


def test_actions_are_distinguishable_across_subjects(data):
    """A nearest-centroid classifier on per-joint motion trained on S1-S8 labels S9/S11."""
    def features(sequence):
        joints = geometry.root_relative(sequence.joints)
        return np.concatenate([joints.std(axis=0).ravel(), joints.mean(axis=0)[:, 2]])
    train = [s for s in data.sequences.sequences if s.subject not in (9, 11)]
    test = [s for s in data.sequences.sequences if s.subject in (9, 11)]
    centroids = np.stack([np.mean([features(s) for s in train if s.label == label], axis=0)
                          for label in range(len(synthetic.ACTION_NAMES))])
    predicted = [np.argmin(np.linalg.norm(centroids - features(s), axis=1)) for s in test]
    accuracy = np.mean([p == s.label for p, s in zip(predicted, test)])
    assert accuracy >= 0.9
