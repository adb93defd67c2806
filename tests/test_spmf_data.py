"""Skeleton normalisation, augmentation and the tf.data pipelines of Enhanced-SPMF images."""
import dataclasses
import json

import numpy as np
import pytest

from datasets import synthetic
from datasets.kinematics import bone_lengths, with_bone_lengths
from datasets.layouts import H36M_17, KINECT_20, SBU_15, kinematic_bones
from datasets.sequences import SequenceDataset, SkeletonSequence
from spmf.data import (AugmentOptions, EvaluationImages, SkeletonImages, SpmfDataConfig,
                       per_sequence_accuracy)
from spmf.encode import SequenceError, encode_batch
from spmf.skeleton import (SkeletonOptions, body_axes, fill_missing_people, normalise,
                           reference_bone_lengths)


@pytest.fixture(scope="module")
def sequences() -> SequenceDataset:
    return synthetic.generate(seed=3, takes_per_action=1, num_frames=30).sequences


def _rotation_about_z(angle: float) -> np.ndarray:
    return np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0],
                     [0, 0, 1]], np.float32)


def test_upright_puts_the_body_up_on_y_and_facing_also_removes_the_heading(sequences):
    joints = sequences.sequences[0].joints  # Human3.6M world: z is up
    upright = normalise(joints, H36M_17, SkeletonOptions(orientation="upright"), "s")
    np.testing.assert_allclose(body_axes(upright, H36M_17, "s")[1], [0, 1, 0], atol=1e-5)
    facing = SkeletonOptions(orientation="facing")
    turned = joints @ _rotation_about_z(1.1).T + np.float32([900, -400, 0])
    np.testing.assert_allclose(normalise(turned, H36M_17, facing, "s"),
                               normalise(joints, H36M_17, facing, "s"), atol=0.05)
    np.testing.assert_allclose(body_axes(normalise(joints, H36M_17, facing, "s"), H36M_17, "s"),
                               np.eye(3), atol=1e-5)


def test_centring_per_sequence_keeps_the_trajectory_and_per_frame_removes_it(sequences):
    joints = sequences.sequences[0].joints.copy()
    joints += np.linspace(0, 1000, len(joints))[:, None, None].astype(np.float32)
    plain = SkeletonOptions(orientation="none")
    whole = normalise(joints, H36M_17, plain, "s")
    per_frame = normalise(joints, H36M_17, SkeletonOptions(centre="frame", orientation="none"),
                          "s")
    np.testing.assert_allclose(whole[:, 0].mean(0), 0, atol=1e-2)
    assert np.linalg.norm(whole[-1, 0] - whole[0, 0]) > 1000  # the walk is still there
    np.testing.assert_allclose(per_frame[:, 0], 0, atol=1e-3)


def test_a_missing_second_person_is_filled_in_not_invented():
    rng = np.random.default_rng(0)
    two = rng.normal(0, 300, (8, 30, 3)).astype(np.float32)
    gaps = two.copy()
    gaps[3:5, 15:] = 0  # person 2 absent in two frames: interpolated from frames 2 and 5
    filled = fill_missing_people(gaps, SBU_15, "s01s02/01/001")
    np.testing.assert_allclose(filled[3, 15:], two[2, 15:] + (two[5, 15:] - two[2, 15:]) / 3,
                               rtol=1e-5, atol=1e-3)
    alone = two.copy()
    alone[:, 15:] = 0  # never there: a copy of the first person
    np.testing.assert_array_equal(fill_missing_people(alone, SBU_15, "x")[:, 15:], two[:, :15])
    nobody = np.zeros_like(two)
    nobody[:, 15:] = two[:, 15:]
    with pytest.raises(SequenceError, match="s09s10.*first person"):
        fill_missing_people(nobody, SBU_15, "s09s10/02/003")
    with pytest.raises(SequenceError, match="not a whole number"):
        fill_missing_people(two[:, :20], SBU_15, "x")


def _dataset(layout, joints_per_frame, count=6, frames=12, seed=0) -> SequenceDataset:
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 300, (1, joints_per_frame, 3))
    items = tuple(SkeletonSequence(
        joints=(base + np.cumsum(rng.normal(0, 10, (frames + i, joints_per_frame, 3)), 0)
                ).astype(np.float32), label=i % 3, subject=1 + i % 2, source=f"seq{i}")
        for i in range(count))
    return SequenceDataset("test", layout, ("a", "b", "c"), items)


@pytest.mark.parametrize("layout, joints", [(KINECT_20, 20), (SBU_15, 30), (H36M_17, 17)],
                         ids=["kinect20", "sbu_two_people", "h36m17"])
def test_any_layout_becomes_batches_of_images(layout, joints):
    images = SkeletonImages(_dataset(layout, joints), SpmfDataConfig(batch_size=4, num_frames=10))
    batch, labels = images.training_batch(0)
    assert batch.shape == (4, 32, 32, 3) and batch.dtype == np.uint8 and labels.shape == (4,)


def test_a_sequence_of_the_wrong_joint_count_is_refused_naming_it():
    with pytest.raises(SequenceError, match="seq0.*kinect20"):
        SkeletonImages(_dataset(KINECT_20, 17), SpmfDataConfig())


def test_training_batches_are_a_function_of_seed_and_step_and_cover_each_epoch(sequences):
    config = SpmfDataConfig(augment=AugmentOptions(rotation_degrees=40, scale=0.1,
                                                   crop_min_fraction=0.7, jitter_mm=5),
                            batch_size=4, num_frames=16, seed=5)
    images = SkeletonImages(sequences, config)
    first, again = images.training_batch(3), SkeletonImages(sequences, config).training_batch(3)
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.array_equal(first[0], images.training_batch(4)[0])
    per_epoch = len(images) // 4
    seen = np.concatenate([images.training_batch(s)[1] for s in range(per_epoch)])
    assert np.bincount(seen).max() <= np.bincount(images.labels).max()
    streamed = next(iter(images.training_dataset(first_step=3)))
    np.testing.assert_array_equal(streamed[0].numpy(), first[0])
    np.testing.assert_array_equal(streamed[1].numpy(), first[1])


def test_augmentation_rotates_about_the_vertical_and_scales_distances(sequences):
    images = SkeletonImages(sequences, SpmfDataConfig(
        augment=AugmentOptions(rotation_degrees=90, scale=0.2), num_frames=20))
    indices = np.arange(4)
    plain = images.sequences(indices, None)
    varied = images.sequences(indices, np.random.default_rng(0))
    bone = lambda x: np.linalg.norm(x[:, :, 10] - x[:, :, 0], axis=-1)  # head to pelvis
    ratio = bone(varied) / bone(plain)
    assert np.all(np.abs(ratio - ratio[:, :1]) < 1e-4) and np.all(np.abs(ratio - 1) <= 0.2)
    heights = lambda x: x[..., 1]  # upright: y is the vertical, which rotation keeps
    np.testing.assert_allclose(heights(varied) / ratio[:, :1, None], heights(plain), atol=0.05)
    assert np.abs(varied[..., 0] / ratio[:, :1, None] - plain[..., 0]).max() > 10


def test_evaluation_views_start_with_the_plain_image_and_are_cached_per_sequence(sequences):
    config = SpmfDataConfig(augment=AugmentOptions(rotation_degrees=30), eval_views=3,
                            num_frames=16, batch_size=5)
    images = SkeletonImages(sequences, config)
    views = images.evaluation_images()
    assert len(views.images) == 3 * len(images)
    np.testing.assert_array_equal(views.sequence_ids[:6], [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(views.images[0::3], encode_batch(
        images.sequences(np.arange(len(images)), None)))
    assert not np.array_equal(views.images[1], views.images[0])


def test_accuracy_is_per_sequence_with_the_views_softmax_averaged():
    views = EvaluationImages(images=np.zeros((6, 1, 1, 3), np.uint8),
                             labels=np.array([0, 0, 0, 1, 1, 1]),
                             sequence_ids=np.array([0, 0, 0, 1, 1, 1]))
    # Sequence 0: two of three views wrong, but the average is right; sequence 1: wrong.
    probabilities = np.array([[0.9, 0.1], [0.4, 0.6], [0.45, 0.55],
                              [0.6, 0.4], [0.7, 0.3], [0.4, 0.6]])
    assert per_sequence_accuracy(probabilities, views) == 0.5


def test_swapping_people_shows_a_pair_in_either_order_each_normalised_on_its_own(sequences):
    one = sequences.sequences
    pairs = dataclasses.replace(sequences, sequences=tuple(
        dataclasses.replace(a, joints=np.concatenate([a.joints, b.joints + 800], axis=1))
        for a, b in zip(one[:-1], one[1:])))
    config = SpmfDataConfig(augment=AugmentOptions(swap_people=True), num_frames=20)
    images = SkeletonImages(pairs, config)
    indices = np.arange(len(images))
    plain = images.sequences(indices, None)
    reversed_order = SkeletonImages(dataclasses.replace(pairs, sequences=tuple(
        dataclasses.replace(s, joints=np.concatenate([s.joints[:, 17:], s.joints[:, :17]], 1))
        for s in pairs.sequences)), SpmfDataConfig(num_frames=20)).sequences(indices, None)
    drawn = images.sequences(indices, np.random.default_rng(0))
    is_plain = np.isclose(drawn, plain, atol=1e-3).all(axis=(1, 2, 3))
    is_reversed = np.isclose(drawn, reversed_order, atol=1e-3).all(axis=(1, 2, 3))
    assert np.all(is_plain ^ is_reversed) and is_plain.any() and is_reversed.any()
    alone = SkeletonImages(sequences, config)  # one person: nothing to swap
    np.testing.assert_array_equal(alone.sequences(np.arange(3), np.random.default_rng(0)),
                                  alone.sequences(np.arange(3), None))


def test_mirroring_shows_a_sequence_as_itself_or_its_reflection_with_sides_swapped(sequences):
    config = SpmfDataConfig(augment=AugmentOptions(mirror=True), num_frames=20)
    images = SkeletonImages(sequences, config)
    indices = np.arange(len(images))
    plain = images.sequences(indices, None)
    swapped = plain[:, :, list(sequences.layout.mirror_indices())]
    reflected = swapped * np.array([-1.0, 1.0, 1.0])  # "facing": the body's right is +x
    drawn = images.sequences(indices, np.random.default_rng(0))
    is_plain = np.isclose(drawn, plain, atol=1e-2).all(axis=(1, 2, 3))
    is_mirrored = np.isclose(drawn, reflected, atol=1e-2).all(axis=(1, 2, 3))
    assert np.all(is_plain ^ is_mirrored) and is_plain.any() and is_mirrored.any()
    # the mirror image still has its right side towards +x: the left joints now lie there
    right = sequences.layout.index("RShoulder")
    assert np.all(drawn[is_mirrored][:, :, right, 0].mean(1) > 0)


def test_mirroring_leaves_the_other_draws_as_a_run_without_it(sequences):
    options = dict(rotation_degrees=20, scale=0.1, crop_min_fraction=0.8, jitter_mm=10)
    without = SkeletonImages(sequences, SpmfDataConfig(augment=AugmentOptions(**options)))
    mirrored = SkeletonImages(sequences, SpmfDataConfig(
        augment=AugmentOptions(mirror=True, **options)))
    indices = np.arange(len(without))
    a = without.sequences(indices, np.random.default_rng(4))
    b = mirrored.sequences(indices, np.random.default_rng(4))
    same = np.isclose(a, b, atol=1e-3).all(axis=(1, 2, 3))
    assert same.any() and not same.all()  # the unmirrored half is drawn identically


def test_time_warp_changes_the_pace_but_keeps_the_ends_and_the_order(sequences):
    still = sequences.sequences[0].joints[:1]
    moving = np.concatenate([still + [[[10.0 * t, 0, 0]]] for t in range(30)])  # 10 mm a frame
    dataset = dataclasses.replace(sequences, sequences=tuple(
        dataclasses.replace(sequences.sequences[0], joints=moving.astype(np.float32))
        for _ in range(8)))
    config = SpmfDataConfig(skeleton=SkeletonOptions(centre="none", orientation="none"),
                            augment=AugmentOptions(time_warp=0.5), num_frames=20)
    images = SkeletonImages(dataset, config)
    drawn = images.sequences(np.arange(8), np.random.default_rng(0))[:, :, 0, 0]
    plain = images.sequences(np.arange(8), None)[:, :, 0, 0]
    np.testing.assert_allclose(drawn[:, [0, -1]], plain[:, [0, -1]], atol=1e-3)
    assert np.all(np.diff(drawn, axis=1) > 0)  # frames still in order
    steps = np.diff(drawn, axis=1) / np.diff(plain, axis=1)
    assert steps.max() <= 1.5 + 1e-3 and steps.min() >= 0.5 - 1e-3  # 1 +- w
    assert np.abs(drawn - plain).max() > 10  # some sequences run at another pace


def test_time_warp_is_drawn_only_when_asked(sequences):
    options = dict(rotation_degrees=20, scale=0.1, crop_min_fraction=0.8, jitter_mm=10)
    base = SkeletonImages(sequences, SpmfDataConfig(augment=AugmentOptions(**options)))
    again = SkeletonImages(sequences, SpmfDataConfig(augment=AugmentOptions(time_warp=0.0,
                                                                            **options)))
    indices = np.arange(len(base))
    np.testing.assert_array_equal(base.sequences(indices, np.random.default_rng(4)),
                                  again.sequences(indices, np.random.default_rng(4)))
    with pytest.raises(ValueError, match="time_warp"):
        AugmentOptions(time_warp=1.0)


def _plain_and_drawn(sequences: SequenceDataset, augment: AugmentOptions
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Every sequence in the data's own axes, as is and as AUGMENT draws it."""
    config = SpmfDataConfig(skeleton=SkeletonOptions(centre="none", orientation="none"),
                            augment=augment, num_frames=20)
    images = SkeletonImages(sequences, config)
    indices = np.arange(len(images))
    return images.sequences(indices, None), images.sequences(indices, np.random.default_rng(0))


def test_limb_amplitude_scales_each_limbs_motion_about_its_mean_pose(sequences):
    plain, drawn = _plain_and_drawn(sequences, AugmentOptions(limb_amplitude=0.5))
    layout = sequences.layout
    limb_joints = {joint for _, chain in layout.limbs() for joint in chain}
    torso = [j for j in range(layout.num_joints) if j not in limb_joints]
    np.testing.assert_allclose(drawn[:, :, torso], plain[:, :, torso], atol=1e-3)
    ratios = []
    for root, chain in layout.limbs():
        before = plain[:, :, chain] - plain[:, :, [root]]
        after = drawn[:, :, chain] - drawn[:, :, [root]]
        np.testing.assert_allclose(after.mean(1), before.mean(1), atol=1e-2)  # mean pose kept
        spread_before = np.abs(before - before.mean(1, keepdims=True)).sum(axis=(1, 2, 3))
        spread_after = np.abs(after - after.mean(1, keepdims=True)).sum(axis=(1, 2, 3))
        ratios.append(spread_after / spread_before)  # one factor per sequence and limb
    ratios = np.stack(ratios, 1)
    assert ratios.min() >= 0.5 - 1e-3 and ratios.max() <= 1.5 + 1e-3
    assert np.ptp(ratios, axis=1).min() > 1e-3  # the limbs of a sequence differ


def test_limb_amplitude_is_drawn_after_the_others_and_needs_a_layout_with_limbs(sequences):
    options = dict(rotation_degrees=20, scale=0.1, crop_min_fraction=0.8, jitter_mm=0)
    base = SkeletonImages(sequences, SpmfDataConfig(augment=AugmentOptions(**options)))
    styled = SkeletonImages(sequences, SpmfDataConfig(
        augment=AugmentOptions(limb_amplitude=0.3, **options)))
    indices = np.arange(len(base))
    a = base.sequences(indices, np.random.default_rng(4))
    b = styled.sequences(indices, np.random.default_rng(4))
    hip = sequences.layout.index("Hip")
    np.testing.assert_allclose(a[:, :, hip], b[:, :, hip], atol=1e-3)
    assert not np.allclose(a, b, atol=1)
    faceless = dataclasses.replace(sequences, layout=dataclasses.replace(
        sequences.layout, name="numbered",
        joints=tuple(f"j{k}" for k in range(sequences.layout.num_joints))))
    with pytest.raises(ValueError, match="numbered names no shoulder"):
        SkeletonImages(faceless, SpmfDataConfig(augment=AugmentOptions(limb_amplitude=0.3)))
    with pytest.raises(ValueError, match="limb_amplitude"):
        AugmentOptions(limb_amplitude=1.0)


def test_shear_is_one_linear_map_per_sequence_that_keeps_the_diagonal(sequences):
    plain, drawn = _plain_and_drawn(sequences, AugmentOptions(shear=0.3))
    for before, after in zip(plain.reshape(len(plain), -1, 3), drawn.reshape(len(drawn), -1, 3)):
        matrix = np.linalg.lstsq(before, after, rcond=None)[0].T  # after = matrix @ before
        np.testing.assert_allclose(np.diag(matrix), 1, atol=1e-3)
        off_diagonal = matrix[~np.eye(3, dtype=bool)]
        assert np.abs(off_diagonal).max() <= 0.3 + 1e-3 and np.abs(off_diagonal).max() > 1e-3
    with pytest.raises(ValueError, match="shear"):
        AugmentOptions(shear=1.0)


@pytest.mark.parametrize("layout, joints", [(KINECT_20, 20), (H36M_17, 34)],
                         ids=["kinect20", "h36m17_two_people"])
def test_the_body_part_order_only_reorders_each_persons_joints_in_the_rows(layout, joints):
    dataset = _dataset(layout, joints)
    parts = SpmfDataConfig(num_frames=10, skeleton=SkeletonOptions(joint_order="body_parts"))
    images = SkeletonImages(dataset, parts)
    order = np.array(layout.body_part_order())
    rows = np.concatenate([order + person * layout.num_joints
                           for person in range(joints // layout.num_joints)])
    indices = np.arange(len(images))
    joints_in_layout_order = images.sequences(indices, None)
    expected = encode_batch(joints_in_layout_order[:, :, rows], parts.encoding)
    np.testing.assert_array_equal(images.encode(indices, None), expected)
    in_layout_order = SkeletonImages(dataset, dataclasses.replace(parts, skeleton=SkeletonOptions()))
    assert not np.array_equal(in_layout_order.encode(indices, None), expected)
    assert SpmfDataConfig.from_json(parts.to_json()) == parts
    # SBU's layout already lists its joints by part: the option changes nothing there
    assert SBU_15.body_part_order() == tuple(range(15))


def test_a_classifier_exported_before_the_joint_order_existed_reads_as_the_layouts_order():
    fields = json.loads(SpmfDataConfig().to_json())
    del fields["skeleton"]["joint_order"]
    assert SpmfDataConfig.from_json(json.dumps(fields)).skeleton.joint_order == "layout"
    with pytest.raises(ValueError, match="joint_order"):
        SkeletonOptions(joint_order="alphabetical")


@pytest.mark.parametrize("layout, joints", [(KINECT_20, 20), (SBU_15, 30)],
                         ids=["kinect20", "sbu_two_people"])
def test_reference_bones_draw_one_image_for_one_movement_by_bodies_of_any_build(layout, joints):
    tree = kinematic_bones(layout)
    movement = _dataset(layout, joints).sequences[0].joints
    people = joints // layout.num_joints
    per_person = movement.reshape(len(movement), people, layout.num_joints, 3)
    # the same bone directions, frame by frame, on a body with other proportions
    build = np.random.default_rng(1).uniform(0.7, 1.3, len(tree))
    other = with_bone_lengths(per_person, tree, build * bone_lengths(per_person, tree))
    other = other.reshape(movement.shape).astype(np.float32)
    reference = tuple(np.random.default_rng(2).uniform(100, 400, len(tree)))
    options = SkeletonOptions(bone_lengths=reference)
    np.testing.assert_allclose(normalise(other, layout, options, "s"),
                               normalise(movement, layout, options, "s"), atol=0.05)
    assert not np.allclose(normalise(other, layout, SkeletonOptions(), "s"),
                           normalise(movement, layout, SkeletonOptions(), "s"), atol=1)
    rebuilt = normalise(movement, layout, options, "s").reshape(per_person.shape)
    np.testing.assert_allclose(bone_lengths(rebuilt, tree), np.broadcast_to(
        reference, (len(movement), people, len(tree))), rtol=1e-4)
    config = SpmfDataConfig(skeleton=options)
    assert SpmfDataConfig.from_json(config.to_json()) == config


def test_reference_bones_are_the_mean_of_each_persons_median_and_must_fit_the_tree():
    dataset = _dataset(SBU_15, 30, count=3)
    tree = kinematic_bones(SBU_15)
    joints = [s.joints.reshape(len(s.joints), 2, 15, 3) for s in dataset.sequences]
    expected = np.mean([np.median(bone_lengths(j, tree), 0) for j in joints], axis=(0, 1))
    np.testing.assert_allclose(reference_bone_lengths(
        [s.joints for s in dataset.sequences], SBU_15, ["a", "b", "c"]), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="seq0.*3 bone lengths.*14 bones"):
        SkeletonImages(dataset, SpmfDataConfig(skeleton=SkeletonOptions(bone_lengths=(1, 2, 3))))
    with pytest.raises(ValueError, match="positive"):
        SkeletonOptions(bone_lengths=(1.0, 0.0))
