"""Synthetic corpus: text handling, line drawing, IAM-OnDB layout read back by the real reader."""

import argparse
from dataclasses import replace

import numpy as np
import pytest

from handwriting import synth
from handwriting.glyph_sources import glyph_table
from handwriting.ink import validate_ink
from handwriting.readers import read_iam_ondb, read_ink
from handwriting.synth import (
    DRAWABLE,
    MAX_LINE_CHARS,
    SynthError,
    clean_text,
    load_sentences,
    synthesize_corpus,
    synthesize_line,
    wrap_lines,
)
from handwriting.writer_styles import (
    LATIN_FONTS,
    TEST_FONTS,
    TRAIN_FONTS,
    SynthLevers,
    known_sources,
    make_writers,
)

SENTENCES = [
    "The tried and the untried, young and old, were herded together",
    "It has used other Treasury law enforcement agents on special experiments.",
    "Although Chief Rowley does not complain about the pay scale (1963)!",
    "to avail himself of his powers; as it was difficult to bring home the derelictions",
]


def test_clean_and_wrap_keep_lines_short_and_drawable():
    assert clean_text("caf\u00e9 \u201cquoted\u201d  [x]") == 'caf "quoted" x'
    for sentence in SENTENCES + ["a" * 95 + " tail"]:
        lines = wrap_lines(sentence)
        assert lines and all(0 < len(line) <= MAX_LINE_CHARS for line in lines)
        assert all(set(line) <= DRAWABLE for line in lines)
        assert " ".join(lines).replace(" ", "") == clean_text(sentence).replace(" ", "")


def test_packaged_sentences_and_custom_files(tmp_path):
    packaged = load_sentences()
    assert len(packaged) >= 1500
    assert all(set(s) <= DRAWABLE for s in packaged[:200])
    path = tmp_path / "s.txt"
    path.write_text("# comment\nHello there.\n\n\u00e9\u00e9\u00e9\n")
    assert load_sentences(str(path)) == ["Hello there."]
    with pytest.raises(SynthError, match="no such sentence file"):
        load_sentences(str(tmp_path / "missing.txt"))
    path.write_text("\u00e9\u00e9\n")
    with pytest.raises(SynthError, match="no drawable sentences"):
        load_sentences(str(path))


def test_writers_use_disjoint_fonts_and_seeds():
    train, test = make_writers(len(TRAIN_FONTS) + 1, len(TEST_FONTS) + 1, seed=1)
    assert {w.font for w in train}.isdisjoint({w.font for w in test})
    assert {w.seed for w in train}.isdisjoint({w.seed for w in test})
    assert len({w.writer for w in train + test}) == len(TRAIN_FONTS) + len(TEST_FONTS) + 2
    assert {w.font for w in train} == set(TRAIN_FONTS) and {w.font for w in test} == set(TEST_FONTS)
    assert {w.alt_font for w in train} <= set(TRAIN_FONTS)  # allographs stay on their side
    assert {w.alt_font for w in test} <= set(TEST_FONTS)
    # capitals-only hands take their lowercase from their second hand, never across sides
    many = make_writers(6 * len(TRAIN_FONTS), 6 * len(TEST_FONTS), seed=1)
    assert all("a" in glyph_table(w.font) or "a" in glyph_table(w.alt_font) for w in sum(many, []))
    assert set(TRAIN_FONTS + TEST_FONTS) <= set(known_sources())
    assert set(LATIN_FONTS) <= set(known_sources())


@pytest.mark.parametrize(
    ("train_fonts", "test_fonts", "message"),
    [
        (("futural",), (), "at least one"),
        (("futural", "greek"), ("scripts",), "unknown fonts greek"),
        (("futural", "scripts"), ("scripts",), "both in training and held out: scripts"),
    ],
)
def test_bad_font_choices_are_refused(tmp_path, train_fonts, test_fonts, message):
    with pytest.raises(SynthError, match=message):
        make_writers(2, 1, 0, train_fonts, test_fonts)
    with pytest.raises(SynthError, match=message):
        synthesize_corpus(
            tmp_path / "c", SENTENCES, 2, progress=False, train_fonts=train_fonts,
            test_fonts=test_fonts,
        )  # fmt: skip
    assert not list(tmp_path.iterdir())


NO_LEVERS = SynthLevers.without(SynthLevers.names())


def test_synthesize_line_draws_timed_cursive_strokes():
    train, _ = make_writers(1, 0, seed=0)
    cursive = train[0]
    assert cursive.font == "cursive"
    ink = synthesize_line("minimum", cursive, np.random.default_rng(0), levers=NO_LEVERS)
    validate_ink(ink)
    assert ink.text == "minimum"
    assert [len(s) < 5 for s in ink.strokes] == [False, True, False, True, False]  # dots in place
    late = replace(
        cursive, p_delay=1.0, p_split=0.0, p_reorder=0.0, p_reverse=0.0, cursive=1.0, p_hook=0.0
    )
    ink = synthesize_line("minimum", late, np.random.default_rng(0))
    dots = [np.ptp(s[:, :2], axis=0).max() < 30 for s in ink.strokes]  # a word is ~2000 wide
    assert dots == [False, True, True]  # one stroke, then the i dots
    ink = synthesize_line("minimum", cursive, np.random.default_rng(0), levers=NO_LEVERS)
    times = ink.points[:, 2]
    assert np.all(np.diff(times) > 0)
    assert np.allclose(np.diff(ink.strokes[0][:-1, 2]), 0.01)  # 100 Hz inside a stroke
    with pytest.raises(SynthError, match="cannot draw"):
        synthesize_line("caf\u00e9", cursive, np.random.default_rng(0))


def test_human_like_lines_sample_at_the_writers_rate():
    train, test = make_writers(6, 3, seed=0)
    assert {w.rate for w in test}.isdisjoint({w.rate for w in train})
    for style in train + test:
        ink = synthesize_line("Quick brown fox, 42 jumps!", style, np.random.default_rng(1))
        validate_ink(ink)
        assert np.all(np.diff(ink.points[:, 2]) > 0)
        longest = max(ink.strokes, key=len)
        assert np.median(np.diff(longest[:, 2])) == pytest.approx(1 / style.rate, abs=1e-3)


def test_cursive_writers_join_letters_and_print_writers_lift():
    (style,), _ = make_writers(1, 0, seed=0, train_fonts=("futural",), test_fonts=("timesr",))
    cursive = replace(style, cursive=1.0, p_split=0.0, p_delay=0.0)
    count = lambda levers: len(  # noqa: E731
        synthesize_line("summer", cursive, np.random.default_rng(2), levers=levers).strokes
    )
    # six letters, five ligatures: at least four fewer pen lifts
    assert count(SynthLevers()) + 4 <= count(SynthLevers.without(["cursive"]))


def test_dots_and_crosses_come_after_the_word():
    (style,), _ = make_writers(1, 0, seed=0, train_fonts=("futural",), test_fonts=("timesr",))
    late = replace(style, cursive=0.0, p_delay=1.0, p_split=0.0, p_reorder=0.0)
    ink = synthesize_line("it", late, np.random.default_rng(0))
    last_two = [np.ptp(s[:, :2], axis=0) for s in ink.strokes[-2:]]
    stem = ink.strokes[0]
    assert np.ptp(stem[:, 1]) > 3 * np.ptp(stem[:, 0])  # the i stem comes first
    assert any(w > 2 * h for w, h in last_two)  # the t cross is among the last two
    in_place = synthesize_line("it", late, np.random.default_rng(0), levers=NO_LEVERS)
    flat = [np.ptp(s[:, 0]) > 2 * np.ptp(s[:, 1]) for s in in_place.strokes]
    assert flat[-1]  # Hershey writes the t cross last anyway, but the i dot stays in place
    assert max(np.ptp(s[:, :2], axis=0).max() for s in in_place.strokes[:2]) > 0


def test_unknown_levers_are_refused(tmp_path):
    with pytest.raises(SynthError, match="unknown levers wobble; choose from stroke_order"):
        SynthLevers.without(["wobble"])
    parser = argparse.ArgumentParser()
    synth.add_parser(parser.add_subparsers())
    args = parser.parse_args(["synth", str(tmp_path / "c"), "--lines", "2", "--without", "wobble"])
    assert args.func(args) == 1 and not (tmp_path / "c").exists()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "corpus"
    summary = synthesize_corpus(
        out, SENTENCES, n_lines=14, seed=3, test_fraction=0.3, progress=False
    )
    return out, summary


def test_corpus_has_the_iam_ondb_layout(corpus):
    out, summary = corpus
    assert {p.name for p in out.iterdir()} == {
        "lineStrokes",
        "ascii",
        "trainset.txt",
        "testset_v.txt",
        "testset_f.txt",
        "forms.txt",
    }
    assert (out / "lineStrokes/w01/w01-000/w01-000u-01.xml").is_file()
    text = (out / "ascii/w01/w01-000/w01-000u.txt").read_text()
    assert "OCR:" in text and "CSR:" in text
    assert summary["lines"] == 14
    assert not list(out.parent.glob(".corpus.tmp-*"))


def test_real_reader_reads_the_corpus_back_with_disjoint_writers(corpus):
    out, summary = corpus
    splits = {name: read_iam_ondb(out, name) for name in ("trainset", "testset_v", "testset_f")}
    assert sum(len(v) for v in splits.values()) == 14
    train_writers = {e.speaker for e in splits["trainset"] + splits["testset_v"]}
    test_writers = {e.speaker for e in splits["testset_f"]}
    assert train_writers and test_writers and train_writers.isdisjoint(test_writers)
    assert sorted(test_writers) == summary["writers"]["test"]
    assert set(summary["fonts"]["train"]).isdisjoint(summary["fonts"]["test"])
    valid_forms = {e.id[:-3] for e in splits["testset_v"]}
    assert valid_forms and valid_forms.isdisjoint({e.id[:-3] for e in splits["trainset"]})
    for example in splits["testset_f"][:2] + splits["trainset"][:2]:
        ink = read_ink(example.path)
        assert ink.num_points == example.length
        assert set(example.text) <= DRAWABLE and 0 < len(example.text) <= MAX_LINE_CHARS


def test_same_seed_same_corpus(tmp_path):
    a = synthesize_corpus(tmp_path / "a", SENTENCES, 3, seed=5, progress=False)
    b = synthesize_corpus(tmp_path / "b", SENTENCES, 3, seed=5, progress=False)
    assert a["forms"] == b["forms"]
    path = "lineStrokes/w01/w01-000/w01-000u-01.xml"
    assert (tmp_path / "a" / path).read_bytes() == (tmp_path / "b" / path).read_bytes()


def test_bad_requests_fail_without_leaving_files(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full/keep.txt").write_text("x")
    with pytest.raises(SynthError, match="not an empty directory"):
        synthesize_corpus(tmp_path / "full", SENTENCES, 2, progress=False)
    with pytest.raises(SynthError, match="lines >= 1"):
        synthesize_corpus(tmp_path / "new", SENTENCES, 0, progress=False)
    with pytest.raises(SynthError, match="no drawable text"):
        synthesize_corpus(tmp_path / "new", ["\u00e9\u00e9"], 2, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def run_cli(*argv):
    parser = argparse.ArgumentParser(prog="handwriting")
    synth.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_writes_a_corpus_and_reports_errors(tmp_path, capsys):
    sentences = tmp_path / "s.txt"
    sentences.write_text("\n".join(SENTENCES))
    out = tmp_path / "cli"
    assert (
        run_cli("synth", str(out), "--lines", "2", "--sentences", str(sentences), "--no-progress")
        == 0
    )
    assert (out / "trainset.txt").is_file()
    assert run_cli("synth", str(out), "--lines", "2", "--no-progress") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    chosen = tmp_path / "fonts"
    argv = ["synth", str(chosen), "--lines", "6", "--sentences", str(sentences), "--no-progress"]
    assert run_cli(*argv, "--train-fonts", "gothitt, timesrb", "--test-fonts", "timesr") == 0
    fonts = {line.split("(glyphs ")[1].split(",")[0] for line in
             (p.read_text().splitlines()[0] for p in chosen.glob("ascii/*/*/*.txt"))}  # fmt: skip
    assert fonts == {"gothitt", "timesr"}  # one training writer: the first training font
    assert (
        run_cli(*argv[:1], str(tmp_path / "x"), *argv[2:], "--test-fonts", "gothitt,japanese") == 1
    )
    assert "unknown fonts japanese" in capsys.readouterr().err


def test_each_lever_is_the_only_way_its_habits_reach_the_ink():
    """With a lever off, the writer's settings for it change nothing; with it on, they show."""
    (style,), _ = make_writers(
        1, 0, seed=0, train_fonts=("futural", "timesi"), test_fonts=("timesr",)
    )
    never = dict(p_split=0.0, p_reorder=0.0, p_reverse=0.0, cursive=0.0, p_delay=0.0)
    style = replace(style, **never, p_allograph=0.0, p_hook=0.0)
    extreme = replace(
        style, p_split=1.0, p_reorder=1.0, p_reverse=1.0, cursive=1.0, p_delay=1.0, elastic=3.0,
        p_allograph=1.0, sigma=0.45, p_hook=1.0, hook=2.0, noise=2.0, rate=2 * style.rate, bow=5.0,
        word_slant=10.0, word_size=0.2, space_jitter=0.5, space_scale=0.6, x_ratio=1.5,
        ascender=0.5, descender=1.5, bounce=2.0,
    )  # fmt: skip

    def strokes(writer, levers) -> list[np.ndarray]:
        line = synthesize_line(
            "Little fixed jigs, 42 of them.", writer, np.random.default_rng(3), levers=levers
        )
        return list(line.strokes)

    def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
        return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))

    assert same(strokes(style, NO_LEVERS), strokes(extreme, NO_LEVERS))
    for name in SynthLevers.names():
        only = SynthLevers.without([n for n in SynthLevers.names() if n != name])
        assert not same(strokes(style, only), strokes(extreme, only)), name
