"""Run records: a resumed run with other settings is refused, naming every differing field;
an extended epoch count is allowed and kept in the record's history."""
import dataclasses
import json

import pytest

from common.run_record import RunFolderError, SettingsMismatch, open_run


@dataclasses.dataclass(frozen=True)
class Inner:
    learning_rate: float = 0.1
    layers: tuple[int, ...] = (1, 2)


@dataclasses.dataclass(frozen=True)
class Settings:
    output_dir: str = "a"
    num_epochs: int = 10
    seed: int = 0
    inner: Inner = Inner()


def test_a_new_folder_gets_the_full_nested_record(tmp_path):
    open_run(tmp_path, Settings())
    stored = json.loads((tmp_path / "config.json").read_text())
    assert stored["settings"]["inner"] == {"learning_rate": 0.1, "layers": [1, 2]}
    assert {"python", "tensorflow", "keras"} <= set(stored["versions"])
    assert isinstance(stored["command"], list)


def test_changed_settings_are_refused_naming_each_field_and_nothing_is_written(tmp_path):
    open_run(tmp_path, Settings())
    before = (tmp_path / "config.json").read_text()
    changed = Settings(seed=3, inner=Inner(learning_rate=0.2))
    with pytest.raises(SettingsMismatch) as error:
        open_run(tmp_path, changed, extendable=("num_epochs",))
    message = str(error.value)
    assert "inner.learning_rate stored 0.1, given 0.2" in message
    assert "seed stored 0, given 3" in message
    assert (tmp_path / "config.json").read_text() == before


def test_extending_the_run_is_allowed_and_recorded(tmp_path):
    open_run(tmp_path, Settings())
    open_run(tmp_path, Settings(num_epochs=20, output_dir="moved"), extendable=("num_epochs",))
    stored = json.loads((tmp_path / "config.json").read_text())
    assert stored["settings"]["num_epochs"] == 20
    assert stored["history"][0]["changed"] == {"num_epochs": [10, 20]}
    open_run(tmp_path, Settings(num_epochs=20), extendable=("num_epochs",))  # no new entry
    assert len(json.loads((tmp_path / "config.json").read_text())["history"]) == 1
    with pytest.raises(SettingsMismatch, match="num_epochs stored 20, given 15"):
        open_run(tmp_path, Settings(num_epochs=15), extendable=("num_epochs",))


def test_an_unreadable_record_is_refused_with_its_path(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(SettingsMismatch, match="config.json: not a readable run record"):
        open_run(tmp_path, Settings())


def test_a_run_folder_that_is_a_file_or_unwritable_is_named(tmp_path):
    @dataclasses.dataclass(frozen=True)
    class Settings:
        epochs: int = 1

    (tmp_path / "a_file").write_text("x")
    with pytest.raises(RunFolderError, match="a_file: is a file"):
        open_run(tmp_path / "a_file", Settings())
    with pytest.raises(RunFolderError, match="cannot be created"):
        open_run(tmp_path / "a_file" / "below", Settings())


def test_a_shortenable_field_may_be_lowered_and_is_recorded(tmp_path):
    open_run(tmp_path, Settings(num_epochs=20))
    with pytest.raises(SettingsMismatch, match="num_epochs stored 20, given 15"):
        open_run(tmp_path, Settings(num_epochs=15), extendable=("num_epochs",))
    open_run(tmp_path, Settings(num_epochs=15), shortenable=("num_epochs",))
    stored = json.loads((tmp_path / "config.json").read_text())
    assert stored["history"][-1]["changed"] == {"num_epochs": [20, 15]}


def test_a_field_added_after_the_run_was_made_counts_as_its_default(tmp_path):
    def forget_fields():
        path = tmp_path / "config.json"
        stored = json.loads(path.read_text())
        del stored["settings"]["seed"], stored["settings"]["inner"]["layers"]
        path.write_text(json.dumps(stored))

    open_run(tmp_path, Settings())
    forget_fields()
    open_run(tmp_path, Settings())  # both at their defaults: the same run
    stored = json.loads((tmp_path / "config.json").read_text())
    assert stored["settings"]["inner"]["layers"] == [1, 2] and not stored["history"]
    forget_fields()
    with pytest.raises(SettingsMismatch) as error:
        open_run(tmp_path, Settings(seed=4, inner=Inner(layers=(3,))))
    assert "seed stored None, given 4" in str(error.value)
    assert "inner.layers stored None, given [3]" in str(error.value)


def test_an_extendable_list_may_gain_items_but_not_lose_them(tmp_path):
    @dataclasses.dataclass(frozen=True)
    class Probe:
        seeds: tuple[int, ...] = (1,)

    open_run(tmp_path, Probe(), extendable=("seeds",))
    open_run(tmp_path, Probe(seeds=(0, 1, 2)), extendable=("seeds",))
    assert json.loads((tmp_path / "config.json").read_text())["history"][0]["changed"] == {
        "seeds": [[1], [0, 1, 2]]}
    with pytest.raises(SettingsMismatch, match="seeds stored"):
        open_run(tmp_path, Probe(seeds=(0, 2)), extendable=("seeds",))
