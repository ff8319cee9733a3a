"""``handwriting train`` end to end through the command line, and ``render --model``.

The training run learns a tiny synthetic corpus (``handwriting.synth``) from scratch
through the Hydra app; its checkpoint must then read those lines back through
``handwriting recognize``: the transcripts written by the synthesiser are the truth.
``render --model`` must draw the model's hypothesis (title and one label per character
span, read back from the SVG), not the file's transcript.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from common.metrics import cer
from handwriting import render
from handwriting.readers import read_iam_ondb, read_ink
from handwriting.writers import write_json_ink

REPO = Path(__file__).resolve().parents[2]
LINES = ["the cat", "red hat", "go home", "big dog"]
SPAN_COLOUR = "#1f77b4"  # matplotlib's tab:blue, the first span's colour


@pytest.mark.slow
def test_train_command_learns_a_tiny_corpus_that_recognize_then_reads(hw, tmp_path):
    from handwriting.synth import synthesize_corpus

    corpus = tmp_path / "corpus"
    synthesize_corpus(corpus, LINES, n_lines=4, seed=1, test_fraction=0.0, progress=False)
    run = tmp_path / "run"
    out = hw(
        "train",
        "data=synth",
        f"data.root={corpus}",
        "data.valid.split=trainset",
        "model=small",
        "model.hidden=64",
        "model.dropout=0",
        "optim.lr=0.01",
        "optim.warmup_steps=10",
        "optim.schedule=constant",
        "trainer.batch_size=1",
        "trainer.max_epochs=120",
        "trainer.progress=false",
        f"hydra.run.dir={run}",
    )
    assert out.returncode == 0, out.stderr[-3000:]
    with open(run / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 120 and rows[-1]["step"] == str(120 * len(LINES))
    losses = [float(row["train_loss"]) for row in rows]
    assert losses[-1] < 0.05 * losses[0], losses[::20]
    assert {"best.pt", "last.pt", "metrics.csv", "tensorboard"} <= {p.name for p in run.iterdir()}

    truth = {e.path: e.text for e in read_iam_ondb(corpus, "trainset")}
    assert sorted(truth.values()) == sorted(LINES)
    out = hw(
        "recognize", str(corpus), "--model", str(run / "best.pt"), "-f", "json", "--no-progress"
    )
    assert out.returncode == 0, out.stderr[-3000:]
    read = {doc["file"]: doc["text"] for doc in map(json.loads, out.stdout.splitlines())}
    assert sorted(read) == sorted(truth)
    refs, hyps = zip(*((truth[path], read[path]) for path in truth), strict=True)
    assert cer(list(refs), list(hyps)) <= 0.1, read


def render_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="handwriting")
    render.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def svg_texts(path: Path) -> list[str]:
    """The texts matplotlib drew into an SVG (it writes each as a ``<!-- text -->`` comment),
    in drawing order: span labels first, then the title."""
    return re.findall(r"<!-- (.*?) -->", path.read_text())


def test_render_with_a_model_draws_its_hypothesis_and_character_spans(
    tiny_ink_corpus, tmp_path, capsys
):
    from handwriting.api import load

    recognizer = load("ink-synthetic")
    read = [(e, recognizer.recognize(e.path)) for e in read_iam_ondb(tiny_ink_corpus, "all")]
    # a line read with a space if there is one: character spans leave spaces out
    example, rec = next(((e, r) for e, r in read if " " in r.text), read[0])
    transcript = f"transcript: {example.text}"  # JSON ink keeps it; no model reads this
    line = replace(read_ink(example.path), text=transcript)
    source = write_json_ink(line, tmp_path / "line.json")
    plain, drawn = tmp_path / "plain.svg", tmp_path / "model.svg"
    assert render_cli("render", str(source), "-o", str(plain)) == 0
    assert render_cli("render", str(source), "-o", str(drawn), "--model", "ink-synthetic") == 0
    assert capsys.readouterr().out.splitlines() == [f"wrote {plain}", f"wrote {drawn}"]

    assert svg_texts(plain) == [transcript] and rec.text != transcript
    assert SPAN_COLOUR not in plain.read_text()
    *labels, title = svg_texts(drawn)
    assert title == rec.text and labels == [c.text for c in rec.chars]
    assert "".join(labels) == rec.text.replace(" ", "")
    # character spans lie on the ink in reading order and never share a point
    assert all(0 <= c.start < c.end <= line.num_points for c in rec.chars)
    assert all(a.end <= b.start for a, b in zip(rec.chars, rec.chars[1:], strict=False))
    assert SPAN_COLOUR in drawn.read_text()
