"""The encoding screen: variants parsed from text, each scored on every held-out training
group with the same linear model, the defaults always among them."""
import json
import subprocess
import sys

import pytest

from recognition.data import RecognitionData
from recognition.encoding_screen import markdown, parse_variant, screen
from spmf.data import SpmfDataConfig
from tests.conftest import REPO


def test_a_variant_changes_only_the_fields_it_names():
    name, config = parse_variant('rows64 encoding.image_size=[64,32] skeleton.orientation="upright"'
                                 ' num_frames=20')
    assert name == "rows64"
    assert config.encoding.image_size == (64, 32) and config.skeleton.orientation == "upright"
    assert config.num_frames == 20
    assert config.encoding.clahe_clip_limit == SpmfDataConfig().encoding.clahe_clip_limit


@pytest.mark.parametrize("text, problem", [
    ("bad encoding.clahe=0", "has no field 'clahe'"),
    ("bad encoding.pairs=unordered", "not a JSON value"),
    ("bad num_frames", "not field=value"),
    ('bad encoding.pairs="both"', "pairs must be")])
def test_a_bad_variant_is_refused_with_its_name_and_problem(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_variant(text)


def test_every_training_group_is_scored_for_every_variant():
    variants = {"defaults": SpmfDataConfig(), **dict([parse_variant("short num_frames=8")])}
    results = screen(RecognitionData(), variants, c=0.01)
    assert set(results) == {"defaults", "short"}
    assert all(len(scores) == 5 and all(0 <= s <= 100 for s in scores)
               for scores in results.values())
    assert max(results["defaults"]) > 12.5  # better than chance somewhere (eight actions)
    table = markdown({"cross_subject": results})
    assert table.splitlines()[0] == "| variant | cross_subject | mean |"
    assert len(table.splitlines()) == 4


def test_the_flags_choose_lifted_skeletons_for_every_protocol():
    script = ("import json; from absl import flags; from recognition import encoding_screen as e; "
              "e.define_flags(); flags.FLAGS(['screen', '--dataset=sbu', '--protocols=fold1,fold2', "
              "'--skeleton_source=lifted', '--lifter=some/lifter']); "
              "print(json.dumps([[d.protocol, d.skeleton_source, d.lifter] "
              "for d in e.protocols_from_flags()]))")
    completed = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                               text=True, check=True)
    assert json.loads(completed.stdout.splitlines()[-1]) == [
        ["fold1", "lifted", "some/lifter"], ["fold2", "lifted", "some/lifter"]]
