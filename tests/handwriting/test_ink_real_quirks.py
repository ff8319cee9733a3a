"""What real corpora contain reaches the reader intact: IAM-OnDB fixtures in the native layout.

Real IAM-OnDB lines restart the clock at 0 or step back in time inside a line
(47 of 12,178 lines, e.g. ``h02-024-04``), have empty and duplicate strokes,
and transcripts with characters outside the alphabet. The readers repair the
times, keep the strokes, and pass the text on for ``text.unknown`` to handle.
"""

import numpy as np
import pytest

from common.alphabet import (
    Alphabet,
    TextNormalizerConfig,
    UnknownCharacterError,
    normalize_text,
)
from handwriting.features import InkFeatureConfig, featurize
from handwriting.ink import InkError
from handwriting.readers import load_ink_data, read_iam_ondb, read_iam_ondb_line, read_ink

LINE = """<?xml version="1.0" encoding="ISO-8859-1"?>
<WhiteboardCaptureSession>
  <WhiteboardDescription><DiagonallyOppositeCoords x="6512" y="1376"/></WhiteboardDescription>
  <StrokeSet>
{strokes}
  </StrokeSet>
</WhiteboardCaptureSession>
"""


def stroke_xml(points):
    body = "".join(f'<Point x="{x}" y="{y}" time="{t}"/>' for x, y, t in points)
    return f'    <Stroke colour="black">{body}</Stroke>'


def write_root(root, strokes_by_line, csr):
    """One form h02-024 whose lines hold the given strokes; trainset lists it."""
    line_dir = root / "lineStrokes" / "h02" / "h02-024"
    line_dir.mkdir(parents=True)
    for n, strokes in enumerate(strokes_by_line, start=1):
        text = LINE.format(strokes="\n".join(stroke_xml(s) for s in strokes))
        (line_dir / f"h02-024-{n:02d}.xml").write_text(text, encoding="latin-1")
    ascii_dir = root / "ascii" / "h02" / "h02-024"
    ascii_dir.mkdir(parents=True)
    (ascii_dir / "h02-024.txt").write_text("OCR:\n\nprompt\n\nCSR:\n\n" + "\n".join(csr) + "\n")
    (root / "trainset.txt").write_text("h02-024\n")


BACKWARDS = [  # the clock steps back between strokes and again inside the second stroke
    [(100, 500, 12.30), (110, 505, 12.31), (120, 500, 12.32)],
    [(130, 500, 12.20), (140, 510, 12.21), (150, 500, 12.19), (160, 505, 12.20)],
]
RESTART = [  # the clock restarts at 0 mid-line
    [(100, 500, 769.05), (105, 510, 769.06)],
    [(200, 500, 0.0), (210, 505, 0.01), (220, 500, 0.02)],
]
EMPTY_AND_DUPLICATE = [
    [(100, 500, 1.0), (110, 505, 1.01)],
    [],
    [(100, 500, 1.0), (110, 505, 1.01)],
]


@pytest.fixture
def quirky_root(tmp_path):
    root = tmp_path / "iam"
    write_root(
        root,
        [BACKWARDS, RESTART, EMPTY_AND_DUPLICATE],
        ["Fish & chips £3", "naïve café", "ok"],
    )
    return root


def test_every_quirky_line_is_read(quirky_root):
    examples = read_iam_ondb(quirky_root, "trainset")
    assert [e.id for e in examples] == ["h02-024-01", "h02-024-02", "h02-024-03"]
    assert [e.text for e in examples] == ["Fish & chips £3", "naïve café", "ok"]
    assert load_ink_data(quirky_root, "trainset")[0].text == "Fish & chips £3"


def test_backward_times_are_repaired_in_file_order(quirky_root):
    ink = read_iam_ondb_line(quirky_root / "lineStrokes/h02/h02-024/h02-024-01.xml")
    t = ink.points[:, 2]
    assert (np.diff(t) >= 0).all()
    # forward steps keep their length (0.01 s); each backward step becomes the median step
    np.testing.assert_allclose(t, 12.30 + 0.01 * np.arange(7))
    xy = [p[:2] for s in BACKWARDS for p in s]
    np.testing.assert_array_equal(ink.points[:, :2], xy)  # stroke and point order as in the file
    assert [len(s) for s in ink.strokes] == [3, 4]


def test_clock_restarting_at_zero_continues_the_previous_stroke(quirky_root):
    ink = read_ink(quirky_root / "lineStrokes/h02/h02-024/h02-024-02.xml")
    np.testing.assert_allclose(ink.points[:, 2], [769.05, 769.06, 769.07, 769.08, 769.09])


def test_empty_and_duplicate_strokes_are_kept_and_featurize(quirky_root):
    ink = read_ink(quirky_root / "lineStrokes/h02/h02-024/h02-024-03.xml")
    assert [len(s) for s in ink.strokes] == [2, 0, 2]
    for kind in ("offsets", "bezier"):
        frames = featurize(ink, InkFeatureConfig(kind=kind), False, np.random.default_rng(0))
        assert frames.shape[0] > 0 and bool(frames.isfinite().all())


def test_unknown_characters_reach_the_text_normaliser(quirky_root):
    text = read_iam_ondb(quirky_root, "trainset")[1].text
    assert text == "naïve café"  # the reader passes it on; text.unknown decides
    alphabet = Alphabet.from_chars("abcdefghijklmnopqrstuvwxyz ")
    assert normalize_text(text, alphabet, TextNormalizerConfig(unknown="drop")) == "nave caf"
    with pytest.raises(UnknownCharacterError):
        normalize_text(text, alphabet, TextNormalizerConfig(unknown="error"))


def test_what_cannot_be_ink_is_still_refused(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text(LINE.format(strokes=stroke_xml([(0, 0, 0), ("nan", 1, 1)])))
    with pytest.raises(InkError, match="non-finite"):
        read_ink(path)
    path.write_text(LINE.format(strokes=stroke_xml([])))
    with pytest.raises(InkError, match="no points"):
        read_ink(path)
