"""The school print glyph source: shapes, stroke order and direction as taught, and its use."""

import dataclasses
import string

import numpy as np
import pytest

from handwriting.glyph_sources import BASELINE, CAP_TOP, SCHOOL_PRINT, X_HEIGHT, glyph_table
from handwriting.pen_habits import delayed_stroke, is_dot, raise_cross
from handwriting.school_print import arc, line, school_print_table
from handwriting.synth import synthesize_line
from handwriting.writer_styles import known_sources, make_style, make_writers

TOP = BASELINE - X_HEIGHT  # y of the x-height line (y down)


def _signed_area(stroke: np.ndarray) -> float:
    """Shoelace area; positive = counter-clockwise on paper (glyph units are y down)."""
    x, y = stroke[:, 0], -stroke[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def test_every_lowercase_letter_sits_in_its_band():
    table = glyph_table(SCHOOL_PRINT)
    assert table is school_print_table() and set(table) == set(string.ascii_lowercase)
    for char, glyph in table.items():
        points = np.vstack(glyph.strokes)
        assert np.isfinite(points).all() and points[:, 0].min() > 0 < glyph.advance
        assert points[:, 0].max() < glyph.advance
        top, bottom = points[:, 1].min(), points[:, 1].max()
        if char in "bdfhkl":  # ascenders reach the capitals' height
            assert top == pytest.approx(CAP_TOP, abs=0.1), char
        elif char in "tij":  # between: a t's stem, an i/j dot
            assert CAP_TOP < top < TOP - 3, char
        else:
            assert top == pytest.approx(TOP, abs=0.1), char
        if char in "gjpqy":
            assert bottom > BASELINE + 5, char
        else:
            assert bottom == pytest.approx(BASELINE, abs=0.1), char


def test_strokes_follow_the_taught_order_and_direction():
    table = school_print_table()
    a_bowl, a_stick = table["a"].strokes
    assert _signed_area(a_bowl) > 0  # circles run counter-clockwise...
    assert (
        a_bowl[0, 0] > a_bowl[:, 0].mean() and a_bowl[0, 1] < a_bowl[:, 1].mean()
    )  # ...from 2 o'clock
    assert (
        a_stick[0, 1] < a_stick[-1, 1] and a_stick[0, 0] >= a_bowl[:, 0].max() - 0.5
    )  # stick down, right
    for char in "bhklnmpr":  # the stick comes first, top down
        stick = table[char].strokes[0]
        assert np.ptp(stick[:, 0]) < 1e-9 and stick[0, 1] < stick[-1, 1], char
    for char in "hnmr":  # the hump is pushed up from the stick's foot, retracing it
        hump = table[char].strokes[1]
        assert hump[0, 1] == pytest.approx(BASELINE) and hump[1, 1] < hump[0, 1], char
    stem, cross = table["t"].strokes
    assert np.ptp(cross[:, 1]) < 1e-9 and np.ptp(stem[:, 0]) < 1e-9  # no hook on a printed t
    assert delayed_stroke("t", list(table["t"].strokes)) == 1
    assert is_dot(table["i"].strokes[-1]) and delayed_stroke("i", list(table["i"].strokes)) == 1


def test_line_and_arc_sample_the_exact_shapes():
    points = line((0.0, 0.0), (1.0, 0.0), (1.0, 1.0))
    assert points[0].tolist() == [0.0, 0.0] and points[-1].tolist() == [1.0, 1.0]
    assert np.all(np.hypot(*np.diff(points, axis=0).T) <= 0.06 + 1e-12)
    circle = arc(0.5, 0.5, 0.5, 90.0, 450.0)
    assert np.allclose(np.hypot(circle[:, 0] - 0.5, circle[:, 1] - 0.5), 0.5)
    assert np.allclose(circle[0], circle[-1]) and np.allclose(circle[0], [0.5, 1.0])


def test_raise_cross_moves_only_the_cross_by_its_share():
    stem = np.array([[3.0, -5.0], [3.0, 9.0]])
    cross = np.array([[0.0, 1.0], [6.0, 1.0]])
    for share in (0.0, 0.5, 1.0):
        out_stem, out_cross = raise_cross([stem, cross], 1, share)
        assert out_stem is stem
        assert out_cross[:, 1].tolist() == [1.0 - share * 6.0] * 2
        assert out_cross[:, 0].tolist() == [0.0, 6.0]


def test_school_print_writers_borrow_capitals_and_keep_older_writers_unchanged():
    assert SCHOOL_PRINT in known_sources()
    train, _ = make_writers(2, 1, seed=3, train_fonts=(SCHOOL_PRINT, "ttf:bwht-build"),
                            test_fonts=("rowmans",))  # fmt: skip
    printer, capitals_only = train
    assert printer.alt_font == "ttf:bwht-build" and capitals_only.alt_font == SCHOOL_PRINT
    ink = synthesize_line("Tom ate it", printer, np.random.default_rng(0))
    assert ink.text == "Tom ate it" and ink.num_strokes >= 6
    # the t-cross height is drawn from its own stream: every other field is what the
    # same seed gave before the field existed (values recorded from that version)
    style = make_style("w01", "futural", 123456, "timesi")
    assert 0.0 <= style.t_cross <= 0.7
    assert (style.slant_deg, style.cursive, style.rate) == pytest.approx(
        (11.095412495767924, 0.5417358157645374, 80.0)
    )
    assert (style.bounce, style.sigma) == pytest.approx((0.7018111113892922, 0.2960903927512742))


def test_the_proportions_lever_raises_a_writers_t_cross_by_their_share():
    from handwriting.synth import _letter
    from handwriting.writer_styles import SynthLevers

    only_proportions = SynthLevers.without([n for n in SynthLevers.names() if n != "proportions"])
    low = dataclasses.replace(make_style("w01", "futural", 7), t_cross=0.0, bounce=0.0)
    crosses = {}
    for share in (0.0, 0.5):
        style = dataclasses.replace(low, t_cross=share)
        plain, drawn, _ = _letter("t", style, only_proportions, np.random.default_rng(0))
        cross = delayed_stroke("t", plain)
        stem_top = min(s[:, 1].min() for i, s in enumerate(drawn) if i != cross)
        crosses[share] = (drawn[cross][:, 1].mean(), stem_top)
    (y0, top), (y1, _) = crosses[0.0], crosses[0.5]
    assert y1 == pytest.approx(y0 - 0.5 * (y0 - top)) and y0 - top > 3  # half way up
    for char in "fx":  # only a t's cross moves
        style = dataclasses.replace(low, t_cross=0.7)
        a = _letter(char, low, only_proportions, np.random.default_rng(0))[1]
        b = _letter(char, style, only_proportions, np.random.default_rng(0))[1]
        assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))


def test_ablation_arms_leave_out_only_their_own_glyph_sources():
    import importlib.util
    import sys
    from pathlib import Path

    from handwriting.writer_styles import TRAIN_FONTS

    path = Path(__file__).resolve().parents[2] / "bench" / "ink_ablation.py"
    spec = importlib.util.spec_from_file_location("ink_ablation", path)
    ablation = importlib.util.module_from_spec(spec)
    sys.modules["ink_ablation"] = ablation
    spec.loader.exec_module(ablation)
    for arm, left_out in (
        ("school_print", {SCHOOL_PRINT}),
        ("later_fonts", set(ablation.LATER_FONTS)),
    ):
        flag, fonts = ablation.synth_args(arm)
        assert flag == "--train-fonts" and set(fonts.split(",")) == set(TRAIN_FONTS) - left_out
    assert len(ablation.LATER_FONTS) == 5 and set(ablation.LATER_FONTS) < set(TRAIN_FONTS)
