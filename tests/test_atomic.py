"""Atomic writes: the new file replaces the old in one step, with the user's umask."""
import os
import stat

import pytest

from common.atomic import atomic_path, write_text


def test_a_written_file_has_the_umask_mode_not_mkstemps_0600(tmp_path):
    previous = os.umask(0o027)
    try:
        write_text(tmp_path / "a.json", "{}")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "b.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            with open(temporary, "w") as handle:
                handle.write("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["b.txt"]
