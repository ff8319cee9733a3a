"""Hostile ink: IAM-OnDB XML, InkML and JSON ink are read and featurized, or refused with one
``InkError``, quickly and in bounded memory (issue #12, defect 5)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from handwriting.features import InkFeatureConfig, featurize
from handwriting.ink import MAX_POINTS, InkError
from handwriting.readers import read_ink

RNG = np.random.default_rng(0)
KINDS = (InkFeatureConfig(kind="offsets"), InkFeatureConfig(kind="bezier"))


def read_and_featurize(path) -> list:
    """The reader then both feature encodings, as recognize/evaluate run them."""
    ink = read_ink(path)
    return [featurize(ink, cfg, False, RNG) for cfg in KINDS]


def write_json(tmp_path, strokes, name="i.json") -> object:
    path = tmp_path / name
    path.write_text(json.dumps({"strokes": strokes}))
    return path


def test_huge_extent_is_refused_before_resampling_allocates(tmp_path, bounded):
    points = [[k * 1e5, float(RNG.uniform(0, 1000)), k / 100] for k in range(1000)]
    path = write_json(tmp_path, [points])
    out = bounded(lambda: read_and_featurize(path), InkError, seconds=5.0, megabytes=64)
    assert "resampling steps" in str(out.error)


def test_integers_beyond_float64_are_an_ink_error(tmp_path):
    path = tmp_path / "big.json"
    path.write_text('{"strokes": [[[0, 0], [1%s, 1]]]}' % ("0" * 320))
    with pytest.raises(InkError, match="float64"):
        read_ink(path)


@pytest.mark.parametrize("suffix", [".xml", ".inkml"])
def test_unknown_xml_encoding_is_an_ink_error(tmp_path, suffix):
    path = tmp_path / f"e{suffix}"
    path.write_text('<?xml version="1.0" encoding="x-no-such-codec"?><ink/>')
    with pytest.raises(InkError, match="unknown XML encoding"):
        read_ink(path)


def test_astronomic_timestamps_are_refused_not_turned_into_nan(tmp_path):
    path = write_json(tmp_path, [[[0, 0, 0], [1, 1, 1e300], [2, 0, 2e300]]])
    with pytest.raises(InkError, match="timestamps"):
        read_ink(path)


def test_ink_over_the_point_limit_is_refused_before_parsing(tmp_path, bounded):
    stroke = [[i % 97, i % 89] for i in range(MAX_POINTS + 1)]
    path = write_json(tmp_path, [stroke])
    out = bounded(lambda: read_ink(path), InkError, seconds=5.0)
    assert "enormous" in str(out.error)
    xml = tmp_path / "big.xml"
    body = "".join(f'<Point x="{x}" y="{y}" time="0"/>' for x, y in stroke)
    xml.write_text(
        f"<WhiteboardCaptureSession><StrokeSet><Stroke>{body}</Stroke></StrokeSet>"
        "</WhiteboardCaptureSession>"
    )
    assert "enormous" in str(bounded(lambda: read_ink(xml), InkError, seconds=5.0).error)
    inkml = tmp_path / "big.inkml"
    inkml.write_text("<ink><trace>" + ", ".join(f"{x} {y}" for x, y in stroke) + "</trace></ink>")
    assert "enormous" in str(bounded(lambda: read_ink(inkml), InkError, seconds=5.0).error)


@pytest.mark.slow
def test_ink_at_the_point_limit_featurizes_in_bounded_time(tmp_path, bounded):
    xy = RNG.uniform(0, [3000, 100], size=(MAX_POINTS, 2))
    strokes = [[[*p, i / 100]] for i, p in enumerate(xy.tolist())]  # one-point strokes: worst case
    path = write_json(tmp_path, strokes)
    out = bounded(lambda: read_and_featurize(path), InkError, seconds=15.0, megabytes=1024)
    assert out.error is None and out.result[1].shape[0] <= 2 * MAX_POINTS


IAM = (
    '<?xml version="1.0" encoding="ISO-8859-1"?><WhiteboardCaptureSession><StrokeSet>'
    '<Stroke><Point x="10" y="20" time="1.0"/><Point x="14" y="29" time="1.01"/>'
    '<Point x="19" y="24" time="1.02"/></Stroke><Stroke><Point x="30" y="21" time="1.2"/>'
    '<Point x="35" y="28" time="1.21"/></Stroke></StrokeSet></WhiteboardCaptureSession>'
).encode("latin-1")
INKML = (
    b'<ink xmlns="http://www.w3.org/2003/InkML"><traceFormat><channel name="X"/>'
    b'<channel name="Y"/><channel name="T" units="s"/></traceFormat>'
    b"<trace>10 20 0, 14 29 0.01, 19 24 0.02</trace><trace>30 21 0.2, 35 28 0.21</trace>"
    b'<annotation type="truth">hi</annotation></ink>'
)
JSON_INK = json.dumps(
    {"strokes": [[[10, 20, 0], [14, 29, 0.01], [19, 24, 0.02]], [[30, 21, 0.2], [35, 28, 0.21]]]}
).encode()


@pytest.mark.parametrize(
    ("suffix", "valid"), [(".xml", IAM), (".inkml", INKML), (".json", JSON_INK)]
)
def test_mutated_ink_is_read_or_refused_cleanly(tmp_path_factory, bounded, mutated, suffix, valid):
    folder = tmp_path_factory.mktemp("fuzz")

    @settings(
        max_examples=40,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated(valid))
    def check(data: bytes) -> None:
        path = folder / f"m{suffix}"
        path.write_bytes(data)
        out = bounded(lambda: read_and_featurize(path), InkError, seconds=5.0, megabytes=256)
        if out.error is None:
            assert all(bool(f.isfinite().all()) for f in out.result)

    check()


def test_points_with_and_without_time_in_one_stroke_are_an_ink_error(tmp_path):
    path = tmp_path / "mixed.xml"
    path.write_text(
        '<WhiteboardCaptureSession><StrokeSet><Stroke><Point x="1" y="2" time="0.1"/>'
        '<Point x="3" y="4"/></Stroke></StrokeSet></WhiteboardCaptureSession>'
    )
    with pytest.raises(InkError, match="stroke 0: points must all have 2"):
        read_ink(path)
