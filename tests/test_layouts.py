import numpy as np
import pytest

from datasets import layouts


@pytest.mark.parametrize("layout", list(layouts.LAYOUTS.values()), ids=lambda l: l.name)
def test_every_mapping_is_an_affine_combination(layout):
    matrix = layouts.mapping_matrix(layout)
    assert matrix.shape == (16, layout.num_joints)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=1e-6)


def test_sh16_mapping_is_the_martinez_permutation():
    # Martinez et al.'s SH_TO_GT_PERM: SH-16 index of each H36M-16 joint.
    expected = [6, 2, 1, 0, 3, 4, 5, 7, 8, 9, 13, 14, 15, 12, 11, 10]
    assert layouts.mapping_matrix(layouts.SH_16).argmax(axis=1).tolist() == expected
    points = np.arange(32, dtype=np.float32).reshape(16, 2)
    np.testing.assert_array_equal(layouts.to_h36m16(points, layouts.SH_16), points[expected])


def test_h36m17_to_16_drops_neck_nose_only():
    points = np.random.default_rng(0).normal(size=(5, 17, 3)).astype(np.float32)
    out = layouts.h36m17_to_16(points)
    np.testing.assert_array_equal(out, np.delete(points, 9, axis=1))
    assert "Neck/Nose" not in layouts.H36M_16.joints


def test_missing_joints_are_synthesised_from_neighbours():
    rng = np.random.default_rng(1)
    coco = rng.normal(size=(3, 18, 2))
    out = layouts.to_h36m16(coco, layouts.COCO_18)
    c, h = layouts.COCO_18.index, layouts.H36M_16.index
    np.testing.assert_allclose(out[:, h("Hip")], (coco[:, c("RHip")] + coco[:, c("LHip")]) / 2)
    np.testing.assert_allclose(out[:, h("Thorax")], coco[:, c("Neck")])
    np.testing.assert_allclose(out[:, h("Spine")],
                               (out[:, h("Hip")] + out[:, h("Thorax")]) / 2, atol=1e-12)
    np.testing.assert_allclose(out[:, h("RFoot")], coco[:, c("RAnkle")])


def test_kinect_and_sbu_map_by_meaning():
    kinect = np.arange(20, dtype=np.float64)[:, None]
    out = layouts.to_h36m16(kinect, layouts.KINECT_20)[:, 0]
    k = layouts.KINECT_20.index
    assert out[layouts.H36M_16.index("Hip")] == k("HipCentre")
    assert out[layouts.H36M_16.index("RWrist")] == k("RWrist")
    sbu = np.arange(15, dtype=np.float64)[:, None]
    out = layouts.to_h36m16(sbu, layouts.SBU_15)[:, 0]
    assert out[layouts.H36M_16.index("LWrist")] == layouts.SBU_15.index("LHand")


def test_wrong_joint_count_is_rejected():
    with pytest.raises(ValueError, match="expected 18 joints"):
        layouts.to_h36m16(np.zeros((4, 17, 2)), layouts.COCO_18)


def test_bones_follow_the_parent_table():
    assert len(layouts.bones()) == 16
    assert (0, 1) in layouts.bones() and (15, 16) in layouts.bones()


@pytest.mark.parametrize("layout", [layouts.H36M_17, layouts.H36M_16, layouts.KINECT_20,
                                    layouts.SBU_15], ids=lambda l: l.name)
def test_a_kinematic_tree_reaches_every_joint_once_from_one_root_parents_first(layout):
    tree = layouts.kinematic_bones(layout)
    children = [child for _, child in tree]
    assert len(tree) == layout.num_joints - 1 and len(set(children)) == len(children)
    placed = set(range(layout.num_joints)) - set(children)  # the root
    for parent, child in tree:
        assert parent in placed
        placed.add(child)
    # each side's arm and leg hang from the same side
    for parent, child in tree:
        sides = {layout.joints[j][0] for j in (parent, child)} & {"L", "R"}
        assert len(sides) < 2, (layout.joints[parent], layout.joints[child])
    assert set(layouts.kinematic_bones(layouts.H36M_17)) == set(layouts.bones())


def test_a_layout_without_a_tree_is_named():
    with pytest.raises(ValueError, match="coco18 has no kinematic tree"):
        layouts.kinematic_bones(layouts.COCO_18)


@pytest.mark.parametrize("layout", list(layouts.LAYOUTS.values()), ids=lambda l: l.name)
def test_mirroring_swaps_sides_and_commutes_with_the_mapping_to_h36m16(layout):
    mirror = np.array(layout.mirror_indices())
    np.testing.assert_array_equal(mirror[mirror], np.arange(layout.num_joints))
    named = {"LShoulder": "RShoulder", "RHip": "LHip", "MouthL": "MouthR", "Head": "Head"}
    for joint, partner in named.items():
        if joint in layout.joints:
            assert layout.joints[mirror[layout.index(joint)]] == partner
    points = np.random.default_rng(0).normal(size=(3, layout.num_joints, 2))
    h36m_mirror = list(layouts.H36M_16.mirror_indices())
    np.testing.assert_allclose(layouts.to_h36m16(points[:, mirror], layout),
                               layouts.to_h36m16(points, layout)[:, h36m_mirror], atol=1e-6)


def test_a_sided_joint_without_its_counterpart_is_an_error():
    with pytest.raises(KeyError, match="RWrist"):
        layouts.JointLayout("odd", ("Hip", "LWrist")).mirror_indices()


def test_every_person_of_a_sequence_is_mapped_to_h36m16_on_its_own():
    from datasets.layouts import H36M_16, SBU_15, to_h36m16
    from datasets.sequences import SequenceDataset, SkeletonSequence, in_h36m16
    rng = np.random.default_rng(0)
    first, second = rng.normal(size=(2, 5, 15, 3)).astype(np.float32)
    pair = SkeletonSequence(joints=np.concatenate([first, second], 1), label=0, subject=1,
                            source="pair", confidence=np.ones((5, 30), np.float32))
    mapped = in_h36m16(SequenceDataset("sbu", SBU_15, ("a",), (pair,)))
    assert mapped.layout == H36M_16 and mapped.sequences[0].confidence is None
    np.testing.assert_allclose(mapped.sequences[0].joints,
                               np.concatenate([to_h36m16(first, SBU_15),
                                               to_h36m16(second, SBU_15)], 1), atol=1e-6)
    assert in_h36m16(mapped) is mapped


@pytest.mark.parametrize("layout", list(layouts.LAYOUTS.values()), ids=lambda l: l.name)
def test_every_body_layout_has_two_arms_below_its_shoulders_and_two_legs_below_its_hips(layout):
    limbs = layout.limbs()
    assert [layout.joints[root] for root, _ in limbs] == ["LShoulder", "LHip", "RShoulder",
                                                          "RHip"]
    for root, chain in limbs:
        side = layout.joints[root][0]
        assert all(layout.joints[joint][0] == side for joint in chain)
        assert root not in chain and chain
    elbows_and_knees = {layout.joints[chain[0]][1:] for _, chain in limbs}
    assert elbows_and_knees == {"Elbow", "Knee"}
    assert layouts.JointLayout("face", ("Nose", "LEye", "REye")).limbs() == ()


@pytest.mark.parametrize("layout", list(layouts.LAYOUTS.values()), ids=lambda l: l.name)
def test_the_body_part_order_puts_the_trunk_first_then_each_limb_from_its_root(layout):
    order = layout.body_part_order()
    assert sorted(order) == list(range(layout.num_joints))
    limbs = layout.limbs()
    trunk = len(order) - sum(1 + len(chain) for _, chain in limbs)
    assert list(order[:trunk]) == sorted(order[:trunk])  # the trunk keeps the layout's order
    rest = list(order[trunk:])
    for root, chain in sorted(limbs, key=lambda limb: "Hip" in layout.joints[limb[0]]):
        assert rest[:1 + len(chain)] == [root, *chain]
        rest = rest[1 + len(chain):]
    names = [layouts.KINECT_20.joints[j] for j in layouts.KINECT_20.body_part_order()]
    assert names[4:12] == ["LShoulder", "LElbow", "LWrist", "LHand",
                           "RShoulder", "RElbow", "RWrist", "RHand"]
    face = layouts.JointLayout("face", ("Nose", "LEye", "REye"))
    assert face.body_part_order() == (0, 1, 2)
