"""The front-end's arithmetic: anchors, regions, weighted NMS, confidences and gap filling."""
import numpy as np
import pytest

from datasets.layouts import BLAZEPOSE_33, H36M_16
from pose2d.anchors import anchor_centres
from pose2d.detector import box_iou, letterbox, weighted_nms
from pose2d.roi import ROI_SCALE, region_from_points
from pose2d.tracks import fill_short_gaps, joint_confidence


def test_anchors_are_the_models_2254_cell_centres():
    centres = anchor_centres()
    assert centres.shape == (2254, 2)
    np.testing.assert_allclose(centres[0], [0.5 / 28, 0.5 / 28])
    np.testing.assert_allclose(centres[2], [1.5 / 28, 0.5 / 28])  # two anchors per cell
    np.testing.assert_allclose(centres[1568], [0.5 / 14, 0.5 / 14])  # the stride-16 grid
    assert len(np.unique(centres[1960:], axis=0)) == 49  # strides 32 x 3 share one 7 x 7 grid


@pytest.mark.parametrize("direction, rotation", [((0, -1), 0.0), ((1, 0), np.pi / 2),
                                                 ((-1, 0), -np.pi / 2)])
def test_a_region_turns_the_body_circle_point_to_the_top_of_the_crop(direction, rotation):
    hip = np.array([400.0, 300.0])
    circle = hip + 100 * np.array(direction)
    region = region_from_points(hip, circle)
    assert region.rotation == pytest.approx(rotation)
    assert region.side == pytest.approx(2 * 100 * ROI_SCALE)
    uncrop = region.uncrop_matrix(256)
    top_centre = uncrop @ np.array([128, 0, 1])
    np.testing.assert_allclose(top_centre, hip + ROI_SCALE * 100 * np.array(direction), atol=1e-6)
    back = region.crop_matrix(256) @ np.append(top_centre, 1)
    np.testing.assert_allclose(back, [128, 0], atol=1e-6)


def test_letterbox_keeps_the_aspect_and_maps_back():
    frame = np.zeros((100, 200, 3), np.uint8)
    square, scale, offset = letterbox(frame, 224)
    assert square.shape == (224, 224, 3) and scale == pytest.approx(1.12)
    np.testing.assert_allclose(offset, [0, 56])


def test_weighted_nms_merges_overlapping_boxes_by_score():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], np.float32)
    keypoints = np.stack([np.full((4, 2), v, np.float32) for v in (0.0, 3.0, 9.0)])
    merged = weighted_nms(boxes, keypoints, np.array([0.9, 0.3, 0.8]))
    assert len(merged) == 2 and merged[0][2] == pytest.approx(0.9)
    np.testing.assert_allclose(merged[0][0], [0.25, 0, 10.25, 10])
    np.testing.assert_allclose(merged[0][1], 0.75)
    assert box_iou(boxes[0], boxes[2:])[0] == 0


def test_an_h36m_joint_is_as_sure_as_its_least_sure_source():
    confidence = np.ones(33, np.float32)
    confidence[BLAZEPOSE_33.index("LHip")] = 0.2
    joints = joint_confidence(confidence, BLAZEPOSE_33)
    for name in ("Hip", "LHip", "Spine"):
        assert joints[H36M_16.index(name)] == pytest.approx(0.2)
    assert joints[H36M_16.index("RHip")] == 1 and joints[H36M_16.index("Head")] == 1


def test_short_gaps_are_interpolated_and_flagged_long_ones_and_edges_kept():
    frames = 20
    keypoints = np.zeros((frames, 16, 2), np.float32)
    keypoints[:, 0, 0] = np.arange(frames) * 2.0
    confidence = np.ones((frames, 16), np.float32)
    confidence[3:5, 0] = 0.1  # a 2-frame gap
    confidence[8:16, 0] = 0.1  # an 8-frame gap, above max_gap
    confidence[18:, 0] = 0.1  # the end of the track: nothing after it to interpolate from
    keypoints[3:5, 0, 0] = -99.0
    keypoints[8:16, 0, 0] = -99.0
    seen = np.ones(frames, bool)
    filled = fill_short_gaps(keypoints, confidence, seen, min_confidence=0.5, max_gap=4)
    np.testing.assert_allclose(keypoints[3:5, 0, 0], [6.0, 8.0])
    assert filled[3:5, 0].all() and (confidence[3:5, 0] == 0).all()
    assert not filled[8:16, 0].any() and (keypoints[8:16, 0, 0] == -99).all()
    assert not filled[18:, 0].any() and filled.sum() == 2
