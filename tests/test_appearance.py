"""Torso colours (pose2d.appearance): the same clothes match, other clothes do not, and too
little of a torso gives no colours rather than a guess."""
import numpy as np

from pose2d.appearance import remembered, similarity, torso_colours


def _person(colour: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A frame with a torso of COLOUR between shoulders (11, 12) and hips (23, 24)."""
    frame = np.zeros((200, 200, 3), np.uint8)
    frame[50:150, 60:140] = colour
    points = np.zeros((33, 2), np.float32)
    points[[11, 12, 23, 24]] = [[60, 50], [140, 50], [60, 150], [140, 150]]
    return frame, points, np.ones(33, np.float32)


def test_the_same_clothes_match_and_other_clothes_do_not():
    red = torso_colours(*_person((200, 30, 30)))
    darker_red = torso_colours(*_person((120, 18, 18)))  # in shadow: same hue and saturation
    blue = torso_colours(*_person((30, 30, 200)))
    assert np.isclose(red.sum(), 1) and similarity(red, red) == 1.0
    assert similarity(red, darker_red) > 0.9
    assert similarity(red, blue) < 0.1


def test_a_torso_mostly_unseen_or_tiny_gives_no_colours():
    frame, points, visibility = _person((200, 30, 30))
    visibility[[11, 12]] = 0.1
    assert torso_colours(frame, points, visibility) is None
    points[[11, 12, 23, 24]] = [[100, 100], [104, 100], [100, 104], [104, 104]]
    assert torso_colours(frame, points, np.ones(33, np.float32)) is None


def test_one_frame_moves_the_remembered_colours_a_little():
    red = torso_colours(*_person((200, 30, 30)))
    blue = torso_colours(*_person((30, 30, 200)))
    assert remembered(None, red) is red and remembered(red, None) is red
    assert similarity(remembered(red, blue), red) > 0.9
