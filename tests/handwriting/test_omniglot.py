"""Omniglot reader on native-layout fixtures and the real-pen proxy line composer."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from handwriting.ink import MAX_POINTS, Ink, InkError
from handwriting.readers import read_ink, read_ink_manifest
from handwriting.readers.omniglot import read_omniglot_drawing, read_omniglot_latin

REPO = Path(__file__).resolve().parents[2]
OMNIGLOT = REPO.parent / "shared" / "data" / "omniglot-latin"
X = 60.0  # x-height of the composer

NATIVE = "START\n10,-5,0\n12,-7,20\n14,-9,40\nBREAK\n20.5,3,1000\n21,4,1010\nBREAK\n"


@pytest.fixture(scope="module")
def proxy():
    spec = importlib.util.spec_from_file_location(
        "ink_real_proxy", REPO / "bench" / "ink_real_proxy.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["ink_real_proxy"] = module
    spec.loader.exec_module(module)
    return module


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_reader_splits_strokes_flips_y_and_converts_ms(tmp_path: Path) -> None:
    ink = read_omniglot_drawing(write(tmp_path, "0683_07.txt", NATIVE), text="a")
    assert ink.num_strokes == 2 and ink.id == "0683_07" and ink.text == "a"
    np.testing.assert_array_equal(ink.strokes[0], [[10, 5, 0], [12, 7, 0.02], [14, 9, 0.04]])
    np.testing.assert_array_equal(ink.strokes[1], [[20.5, -3, 1.0], [21, -4, 1.01]])


def test_reader_keeps_a_last_stroke_without_break(tmp_path: Path) -> None:
    ink = read_omniglot_drawing(write(tmp_path, "x_01.txt", "START\n1,1,0\nBREAK\n2,2,5\n"))
    assert [len(s) for s in ink.strokes] == [1, 1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,2,3\nBREAK\n", "expected START"),
        ("START\n1,2\nBREAK\n", "expected 'x,y,t'"),
        ("START\n1,a,3\nBREAK\n", "non-numeric"),
        ("START\nBREAK\n", "no points"),
        ("", "no START"),
        ("START\n1,2,3\nSTART\n", "second START"),
        ("START\n1,nan,3\nBREAK\n", "non-finite"),
        ("START\n1,2,3\n1,2,1e20\nBREAK\n", "timestamps beyond"),
        ("START\n" + "1,2,3\n" * (MAX_POINTS + 1), "enormous"),
    ],
)
def test_malformed_files_raise_one_line_ink_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InkError, match=message) as info:
        read_omniglot_drawing(write(tmp_path, "0001_01.txt", text))
    assert "\n" not in str(info.value)


def test_missing_file_and_non_utf8_raise(tmp_path: Path) -> None:
    with pytest.raises(InkError, match="no such ink file"):
        read_omniglot_drawing(tmp_path / "none.txt")
    bad = tmp_path / "b_01.txt"
    bad.write_bytes(b"START\n\xff,1,2\n")
    with pytest.raises(InkError, match="not UTF-8"):
        read_omniglot_drawing(bad)


def test_latin_layout_is_read_and_checked(tmp_path: Path) -> None:
    for n in range(1, 27):
        for drawer in ("01", "02"):
            write(tmp_path / f"character{n:02d}", f"{700 + n:04d}_{drawer}.txt", NATIVE)
    data = read_omniglot_latin(tmp_path)
    assert list(data) == list("abcdefghijklmnopqrstuvwxyz")
    assert set(data["q"]) == {"01", "02"} and data["q"]["02"].text == "q"
    (tmp_path / "character26" / "0726_01.txt").unlink()
    (tmp_path / "character26" / "0726_02.txt").unlink()
    with pytest.raises(InkError, match="character26"):
        read_omniglot_latin(tmp_path)
    with pytest.raises(InkError, match="no such Omniglot folder"):
        read_omniglot_latin(tmp_path / "nowhere")


def box(strokes: list[np.ndarray] | tuple[np.ndarray, ...]) -> np.ndarray:
    """(x0, y0, x1, y1) of strokes, y down."""
    points = np.concatenate(strokes)
    return np.r_[points[:, :2].min(axis=0), points[:, :2].max(axis=0)]


def square(proxy_module) -> dict[str, Ink]:
    """Every letter drawn as the same 40x80 (y-down) two-stroke shape."""
    stroke = np.array([[0, 0, 0], [40, 0, 0.1], [40, 80, 0.2]], dtype=float)
    ink = Ink((stroke, stroke + [0, 0, 0.5]))
    return {c: ink for c in proxy_module.LATIN_LETTERS}


def test_composer_bands_order_and_times(proxy) -> None:
    layout = proxy.Layout(baseline_jitter=0.0)
    text = "axe bgl jpi"
    ink = proxy.compose_line(text, square(proxy), np.random.default_rng(3), layout)
    assert ink.text == text
    letters = [c for c in text if c != " "]
    boxes = [box(ink.strokes[2 * i : 2 * i + 2]) for i in range(len(letters))]
    base = proxy.ORIGIN[1]
    for c, (_, top, _, bottom) in zip(letters, boxes, strict=True):
        low, high = proxy.BANDS[c]
        assert bottom == pytest.approx(base - low * X, abs=1)
        assert top == pytest.approx(base - high * X, abs=1)
    x_band = {(b[1], b[3]) for c, b in zip(letters, boxes, strict=True) if c in "axe"}
    assert x_band == {(base - X, base)}  # x-height letters share one band
    assert boxes[letters.index("g")][3] >= base + 0.79 * X  # descender below the baseline
    gaps = [b[0] - a[2] for a, b in zip(boxes[:-1], boxes[1:], strict=True)]
    word_gaps = [gaps[2], gaps[5]]  # e|b and l|j
    letter_gaps = [g for i, g in enumerate(gaps) if i not in (2, 5)]
    assert min(letter_gaps) >= 0.19 * X and max(letter_gaps) <= 0.36 * X
    assert min(word_gaps) >= 0.69 * X and max(word_gaps) <= 1.01 * X
    t = ink.points[:, 2]
    assert (np.diff(t) >= 0).all() and t[-1] >= 9 * 0.7 + 8 * 0.15 - 0.01


def test_width_is_capped_and_aspect_kept(proxy) -> None:
    wide = Ink((np.array([[0, 0, 0], [500, 10, 0.1]], dtype=float),))
    tall = Ink((np.array([[0, 0, 0], [30, 60, 0.1]], dtype=float),))
    assert np.ptp(box(proxy.normalise_letter(wide, "o"))[[0, 2]]) == pytest.approx(
        proxy.MAX_WIDTH * X
    )
    b = box(proxy.normalise_letter(tall, "o"))
    assert b[2] - b[0] == pytest.approx(30.0) and b[3] - b[1] == pytest.approx(60.0)


def test_line_texts_are_lowercase_words_of_right_length(proxy) -> None:
    words = proxy.latin_words(["The Quick, brown fox's jump (over) 1812 lazy-dogs!"] * 5)
    assert words[:4] == ["the", "quick", "brown", "jump"]
    texts = proxy.line_texts(words, 30, np.random.default_rng(0))
    assert all(20 <= len(t) <= 35 and set(t) <= set("abcdefghijklmnopqrstuvwxyz ") for t in texts)


@pytest.mark.skipif(not OMNIGLOT.is_dir(), reason="shared omniglot-latin data not present")
def test_real_data_all_letters_and_drawers(proxy) -> None:
    data = read_omniglot_latin(OMNIGLOT)
    assert len(data) == 26 and all(len(d) == 20 for d in data.values())
    assert {d for letter in data.values() for d in letter} == {f"{i:02d}" for i in range(1, 21)}
    lines = proxy.proxy_lines(data, 6, seed=1)
    assert len({drawer for drawer, _ in lines}) == 6  # drawers in turn
    for drawer, ink in lines:
        assert 20 <= len(ink.text) <= 35 and (np.diff(ink.points[:, 2]) >= 0).all()
        letters = ink.text.replace(" ", "")
        assert ink.num_strokes == sum(data[c][drawer].num_strokes for c in letters)
        assert ink.num_points == sum(data[c][drawer].num_points for c in letters)
    dotted = proxy.letter_ink(data["i"]["03"], "i")
    assert np.ptp(dotted.points[:, 1]) == pytest.approx(1.5 * X, abs=1)
    again = proxy.proxy_lines(data, 3, seed=1)  # a prefix: same texts, drawers and points
    assert [(d, i.text) for d, i in again] == [(d, i.text) for d, i in lines[:3]]
    np.testing.assert_array_equal(again[2][1].points, lines[2][1].points)


def test_scores_and_manifest_round_trip(proxy, tmp_path: Path) -> None:
    assert proxy.score(["ab cd"], ["Ab cd"]) == {"cer": 20.0, "wer": 50.0, "cer_nocase": 0.0}
    ink = proxy.compose_line("ox", square(proxy), np.random.default_rng(0))
    line = Ink(ink.strokes, text="ox", id="line-0")
    manifest = proxy.write_lines(tmp_path, [("07", line)])
    [example] = read_ink_manifest(manifest)
    assert (example.id, example.text, example.speaker) == ("line-0", "ox", "omniglot-07")
    np.testing.assert_array_equal(read_ink(example.path).points, line.points)


def test_drawer_halves_score_odd_and_even_drawers_apart(proxy) -> None:
    ink = proxy.compose_line("ox", square(proxy), np.random.default_rng(0))
    lines = [(d, Ink(ink.strokes, text="ab", id=d)) for d in ("01", "02", "03", "20")]
    halves = proxy.drawer_halves(lines, ["ab", "xy", "ab", "ab"])  # only drawer 02 is wrong
    (odd_n, odd), (even_n, even) = halves.values()
    assert (odd_n, odd["cer"], even_n, even["cer"]) == (2, 0.0, 2, 50.0)
    assert list(halves)[0].startswith("odd")
