"""`handwriting tune-lm` and `handwriting lm build --packaged-text`, run in-process.

The shipped model decodes a small synthetic IAM-OnDB corpus; the grid's best row must be
the lowest CER, and each row must agree with `handwriting evaluate` run with that setting.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from asr.cli import build_parser as asr_parser
from handwriting.cli import build_parser, main
from handwriting.readers import read_iam_ondb
from handwriting.synth import load_sentences, synthesize_corpus

FAST = ["--beam-size", "8", "--threads", "1", "--no-progress"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tune") / "corpus"
    sentences = load_sentences()[:40]
    synthesize_corpus(root, sentences, n_lines=12, seed=2, test_fraction=0.5, progress=False)
    return root


@pytest.fixture(scope="module")
def char_lm(tmp_path_factory) -> Path:
    """A character 4-gram of 300 packaged sentences (those the corpus draws among them)."""
    folder = tmp_path_factory.mktemp("lm")
    text = folder / "text.txt"
    text.write_text("\n".join(load_sentences()[:300]) + "\n", encoding="utf-8")
    assert main(["lm", "build", str(text), "-o", str(folder / "char4.arpa"), "--order", "4"]) == 0
    return folder / "char4.arpa"


def _evaluate(corpus: Path, lm: Path, row: dict, out: Path) -> dict:
    """`handwriting evaluate` with one grid row's alpha and beta (the independent path)."""
    args = ["evaluate", str(corpus), "--split", "testset_f", "--lm", str(lm), "--lm-unit", "char"]
    args += ["--alpha", str(row["alpha"]), "--beta", str(row["beta"]), "--json", str(out), *FAST]
    assert main(args) == 0
    return json.loads(out.read_text())


def test_best_row_is_the_lowest_cer_and_agrees_with_evaluate(corpus, char_lm, tmp_path, capsys):
    out = tmp_path / "grid.json"
    args = ["tune-lm", str(corpus), "--split", "testset_f", "--lm", str(char_lm)]
    args += ["--alphas", "0,0.5,3", "--betas", "0:2:2", "--json", str(out), *FAST]
    assert main(args) == 0
    doc = json.loads(out.read_text())
    grid = doc["grid"]
    assert doc["metric"] == "cer" and doc["lines"] == len(read_iam_ondb(corpus, "testset_f")) == 6
    pairs = sorted((r["alpha"], r["beta"]) for r in grid)
    assert pairs == sorted(itertools.product([0.0, 0.5, 3.0], [0.0, 2.0]))
    keys = [(r["cer"], r["wer"]) for r in grid]
    assert keys == sorted(keys) and doc["best"] == grid[0]
    assert grid[-1]["cer"] > grid[0]["cer"]  # an LM weight of 3 overrides the ink
    best = doc["best"]
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"best: --alpha {best['alpha']:g} --beta {best['beta']:g}"
    )
    for row in (grid[0], grid[-1]):
        scored = _evaluate(corpus, char_lm, row, tmp_path / "eval.json")
        assert scored["cer"] == pytest.approx(row["cer"]) and scored["wer"] == pytest.approx(
            row["wer"]
        )


def test_unreadable_ink_is_named_and_the_rest_tuned(corpus, char_lm, tmp_path, capsys):
    good = read_iam_ondb(corpus, "testset_f")[:2]
    broken = tmp_path / "broken.xml"
    broken.write_text("<WhiteboardCaptureSession><StrokeSet>", encoding="utf-8")
    rows = [{"ink_filepath": e.path, "text": e.text} for e in good]
    rows.append({"ink_filepath": str(broken), "text": "lost"})
    manifest = tmp_path / "dev.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "grid.json"
    args = ["tune-lm", str(manifest), "--lm", str(char_lm), "--alphas", "0.5", "--betas", "1"]
    assert main([*args, "--json", str(out), *FAST]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 1 and errors[0].startswith("error: ") and "broken" in errors[0]
    assert json.loads(out.read_text())["lines"] == 2


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--lm", "missing.arpa"], "language model not found: missing.arpa"),
        (["--lm", "LM", "--split", "testset_v"], "no lines in"),
        (["--lm", "LM", "--lexicon", "nowhere.txt"], "lexicon not found"),
    ],
)
def test_user_errors_are_one_line(corpus, char_lm, capsys, extra, message):
    extra = [str(char_lm) if x == "LM" else x for x in extra]
    assert main(["tune-lm", str(corpus), *extra, *FAST]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_bad_grid_and_missing_lm_are_usage_errors(corpus, capsys):
    for args in (["--lm", "x.arpa", "--alphas", "1:0:-1"], ["--alphas", "0.5"]):
        with pytest.raises(SystemExit) as stop:
            main(["tune-lm", str(corpus), *args])
        assert stop.value.code == 2
    assert "--lm" in capsys.readouterr().err


def _subcommand(parser, name: str):
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices[name]


def test_help_explains_every_option():
    tune = _subcommand(build_parser(), "tune-lm")
    for action in tune._actions:
        assert action.help, action.option_strings or action.dest
    text = " ".join(tune.format_help().split())
    assert "--max-lines N" in text and "the lowest CER (ties broken by WER)" in text
    assert "default: testset_v" in text and "--lm FILE" in text and "--y-up" in text


def test_speech_tune_lm_is_the_same_command_with_its_own_data_and_criterion():
    tune = _subcommand(asr_parser(), "tune-lm")
    text = " ".join(tune.format_help().split())
    assert "--max-utterances" in text and "the lowest WER (ties broken by CER)" in text
    assert "--y-up" not in text
    args = tune.parse_args(["dev", "--lm", "w.arpa", "--max-utterances", "3"])
    assert args.max_items == 3 and args.lm_unit == "word"
    assert args.func.keywords["spec"].task == "asr"


def test_lm_build_packaged_text_equals_the_packaged_sentences_as_a_file(tmp_path, capsys):
    text = tmp_path / "packaged.txt"
    text.write_text("\n".join(load_sentences()) + "\n", encoding="utf-8")
    from_file, packaged = tmp_path / "file.arpa", tmp_path / "packaged.arpa"
    assert main(["lm", "build", str(text), "-o", str(from_file), "--order", "3"]) == 0
    assert main(["lm", "build", "--packaged-text", "-o", str(packaged), "--order", "3"]) == 0
    assert packaged.read_text() == from_file.read_text()
    assert "char 3-gram" in capsys.readouterr().out
    assert main(["lm", "build", "-o", str(tmp_path / "none.arpa")]) == 2
    assert capsys.readouterr().err.strip() == "error: no text: give TEXT file(s) or --packaged-text"


def test_a_best_setting_on_the_grid_edge_is_pointed_out(capsys):
    from common.tune_lm import _print_rows

    rows = [
        {"alpha": a, "beta": b, "wer": 0.1 if (a, b) == (1.0, 1.0) else 0.2, "cer": 0.0}
        for a in (0.0, 0.5, 1.0)
        for b in (0.0, 1.0, 2.0)
    ]
    rows.sort(key=lambda r: r["wer"])
    _print_rows(rows, rows[0])
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == [
        "note: the best alpha is at the edge of the grid; try a wider --alphas",
        "best: --alpha 1 --beta 1",
    ]
