"""The pairing rule of pipeline.run (`pipeline.pairs`): who interacts with whom."""
import numpy as np
import pytest

from datasets.layouts import H36M_16
from pipeline.pairs import PairRule, closest_hip_distance, find_pairs
from pose2d.tracks import PersonTrack

FRAMES = 30
BODY = 150.0  # hip-to-head length in pixels


def _person(track_id, hip_x, seen=slice(None), body=BODY, walk=0.0):
    """A track standing at HIP_X (moving WALK px a frame), its head BODY px above its hip,
    seen in the frames SEEN only."""
    keypoints = np.full((FRAMES, 16, 2), np.nan, np.float32)
    x = hip_x + walk * np.arange(FRAMES)
    shape = np.zeros((16, 2), np.float32)
    shape[:, 0] = np.linspace(-0.2, 0.2, 16) * body
    shape[H36M_16.index("Hip")] = [0, 0]
    shape[H36M_16.index("Head")] = [0, -body]
    frames = np.arange(FRAMES)[seen]
    keypoints[frames] = shape + np.stack([x[frames], np.full(len(frames), 400.0)], -1)[:, None]
    confidence = np.isfinite(keypoints[..., 0]).astype(np.float32)
    return PersonTrack(track_id, keypoints, confidence, np.zeros((FRAMES, 16), bool))


def test_two_people_at_arms_length_are_a_pair_and_its_statistic_is_in_body_sizes():
    a, b = _person(0, 100), _person(1, 100 + 1.5 * BODY)
    pairs = find_pairs([b, a])
    assert [p.track_ids for p in pairs] == [(0, 1)] and pairs[0].name == "pair_0_1"
    assert pairs[0].closest_hip_distance == pytest.approx(1.5, abs=1e-3)
    assert len(pairs[0].common_frames) == FRAMES


def test_the_statistic_does_not_depend_on_resolution_or_distance_to_the_camera():
    a, b = _person(0, 100), _person(1, 100 + 2 * BODY)
    small_a, small_b = _person(0, 25, body=BODY / 4), _person(1, 25 + BODY / 2, body=BODY / 4)
    assert closest_hip_distance(a.keypoints, b.keypoints) == pytest.approx(
        closest_hip_distance(small_a.keypoints, small_b.keypoints), rel=1e-4)


def test_people_who_never_come_near_each_other_are_not_a_pair():
    assert find_pairs([_person(0, 100), _person(1, 100 + 6 * BODY)]) == []


def test_people_who_approach_are_a_pair_by_their_closest_approach():
    # from 8 body sizes apart to 1: the 10th percentile of the distance is under 3
    approaching = _person(1, 100 + 8 * BODY, walk=-7 * BODY / (FRAMES - 1))
    pairs = find_pairs([_person(0, 100), approaching])
    assert len(pairs) == 1 and pairs[0].closest_hip_distance < 3


def test_people_who_are_not_seen_together_long_enough_are_not_a_pair():
    a = _person(0, 100, seen=slice(0, 16))
    b = _person(1, 100 + BODY, seen=slice(10, None))  # 6 common frames < 8
    assert find_pairs([a, b]) == []
    assert len(find_pairs([a, b], PairRule(min_common_frames=6))) == 1


def test_one_person_alone_makes_no_pair():
    assert find_pairs([_person(0, 100)]) == []
    assert find_pairs([]) == []


def test_of_three_people_the_closest_two_pair_and_nobody_is_in_two_pairs():
    a, b, c = _person(0, 100), _person(1, 100 + 2.5 * BODY), _person(2, 100 + 3.5 * BODY)
    pairs = find_pairs([a, b, c])
    assert [p.track_ids for p in pairs] == [(1, 2)]  # 1 body size apart beats 2.5
    far = _person(3, 100 + 40 * BODY)
    assert [p.track_ids for p in find_pairs([a, b, c, far])] == [(1, 2)]


def test_four_people_in_two_groups_make_two_pairs():
    people = [_person(0, 100), _person(1, 100 + BODY), _person(2, 2000),
              _person(3, 2000 + 2 * BODY)]
    assert sorted(p.track_ids for p in find_pairs(people)) == [(0, 1), (2, 3)]


def test_a_head_missing_in_every_frame_leaves_the_pair_unjudged():
    a, b = _person(0, 100), _person(1, 100 + BODY)
    b.keypoints[:, H36M_16.index("Head")] = np.nan
    assert closest_hip_distance(a.keypoints, b.keypoints) == float("inf")
    assert find_pairs([a, b]) == []


def test_the_viewer_shows_a_pair_where_it_was_placed_and_a_person_alone_in_their_own_slot():
    from pipeline.pair_outputs import PairResult
    from pipeline.person_outputs import PersonResult
    from pipeline.viewer import SLOT_MM, viewer_data
    body = np.zeros((FRAMES, 17, 3))
    body[:, 10] = [0, -700, 0]  # a head above the hip
    lifted = np.ones(FRAMES, bool)
    people = [PersonResult(_person(i, 100 * i), body, lifted, {}, [""] * FRAMES)
              for i in range(3)]
    placed = np.stack([body + [-400, 0, 100], body + [400, 0, -100]], axis=1)
    used = lifted.copy()
    used[:5] = False  # the pair not placed there: each at their mean place
    placed[~used] = np.nan
    pair = PairResult(find_pairs([p.track for p in people[:2]])[0], placed, used, {},
                      ["hugging"] * FRAMES)
    data = viewer_data(people, FRAMES, 30.0, [pair])
    hips = {p["id"]: np.array([pose[0] for pose in p["poses"]]) for p in data["people"]}
    np.testing.assert_allclose(hips[1] - hips[0], np.tile([800, 0, -200], (FRAMES, 1)),
                               atol=1)
    np.testing.assert_allclose(hips[2][:, 0] - (hips[0][:, 0] + hips[1][:, 0]) / 2,
                               SLOT_MM, atol=1)  # the next slot along x
    assert data["extent_mm"] == SLOT_MM + 500
    assert data["pairs"] == [{"ids": [0, 1], "labels": ["hugging"] * FRAMES}]
