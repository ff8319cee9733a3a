"""Writers: exact round trips through the readers, atomic files."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from handwriting.ink import InkError, make_ink
from handwriting.readers import read_ink
from handwriting.writers import (
    format_number,
    write_iam_ondb_line,
    write_inkml,
    write_json_ink,
)

WRITERS = {".json": write_json_ink, ".inkml": write_inkml, ".xml": write_iam_ondb_line}


def sample_ink():
    return make_ink(
        [
            [[1073, 1058, 769.05], [1074.5, 1061, 769.06]],
            [[1100, 1040.25, 769.5], [1102, 1041, 769.51]],
        ],
        text='He said "<b>" & left',
        id="a01-000u-01",
    )


@pytest.mark.parametrize("suffix", sorted(WRITERS))
def test_round_trip_gives_the_same_points(tmp_path, suffix):
    ink = sample_ink()
    path = WRITERS[suffix](ink, tmp_path / f"line{suffix}")
    back = read_ink(path)
    assert back.num_strokes == ink.num_strokes
    assert np.array_equal(back.points, ink.points)
    if suffix != ".xml":  # IAM-OnDB keeps transcripts in the ascii/ tree
        assert back.text == ink.text


def test_json_keeps_the_id(tmp_path):
    assert read_ink(write_json_ink(sample_ink(), tmp_path / "x.json")).id == "a01-000u-01"


def test_iam_line_file_has_the_native_structure(tmp_path):
    path = write_iam_ondb_line(sample_ink(), tmp_path / "a.xml")
    text = path.read_text(encoding="latin-1")
    assert text.startswith("<?xml") and "ISO-8859-1" in text
    assert '<Stroke colour="black" start_time="769.05" end_time="769.06">' in text
    assert '<Point x="1073" y="1058" time="769.05"/>' in text


def test_writers_refuse_invalid_ink_and_leave_nothing(tmp_path):
    bad = make_ink([[[0, 0, 0], [np.nan, 1, 1]]])
    for suffix, write in WRITERS.items():
        with pytest.raises(InkError):
            write(bad, tmp_path / f"bad{suffix}")
    assert list(tmp_path.iterdir()) == []


def test_format_number_is_short_and_exact():
    assert format_number(1073.0) == "1073"
    assert format_number(-2.0) == "-2"
    assert float(format_number(0.1 + 0.2)) == 0.1 + 0.2


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.lists(st.tuples(finite, finite), min_size=1, max_size=5), min_size=1, max_size=4),
    st.sampled_from(sorted(WRITERS)),
)
def test_any_valid_ink_round_trips(tmp_path_factory, strokes, suffix):
    assume(sum(map(len, strokes)) >= 2)  # one point is not a valid ink
    ink = make_ink(strokes)
    path = WRITERS[suffix](ink, tmp_path_factory.mktemp("rt") / f"ink{suffix}")
    assert np.array_equal(read_ink(path).points, ink.points)
