import numpy as np
import pytest

from enas import arc, schedule


def test_published_arc_round_trips_and_matches_the_paper():
    published = arc.parse(arc.PUBLISHED_CIFAR10_ARC)
    assert published.size == 300 == arc.arc_length(24)
    summary = arc.describe(published)
    assert summary == {"layers": 24, "skips": 98, "ops": (
        "c3 s5 c3 c5 c5 s5 c5 c5 s3 c3 c5 c3 c5 s3 c3 c5 c5 c5 s5 s5 c3 s5 c3 c3")}
    np.testing.assert_array_equal(arc.parse(arc.format_flat(published)), published)
    np.testing.assert_array_equal(arc.parse(arc.format_rows(published)), published)
    assert len(arc.format_rows(published).splitlines()) == 24


def test_layers_split_ops_and_skips():
    flat = arc.parse("4 | 1 1 | 5 0 1")
    assert arc.layers(flat) == [(4, ()), (1, (1,)), (5, (0, 1))]
    assert arc.arc_length(12) == 78 and arc.num_layers_of(78) == 12
    assert arc.op_positions(3).tolist() == [0, 1, 3]


@pytest.mark.parametrize("text, problem", [
    ("0 1", "matches no number of layers"),
    ("6 0 0", "op ids must be 0..5"),
    ("0 1 2", "skip entries must be 0 or 1"),
    ("0 x 0", "integers only"),
])
def test_invalid_arcs_are_rejected(text, problem):
    with pytest.raises(ValueError, match=problem):
        arc.parse(text)


def test_layer_count_is_checked():
    with pytest.raises(ValueError, match="expected 12"):
        arc.parse("0 1 0", num_layers=12)


def test_cosine_schedule_restarts_at_10_30_70_150_310():
    assert schedule.restart_epochs(311) == [10, 30, 70, 150, 310]
    assert schedule.cosine_lr(0, 0.05, 0.0005) == pytest.approx(0.05)
    assert schedule.cosine_lr(5, 0.05, 0.0005) == pytest.approx(0.0005 + 0.5 * 0.0495)
    assert schedule.cosine_lr(9, 0.05, 0.0005) < 0.002
    assert schedule.cosine_lr(10, 0.05, 0.0005) == pytest.approx(0.05)
    assert schedule.cosine_lr(20, 0.05, 0.0005) == pytest.approx(0.0005 + 0.5 * 0.0495)
