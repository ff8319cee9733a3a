"""``handwriting recognize / evaluate / lm build`` conventions, in process, shipped model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from handwriting.api import flip_y
from handwriting.cli import main
from handwriting.readers import read_iam_ondb
from handwriting.synth import make_writers, synthesize_corpus, synthesize_line
from handwriting.writer_styles import SynthLevers
from handwriting.writers import write_json_ink

CLEAN = SynthLevers.without(SynthLevers.names())


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--device", "cpu"])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def inks(tmp_path_factory) -> Path:
    """in/a/x.json, in/b/x.json (two lines), written in JSON ink."""
    root = tmp_path_factory.mktemp("inks") / "in"
    _, writers = make_writers(1, 2, 5)
    for folder, text in (("a", "hello world"), ("b", "good morning")):
        # clean ink (every synthesis lever off): these tests are about the command, not accuracy
        ink = synthesize_line(text, writers[0], np.random.default_rng(2), levers=CLEAN)
        write_json_ink(ink, root / folder / "x.json")
    return root


def test_recognize_skips_its_own_outputs_and_never_overwrites_an_input(capsys, inks, tmp_path):
    out_dir = inks / "results"
    code, _, _ = run(capsys, "recognize", str(inks), "-f", "json", "-o", str(out_dir))
    assert code == 0 and sorted(p.parent.name for p in out_dir.rglob("*.json")) == ["a", "b"]
    code, out, err = run(capsys, "recognize", str(inks))  # results/ holds JSON that is no ink
    assert code == 0 and err == "" and len(out.splitlines()) == 2
    code, _, err = run(
        capsys, "recognize", str(inks / "a" / "x.json"), "-f", "json", "-o", str(inks / "a")
    )
    assert code == 2 and "would overwrite an input" in err
    assert json.loads((inks / "a" / "x.json").read_text())["strokes"]


def test_several_inks_on_stdout_are_json_lines_with_nbest(capsys, inks):
    code, out, _ = run(
        capsys, "recognize", str(inks / "a"), str(inks / "b"), "-f", "json", "--nbest", "2"
    )
    docs = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [Path(d["file"]).parent.name for d in docs] == ["a", "b"]
    assert docs[0]["text"] == "hello world" and all(len(d["nbest"]) == 2 for d in docs)
    assert all(d["words"] and d["chars"] for d in docs)


def test_all_formats_and_nbest_in_each(capsys, inks, tmp_path):
    src = inks / "a" / "x.json"
    code, _, _ = run(
        capsys, "recognize", str(src), "-f", "all", "--nbest", "2", "-o", str(tmp_path)
    )
    assert code == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["x.json", "x.tsv", "x.txt"]
    assert len((tmp_path / "x.txt").read_text().splitlines()) == 2
    rows = [r.split("\t") for r in (tmp_path / "x.tsv").read_text().splitlines()]
    assert rows[0][-2:] == ["text", "rank"] and {r[-1] for r in rows[1:]} == {"1", "2"}
    assert [r[4] for r in rows[1:] if r[-1] == "1"] == ["hello", "world"]


def test_y_up_changes_the_ink_read(capsys, inks, tmp_path):
    from handwriting.readers import read_ink

    write_json_ink(flip_y(read_ink(inks / "a" / "x.json")), tmp_path / "up.json")
    _, plain, _ = run(capsys, "recognize", str(tmp_path / "up.json"))
    _, flipped, _ = run(capsys, "recognize", str(tmp_path / "up.json"), "--y-up")
    assert flipped == "hello world\n" and plain != flipped


def test_evaluate_names_unreadable_inks_and_scores_the_rest(capsys, tmp_path):
    root = tmp_path / "corpus"
    synthesize_corpus(
        root,
        ["the cat", "open door", "red hat", "go home"],
        n_lines=4,
        seed=1,
        test_fraction=0.0,
        progress=False,
    )
    lines = read_iam_ondb(root, "all")
    Path(lines[0].path).write_text("<StrokeSet><Stroke>")  # unreadable from now on
    metrics = tmp_path / "m.json"
    code, out, err = run(capsys, "evaluate", str(root), "--split", "all", "--json", str(metrics))
    assert code == 1 and "Traceback" not in err
    assert [line for line in err.splitlines() if lines[0].id in line] != []
    result = json.loads(metrics.read_text())
    assert result["utterances"] == len(lines) - 1 and result["failed"] == 1
    assert result["failed_inputs"][0]["id"] == lines[0].id and result["cer"] < 0.2
    # the same through a JSONL manifest: the bad ink is listed, reported and not scored
    manifest = tmp_path / "data.jsonl"
    entries = [{"ink_filepath": e.path, "text": e.text, "id": e.id} for e in lines]
    manifest.write_text("".join(json.dumps(e) + "\n" for e in entries))
    code, out, err = run(capsys, "evaluate", str(manifest), "--json", str(metrics))
    assert code == 1 and "Traceback" not in err and lines[0].id in err
    assert json.loads(metrics.read_text())["utterances"] == len(lines) - 1


def test_lm_build_keeps_the_ink_alphabets_capitals_and_punctuation(capsys, tmp_path):
    (tmp_path / "t.txt").write_text("Hello World, again.\nThe Cat sat!\n")
    code, _, _ = run_lm(capsys, tmp_path)
    arpa = (tmp_path / "c.arpa").read_text()
    unigrams = {
        line.split("\t")[1] for line in arpa.split("\\2-grams:")[0].splitlines() if "\t" in line
    }
    assert code == 0 and {"H", "W", "C", ",", ".", "!"} <= unigrams


def run_lm(capsys, tmp_path):
    code = main(
        ["lm", "build", str(tmp_path / "t.txt"), "-o", str(tmp_path / "c.arpa"), "--order", "2"]
    )
    out = capsys.readouterr()
    return code, out.out, out.err
