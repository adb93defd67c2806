import numpy as np
import pytest

from common.epoch_order import EpochOrder
from datasets import geometry, h36m, layouts, synthetic
from lifting import data


@pytest.fixture(scope="module")
def corpus():
    return synthetic.generate(seed=0, takes_per_action=1, num_frames=40).corpus


def test_examples_are_camera_frame_root_relative_with_projected_gt(corpus):
    examples = data.build_examples(corpus, ["S9"], frame_stride=1)
    takes = [t for t in corpus.poses_3d if t.subject == "S9"]
    assert len(examples) == len(takes) * 4 * 40
    (take, camera_name) = min(k for k in corpus.detections_2d if k[0].subject == "S9")
    camera = corpus.camera("S9", camera_name)
    in_camera = geometry.world_to_camera(corpus.poses_3d[take], camera)
    np.testing.assert_allclose(examples.pose_3d[:40], (in_camera - in_camera[:, :1])[:, 1:],
                               atol=1e-2)
    np.testing.assert_allclose(examples.gt_2d[:40],
                               layouts.h36m17_to_16(geometry.project(corpus.poses_3d[take],
                                                                     camera)), atol=1e-2)
    np.testing.assert_array_equal(examples.detected_2d[:40],
                                  corpus.detections_2d[(take, camera_name)])
    assert examples.actions[examples.action[0]] == take.action


def test_frame_stride_and_unknown_subjects(corpus):
    assert len(data.build_examples(corpus, ["S9"], frame_stride=4)) == 8 * 4 * 10
    with pytest.raises(ValueError, match="no \\(take, camera\\)"):
        data.build_examples(corpus, ["S99"])


def test_normalization_round_trip(corpus, tmp_path):
    examples = data.build_examples(corpus, h36m.TRAIN_SUBJECTS)
    norm = data.Normalization.fit(examples)
    normalised = norm.normalise_3d(examples.pose_3d).numpy()
    np.testing.assert_allclose(normalised.mean(0), 0, atol=1e-3)
    np.testing.assert_allclose(normalised.std(0), 1, atol=1e-3)
    norm.save(tmp_path / "norm.json")
    loaded = data.Normalization.load(tmp_path / "norm.json")
    np.testing.assert_allclose(loaded.std_2d, norm.std_2d, rtol=1e-6)


def test_dataset_reshuffles_each_epoch_repeatably_and_covers_every_example(corpus):
    examples = data.build_examples(corpus, ["S9"])
    norm = data.Normalization.fit(examples)
    order = EpochOrder(len(examples), 64, seed=1)
    dataset = data.make_dataset(examples, norm, ("gt", "detected"), 64, order)

    def epoch(number):
        order.on_epoch_begin(number)
        return np.concatenate([y.numpy() for _, y in dataset])

    epochs = [epoch(0), epoch(1)]
    assert not np.array_equal(epochs[0], epochs[1])
    np.testing.assert_array_equal(epoch(1), epochs[1])  # a resumed epoch 1: the same batches
    expected = norm.normalise_3d(examples.pose_3d).numpy()
    for targets in epochs:  # each example at most once per epoch, only the remainder dropped
        assert len(np.unique(targets, axis=0)) == len(targets) == len(examples) // 64 * 64
    ordered = data.make_dataset(examples, norm, ("gt",), 100)
    inputs, targets = next(iter(ordered))
    assert set(inputs) == {"gt_2d"}
    np.testing.assert_allclose(targets.numpy(), expected[:100])
    np.testing.assert_allclose(inputs["gt_2d"].numpy(),
                               norm.normalise_2d(examples.gt_2d[:100]).numpy())


@pytest.fixture(scope="module")
def real_test_corpus(h36m_dir):
    """The real S9 and S11 takes, loaded once for the tests that need them."""
    return h36m.load(h36m_dir, subjects=h36m.TEST_SUBJECTS)


def test_real_h36m_test_split_size(real_test_corpus):
    corpus = real_test_corpus
    examples = data.build_examples(corpus, h36m.TEST_SUBJECTS, frame_stride=1)
    expected = sum(corpus.poses_3d[take].shape[0] for take, _ in corpus.detections_2d)
    assert len(examples) == expected
    assert np.abs(examples.pose_3d).max() < 2000  # root-relative millimetres


def _median_gap_px(detected: np.ndarray, projected: np.ndarray, shift: int) -> float:
    """Median pixel distance between detections at frame t + SHIFT and projections at t."""
    if shift >= 0:
        detected, projected = detected[shift:], projected[:len(projected) - shift]
    else:
        detected, projected = detected[:shift], projected[-shift:]
    return float(np.median(np.linalg.norm(detected - projected, axis=-1)))


def test_real_detections_are_frame_aligned_with_the_projected_joints(real_test_corpus):
    """A loader that shifted, strided or reordered the detections would still pass the frame
    count check; this pins that each detection belongs to its own frame. The SH Spine is left
    out (a different joint, 45 px away: BUILD_NOTES.md). Three S9 takes have ground truth that
    misses the video by 29-52 px at every shift; they are left out here, not in evaluation."""
    known_off = {("S9", "Greeting"), ("S9", "SittingDown 1"), ("S9", "Waiting 1")}
    corpus = real_test_corpus
    joints = [i for i, name in enumerate(layouts.H36M_16.joints) if name != "Spine"]
    best_shift, gap_at_zero = {}, {}
    for (take, camera_name), detected in sorted(corpus.detections_2d.items()):
        if (take.subject, take.name) in known_off:
            continue
        camera = corpus.camera(take.subject, camera_name)
        projected = layouts.h36m17_to_16(geometry.project(corpus.poses_3d[take], camera))
        detected, projected = detected[:, joints], projected[:, joints]
        by_shift = {s: _median_gap_px(detected, projected, s) for s in range(-3, 4)}
        key = f"{take.subject}/{take.name}.{camera_name}"
        best_shift[key], gap_at_zero[key] = min(by_shift, key=by_shift.get), by_shift[0]
    assert len(best_shift) == len(corpus.detections_2d) - 3 * 4
    assert {k: s for k, s in best_shift.items() if s not in (0, 1)} == {}
    assert {k: g for k, g in gap_at_zero.items() if g >= 15.0} == {}
