import pytest

from common.errors import DataFormatError
from datasets.textio import read_table


def _write(tmp_path, text, name="t.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_a_well_formed_table(tmp_path):
    table = read_table(_write(tmp_path, "1 2 3\n4 5 6\n\n"), 3)
    assert table.shape == (2, 3) and table[1, 2] == 6


@pytest.mark.parametrize("text, line, problem", [
    ("1 2 3\n4 5\n", 2, "expected 3 values, found 2"),          # truncated line
    ("1 2 3\n4 5 6 7\n", 2, "expected 3 values, found 4"),      # wrong column count
    ("1 2 3\n4 x 6\n7 8 9\n", 2, "not a number: 'x'"),           # text in a number field
])
def test_malformed_lines_are_named(tmp_path, text, line, problem):
    path = _write(tmp_path, text)
    with pytest.raises(DataFormatError) as error:
        read_table(path, 3)
    assert error.value.line == line and problem in str(error.value)
    assert str(path) in str(error.value)


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(DataFormatError, match="file is empty"):
        read_table(_write(tmp_path, "\n\n"), 3)
    with pytest.raises(DataFormatError, match="file does not exist"):
        read_table(tmp_path / "absent.txt", 3)


def test_separator(tmp_path):
    table = read_table(_write(tmp_path, "1,2\n3,4\n"), 2, separator=",")
    assert table.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(DataFormatError, match=":2: expected 2 values"):
        read_table(_write(tmp_path, "1,2\n3\n", "b.txt"), 2, separator=",")
