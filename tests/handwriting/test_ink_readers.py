"""Readers on native-format fixtures: IAM-OnDB, InkML, JSON, manifests; hostile input."""

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handwriting.ink import InkError
from handwriting.readers import (
    load_ink_data,
    read_iam_ondb,
    read_iam_ondb_line,
    read_ink,
    read_ink_manifest,
    read_inkml,
    read_json_ink,
)
from handwriting.readers.iam_ondb import parse_csr_lines

LINE_XML = """<?xml version="1.0" encoding="ISO-8859-1"?>
<WhiteboardCaptureSession>
  <WhiteboardDescription>
    <SensorLocation corner="top_left"/>
    <DiagonallyOppositeCoords x="6512" y="1376"/>
  </WhiteboardDescription>
  <StrokeSet>
{strokes}
  </StrokeSet>
</WhiteboardCaptureSession>
"""

ASCII = """Header line of the form
Another header line

OCR:

THE PRINTED PROMPT, IN OTHER LINE BREAKS
AND MORE OF IT

CSR:

{lines}
"""


def iam_line(strokes):
    """IAM-OnDB line XML for strokes of (x, y, t) points."""
    parts = []
    for stroke in strokes:
        points = "\n".join(f'      <Point x="{x}" y="{y}" time="{t}"/>' for x, y, t in stroke)
        start, end = stroke[0][2], stroke[-1][2]
        parts.append(
            f'    <Stroke colour="black" start_time="{start}" end_time="{end}">\n'
            f"{points}\n    </Stroke>"
        )
    return LINE_XML.format(strokes="\n".join(parts))


def write_form(root: Path, form_id: str, csr: list[str], line_numbers: list[int]) -> None:
    """Line files with the given numbers and a transcript with the CSR lines."""
    group, form_dir = form_id[:3], form_id[:7]
    for n in line_numbers:
        path = root / "lineStrokes" / group / form_dir / f"{form_id}-{n:02d}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        x0 = 100 * n
        path.write_text(
            iam_line([[(x0, 1000, 769.05), (x0 + 5, 1010, 769.06)], [(x0 + 20, 1000, 769.5)]])
        )
    text = root / "ascii" / group / form_dir / f"{form_id}.txt"
    text.parent.mkdir(parents=True, exist_ok=True)
    text.write_text(ASCII.format(lines="\n".join(csr)))


@pytest.fixture
def iam_root(tmp_path):
    root = tmp_path / "iam"
    write_form(
        root, "a01-000u", ["A MOVE to stop Mr. Gaitskell", "from nominating any more"], [1, 2]
    )
    write_form(root, "a01-000x", ["first x line", "second x line", "third x line"], [1, 3])
    write_form(root, "b02-010", ["no letter suffix"], [1])
    (root / "trainset.txt").write_text("a01-000u\n  \nb02-010\n")
    (root / "testset_f.txt").write_text("a01-000x\r\n")
    (root / "testset_v.txt").write_text("z99-999z\n")  # listed but not on disk
    (root / "forms.txt").write_text("a01-000u 10039 extra fields\na01-000x 10040\n")
    return root


def test_read_iam_ondb_matches_csr_lines_by_number(iam_root):
    examples = read_iam_ondb(iam_root, "trainset")
    assert [e.id for e in examples] == ["a01-000u-01", "a01-000u-02", "b02-010-01"]
    assert examples[0].text == "A MOVE to stop Mr. Gaitskell"
    assert examples[1].text == "from nominating any more"
    assert examples[0].length == 3.0
    assert examples[0].speaker == "10039"
    assert examples[2].speaker == "b02-010"  # not in forms.txt: the form id
    assert Path(examples[0].path).name == "a01-000u-01.xml"


def test_line_numbers_not_positions_pick_the_transcript(iam_root):
    examples = read_iam_ondb(iam_root, "testset_f")
    assert [(e.id, e.text) for e in examples] == [
        ("a01-000x-01", "first x line"),
        ("a01-000x-03", "third x line"),
    ]


def test_all_split_lists_every_form_on_disk(iam_root):
    ids = [e.id for e in read_iam_ondb(iam_root, "all")]
    assert sorted(ids) == sorted(
        ["a01-000u-01", "a01-000u-02", "a01-000x-01", "a01-000x-03", "b02-010-01"]
    )


def test_missing_forms_and_transcripts_are_skipped_with_a_warning(iam_root, caplog):
    with caplog.at_level(logging.WARNING):
        assert read_iam_ondb(iam_root, "testset_v") == []
    assert "z99-999z" in caplog.text
    write_form(iam_root, "c03-001a", ["only one"], [1, 2])
    (iam_root / "testset_t.txt").write_text("c03-001a\n")
    with caplog.at_level(logging.WARNING):
        examples = read_iam_ondb(iam_root, "testset_t.txt")
    assert [e.id for e in examples] == ["c03-001a-01"]
    assert "c03-001a-02" in caplog.text


def test_bad_split_and_bad_root_are_clear_errors(iam_root, tmp_path):
    with pytest.raises(InkError, match="unknown IAM-OnDB split"):
        read_iam_ondb(iam_root, "devset")
    (iam_root / "testset_t.txt").unlink(missing_ok=True)
    with pytest.raises(InkError, match="split file not found"):
        read_iam_ondb(iam_root, "testset_t")
    with pytest.raises(InkError, match="missing lineStrokes"):
        read_iam_ondb(tmp_path, "trainset")


def test_read_iam_ondb_line_keeps_raw_coordinates(iam_root):
    path = iam_root / "lineStrokes/a01/a01-000/a01-000u-02.xml"
    ink = read_iam_ondb_line(path)
    assert ink.id == "a01-000u-02" and ink.text == ""
    assert ink.num_strokes == 2
    assert ink.points.tolist() == [[200, 1000, 769.05], [205, 1010, 769.06], [220, 1000, 769.5]]


def test_iam_points_without_time_get_synthetic_timestamps(tmp_path):
    path = tmp_path / "x-01.xml"
    path.write_text(
        LINE_XML.format(strokes='<Stroke><Point x="1" y="2"/><Point x="3" y="4"/></Stroke>')
    )
    ink = read_iam_ondb_line(path)
    assert np.all(np.diff(ink.points[:, 2]) > 0)


def test_parse_csr_lines_stops_at_the_blank_line():
    content = "h\nOCR:\n\nocr text\n\nCSR:\n\none\ntwo\n\n"
    assert parse_csr_lines(content) == ["one", "two"]
    assert parse_csr_lines("no sections here") == []


def test_load_ink_data_reads_an_iam_root(iam_root):
    assert [e.id for e in load_ink_data(iam_root, "testset_f")] == ["a01-000x-01", "a01-000x-03"]


INKML = """<ink xmlns="http://www.w3.org/2003/InkML">
  <traceFormat>
    <channel name="T" type="decimal" units="ms"/>
    <channel name="X" type="decimal"/>
    <channel name="F" type="decimal"/>
    <channel name="Y" type="decimal"/>
  </traceFormat>
  <annotation type="truth">hello world</annotation>
  <traceGroup>
    <trace>0 10 1 20, 10 11 1 21,20 12 1 22</trace>
    <traceGroup><trace>40 30 0.5 40, 50 31 0.5 41</trace></traceGroup>
  </traceGroup>
</ink>
"""


def test_inkml_channels_in_any_order_with_extra_channels(tmp_path):
    path = tmp_path / "sample.inkml"
    path.write_text(INKML)
    ink = read_inkml(path)
    assert ink.text == "hello world" and ink.id == "sample"
    assert ink.num_strokes == 2
    assert np.allclose(ink.points[0], [10, 20, 0.0])
    assert np.allclose(ink.points[-1], [31, 41, 0.05])  # ms -> s


def test_inkml_without_trace_format_is_x_y(tmp_path):
    path = tmp_path / "plain.inkml"
    path.write_text("<ink><trace>1 2, 3 4, 5 6</trace><trace>-1.5e1 .5</trace></ink>")
    ink = read_inkml(path)
    assert ink.points[:, :2].tolist() == [[1, 2], [3, 4], [5, 6], [-15, 0.5]]
    assert np.all(np.diff(ink.points[:, 2]) > 0)


@pytest.mark.parametrize(
    "body, message",
    [
        ("<ink><trace>1 2, '1 1</trace></ink>", "difference-encoded"),
        ("<ink><trace>1 2, 3</trace></ink>", "fewer than 2 values"),
        ("<ink><trace>1 2, 3 *</trace></ink>", "unsupported InkML trace value"),
        (
            '<ink><traceFormat><channel name="X"/><channel name="Z"/></traceFormat></ink>',
            "lacks an X or Y",
        ),
        ("<notink><trace>1 2</trace></notink>", "not InkML"),
        ("<ink></ink>", "no points"),
    ],
)
def test_bad_inkml_is_a_one_line_error(tmp_path, body, message):
    path = tmp_path / "bad.inkml"
    path.write_text(body)
    with pytest.raises(InkError, match=message) as info:
        read_inkml(path)
    assert "\n" not in str(info.value)


def test_json_ink_with_and_without_time(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"strokes": [[[0, 0, 0.0], [1, 2, 0.5]]], "text": "hi"}))
    ink = read_json_ink(path)
    assert ink.text == "hi" and ink.id == "a" and ink.points[1].tolist() == [1, 2, 0.5]
    path.write_text(json.dumps({"strokes": [[[0, 0], [1, 2]], [[3, 3]]], "id": "given"}))
    ink = read_json_ink(path)
    assert ink.id == "given" and ink.num_points == 3


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "malformed JSON"),
        ('{"text": "no strokes"}', "'strokes' list"),
        ('{"strokes": [[["a", 1]]]}', "stroke 0"),
        ('{"strokes": [[[0, 0, 0], [1, 1]]]}', "ragged|mix|2"),
        ('{"strokes": [[[0, 0, 0], [NaN, 1, 1]]]}', "non-finite"),
        ('{"strokes": [[[0, 0, 0], [1e999999999999999999999, 1, 1]]]}', "non-finite"),
        ('{"strokes": [[[0, 0, 0], [1%s, 1, 1]]]}' % ("0" * 400), "float64"),
        ('{"strokes": [[[0, 0, 0], [1, 1, 1e300]]]}', "timestamps"),
        ('{"strokes": [[[0, 0, 0], [2e9, 1, 1]]]}', "coordinates"),
        ('{"strokes": [[[0, 0, 0], [true, 1, 1]]]}', "stroke 0"),
        ('{"strokes": []}', "no points"),
        ('{"strokes": [[[0, 0]]], "text": 3}', "must be strings"),
    ],
)
def test_bad_json_ink_is_a_one_line_error(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InkError, match=message) as info:
        read_json_ink(path)
    assert "\n" not in str(info.value)


def test_read_ink_dispatches_by_extension(tmp_path, iam_root):
    (tmp_path / "a.json").write_text('{"strokes": [[[0, 0], [1, 1]]]}')
    (tmp_path / "b.inkml").write_text("<ink><trace>0 0, 1 1</trace></ink>")
    assert read_ink(tmp_path / "a.json").num_points == 2
    assert read_ink(tmp_path / "b.inkml").num_points == 2
    assert read_ink(iam_root / "lineStrokes/b02/b02-010/b02-010-01.xml").num_points == 3
    (tmp_path / "c.png").write_bytes(b"\x89PNG")
    with pytest.raises(InkError, match="unsupported ink file type '.png'"):
        read_ink(tmp_path / "c.png")
    with pytest.raises(InkError, match="no such ink file"):
        read_ink(tmp_path / "missing.json")


def test_manifest_resolves_relative_paths(tmp_path):
    (tmp_path / "inks").mkdir()
    (tmp_path / "inks/a.json").write_text('{"strokes": [[[0, 0], [1, 1], [2, 2]]]}')
    manifest = tmp_path / "data.jsonl"
    line = {"ink_filepath": "inks/a.json", "text": "abc", "speaker": "me"}
    manifest.write_text(json.dumps(line) + "\n\n")
    (example,) = read_ink_manifest(manifest)
    assert example.id == "a" and example.text == "abc" and example.length == 3.0
    assert example.speaker == "me" and Path(example.path) == tmp_path / "inks/a.json"
    assert load_ink_data(manifest) == [example]


@pytest.mark.parametrize(
    "line, message",
    [
        ("{oops", r"data.jsonl:2: invalid JSON"),
        ("[" * 100_000 + "]" * 100_000, r"data.jsonl:2: invalid JSON \(nested too deeply\)"),
        ('{"text": "x"}', "ink_filepath"),
        ('{"ink_filepath": 7, "text": "x"}', "string 'ink_filepath'"),
        ('{"ink_filepath": "a.json", "text": ["x"]}', "'text' must be a string"),
        ('{"ink_filepath": "a.json", "text": "x", "id": {"a": 1}}', "'id' must be a string"),
        ('{"ink_filepath": "a.json", "text": "again"}', r"data.jsonl:2: duplicate id 'a'"),
        ('{"ink_filepath": "%s.json", "text": "x"}' % ("n" * 5000), "cannot read|no such"),
        ('{"ink_filepath": "nope.json", "text": "x"}', "no such ink file"),
    ],
)
def test_bad_manifest_lines_name_the_line(tmp_path, line, message):
    (tmp_path / "a.json").write_text('{"strokes": [[[0, 0], [1, 1]]]}')
    manifest = tmp_path / "data.jsonl"
    manifest.write_text('{"ink_filepath": "a.json", "text": "ok"}\n' + line + "\n")
    with pytest.raises(InkError, match=message):
        read_ink_manifest(manifest)


def test_load_ink_data_rejects_other_paths(tmp_path):
    with pytest.raises(InkError, match="not an IAM-OnDB root"):
        load_ink_data(tmp_path)
    with pytest.raises(InkError, match="no such ink data"):
        load_ink_data(tmp_path / "nothing")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<WhiteboardCaptureSession><StrokeSet><Stroke>
<Point x="1" y="&lol3;" time="0"/></Stroke></StrokeSet></WhiteboardCaptureSession>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE ink [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<ink><annotation type="truth">&secret;</annotation><trace>0 0, 1 1</trace></ink>
"""


def test_entity_expansion_is_refused(tmp_path):
    path = tmp_path / "laughs.xml"
    path.write_text(BILLION_LAUGHS)
    with pytest.raises(InkError, match="entity declarations are not allowed"):
        read_ink(path)
    path = tmp_path / "xxe.inkml"
    path.write_text(EXTERNAL_ENTITY)
    with pytest.raises(InkError, match="not allowed|forbidden"):
        read_ink(path)


@pytest.mark.parametrize("suffix", [".xml", ".inkml"])
def test_malformed_xml_is_a_one_line_error(tmp_path, suffix):
    path = tmp_path / f"broken{suffix}"
    path.write_text("<ink><trace>1 2</ink>")
    with pytest.raises(InkError, match="malformed XML") as info:
        read_ink(path)
    assert "\n" not in str(info.value)


def test_iam_file_without_stroke_set_is_refused(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text("<WhiteboardCaptureSession/>")
    with pytest.raises(InkError, match="no <StrokeSet>"):
        read_ink(path)


def test_files_over_the_size_limit_are_refused_before_parsing(tmp_path):
    path = tmp_path / "big.inkml"
    path.write_text("<ink><trace>" + "1 1, " * 100 + "2 2</trace></ink>")
    with pytest.raises(InkError, match="file too large"):
        read_inkml(path, max_bytes=100)
    assert read_inkml(path).num_points == 101


coordinate = st.integers(-5000, 5000)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=6), min_size=1))
def test_inkml_parses_what_was_written(tmp_path_factory, strokes):
    path = tmp_path_factory.mktemp("h") / "h.inkml"
    traces = "".join(f"<trace>{', '.join(f'{x} {y}' for x, y in s)}</trace>" for s in strokes)
    path.write_text(f"<ink>{traces}</ink>")
    ink = read_inkml(path)
    assert [s[:, :2].tolist() for s in ink.strokes] == [[list(p) for p in s] for s in strokes]


def test_deep_nesting_is_an_ink_error_not_a_crash(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InkError, match="nested too deeply"):
        read_json_ink(path)
    path = tmp_path / "deep.inkml"
    path.write_text(
        "<ink>"
        + "<traceGroup>" * 5000
        + "<trace>0 0, 1 1</trace>"
        + "</traceGroup>" * 5000
        + "</ink>"
    )
    assert read_inkml(path).num_points == 2
