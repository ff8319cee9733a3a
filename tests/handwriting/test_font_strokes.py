"""Centre lines of handwriting fonts: on the ink, covering it, pen-like, in Hershey units."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("skimage", reason="scikit-image (skeletonisation) is not installed")
from scipy.ndimage import binary_dilation, distance_transform_edt  # noqa: E402

from handwriting import font_strokes as fs  # noqa: E402
from handwriting.glyph_sources import BASELINE, CAP_TOP, glyph_table  # noqa: E402

FONTS = ["breip", "dancing", "dkg", "humor", "ecolier"]


def _installed(name: str) -> str:
    if name not in fs.available_ttf_fonts():
        pytest.skip(f"font {name} is not installed (apt-get install {fs.debian_package(name)})")
    return name


@pytest.fixture(params=FONTS)
def font(request) -> str:
    return _installed(request.param)


def _dense(stroke: np.ndarray, step: float) -> np.ndarray:
    """Points every ``step`` along a polyline (its vertices included)."""
    if len(stroke) == 1:
        return stroke
    parts = [
        a + (b - a) * np.linspace(0, 1, max(2, int(np.linalg.norm(b - a) / step) + 2))[:, None]
        for a, b in zip(stroke[:-1], stroke[1:], strict=True)
    ]
    return np.concatenate(parts)


def _in_pixels(name: str, char: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """The glyph re-rendered by Pillow, and its centre lines mapped back into that image."""
    path = fs.TTF_FONTS[name]
    metrics = fs.FontMetrics(path)
    mask, origin = fs.render(path, char, metrics.size)
    px_per_unit = metrics.size / (metrics.unit * metrics.units_per_em)
    strokes = fs.ttf_table(name)[char].strokes
    return mask, [(s - [0.0, BASELINE]) * px_per_unit + origin for s in strokes]


@pytest.mark.parametrize("char", ["H", "g", "4", "?"])
def test_centre_lines_lie_on_ink_and_cover_it(font, char):
    char = char.upper() if font in fs.CAPS_ONLY else char
    mask, strokes = _in_pixels(font, char)
    points = np.concatenate([_dense(s, 0.5) for s in strokes])
    cols, rows = np.floor(points).astype(int).T
    assert binary_dilation(mask)[rows, cols].all()  # on the ink (1 px of antialiasing slack)
    lines = np.ones_like(mask)
    lines[rows, cols] = False
    gap = distance_transform_edt(lines)[mask]  # ink pixel -> nearest centre-line point
    width = 2.0 * distance_transform_edt(mask).max()  # the widest stroke
    assert gap.max() <= width


def _winding(stroke: np.ndarray) -> float:
    """How far (radians) a stroke turns around the centre of its bounding box."""
    centre = (stroke.min(axis=0) + stroke.max(axis=0)) / 2
    angle = np.unwrap(np.arctan2(*(stroke - centre).T[::-1]))
    return float(abs(angle[-1] - angle[0]))


@pytest.mark.parametrize("name", ["breip", "dancing", "dkg", "humor"])
def test_straight_letters_are_one_stroke_and_o_one_loop(name):
    table = fs.ttf_table(_installed(name))
    assert len(table["I" if name in fs.CAPS_ONLY else "l"].strokes) == 1
    (loop,) = table["O" if name in fs.CAPS_ONLY else "o"].strokes
    assert _winding(loop) > 1.5 * np.pi  # round (some hands leave a gap or a tail)
    if name in ("dkg", "humor"):  # a plain ring: closed, from the top, counter-clockwise
        assert np.array_equal(loop[0], loop[-1])
        assert loop[0][1] == loop[:, 1].min()
        assert loop[1][0] < loop[0][0] or loop[2][0] < loop[0][0]


def test_vertical_metrics_match_hershey(font):
    table = fs.ttf_table(font)
    cap = BASELINE - CAP_TOP
    for char in "HE":
        top = np.concatenate(table[char].strokes)[:, 1].min()
        assert CAP_TOP - 0.15 * cap < top < CAP_TOP + 0.15 * cap, char
    if font in fs.CAPS_ONLY:
        return
    for char in "acemnorsuvwx":  # x-height letters: between the baseline and the x-height
        y = np.concatenate(table[char].strokes)[:, 1]
        assert y.min() > CAP_TOP + 0.2 * cap and abs(y.max() - BASELINE) < 0.15 * cap, char
    for char in "gp":
        assert np.concatenate(table[char].strokes)[:, 1].max() > BASELINE + 0.2 * cap, char


def test_table_covers_the_font_with_positive_advances(font):
    table = fs.ttf_table(font)
    expected = set(fs.DRAWABLE)
    if font in fs.CAPS_ONLY:
        expected -= set("abcdefghijklmnopqrstuvwxyz")
    assert set(table) == expected
    assert all(g.advance > 0 for g in table.values())
    assert table[" "].strokes == () and all(table[c].strokes for c in expected - {" "})
    assert all(s.shape[1:] == (2,) and s.dtype == np.float64 for s in table["B"].strokes)
    assert glyph_table(f"ttf:{font}") is table


def test_strokes_start_at_their_left_or_top_end():
    table = fs.ttf_table(_installed("breip"))
    (stem,) = table["l"].strokes
    assert stem[0][1] < stem[-1][1]  # written downwards
    dash = table["-"].strokes[0]
    assert dash[0][0] < dash[-1][0]  # written rightwards


def test_skeleton_of_a_drawn_t_and_ring():
    """A thick T: bar left to right first, then the stem from the top; a ring: one loop."""
    mask = np.zeros((120, 120), dtype=bool)
    mask[10:22, 10:110] = True  # bar
    mask[10:110, 54:66] = True  # stem
    bar, stem = fs.skeleton_strokes(mask, 0.6)
    assert bar[0][0] < 20 and bar[-1][0] > 100 and np.ptp(bar[:, 1]) < 3
    assert stem[0][1] < 25 and stem[-1][1] > 100 and np.ptp(stem[:, 0]) < 3
    yy, xx = np.mgrid[:120, :120]
    ring = np.abs(np.hypot(yy - 60, xx - 60) - 40) < 6
    (loop,) = fs.skeleton_strokes(ring, 0.6)
    assert np.array_equal(loop[0], loop[-1])
    assert np.allclose(np.hypot(*(loop - 60).T), 40, atol=1.5)


def test_pen_runs_on_into_a_stroke_that_touches_its_end():
    first = np.array([[0.0, 0.0], [10.0, 0.0]])
    below = np.array([[0.5, 20.0], [0.5, 30.0]])  # next by position (left edge, then top)
    touching = np.array([[10.0, 20.0], [10.5, 0.5]])  # ends where `first` ends
    ordered = fs.pen_order([below, touching, first], reach=2.0)
    assert ordered[0] is first and ordered[2] is below
    assert np.array_equal(ordered[1], touching[::-1])


def test_unknown_or_missing_font_is_a_one_line_error(monkeypatch):
    with pytest.raises(ValueError, match="unknown ttf font 'nope'"):
        fs.ttf_table("nope")
    monkeypatch.setitem(fs.TTF_FONTS, "breip", "/nonexistent/breip/Breip.ttf")
    with pytest.raises(ValueError, match="apt-get install fonts-breip"):
        fs.font_path("breip")


def test_drawable_matches_the_synthesiser():
    from handwriting.synth import DRAWABLE

    assert fs.DRAWABLE == DRAWABLE
