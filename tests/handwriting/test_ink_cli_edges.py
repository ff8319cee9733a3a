"""``handwriting`` command options at the edges the promise tests leave (found by
``bench/mutate.py``): ``evaluate --max-lines`` and ``--y-up``, ``recognize --plot``.

Truths: the number of lines scored; ink mirrored top to bottom and read with ``--y-up``
reads exactly as the original does; the plot draws the character spans that the JSON
result of the same command lists.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import handwriting.plot
from handwriting.api import flip_y
from handwriting.cli import main
from handwriting.readers import read_iam_ondb, read_ink
from handwriting.writers import write_json_ink


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main([*argv, "--device", "cpu", "--no-progress"])
    return code, capsys.readouterr().out


@pytest.fixture
def manifests(tiny_ink_corpus, tmp_path):
    """Two lines as JSON ink, as they are and mirrored (y up), each with a manifest."""
    paths = {}
    for kind in ("down", "up"):
        rows = []
        for e in read_iam_ondb(tiny_ink_corpus, "all")[:2]:
            ink = replace(read_ink(e.path), text=e.text)
            ink = flip_y(ink) if kind == "up" else ink
            path = write_json_ink(ink, tmp_path / kind / f"{e.id}.json")
            rows.append({"ink_filepath": str(path), "text": e.text})
        paths[kind] = tmp_path / f"{kind}.jsonl"
        paths[kind].write_text("".join(json.dumps(row) + "\n" for row in rows))
    return paths


def evaluate(capsys, manifest, *flags: str) -> dict:
    out = manifest.with_suffix(".json")
    code, _ = run(capsys, "evaluate", str(manifest), "--json", str(out), *flags)
    assert code == 0
    return json.loads(out.read_text())


def test_evaluate_max_lines_and_y_up(capsys, manifests):
    assert evaluate(capsys, manifests["down"], "--max-lines", "1")["utterances"] == 1
    assert evaluate(capsys, manifests["down"], "--max-lines", "2")["utterances"] == 2
    upright = evaluate(capsys, manifests["down"])
    mirrored = evaluate(capsys, manifests["up"], "--y-up")
    hyps = [[d["hypothesis"] for d in r["utterances_detail"]] for r in (upright, mirrored)]
    assert hyps[0] == hyps[1] and mirrored["cer"] == upright["cer"]
    unflipped = evaluate(capsys, manifests["up"])  # read upside down: another reading
    assert [d["hypothesis"] for d in unflipped["utterances_detail"]] != hyps[0]


def test_recognize_plot_draws_the_character_spans_of_the_result(
    capsys, monkeypatch, tiny_ink_corpus, tmp_path
):
    drawn = []
    monkeypatch.setattr(
        handwriting.plot, "plot_ink", lambda ink, path, text=None, spans=None: drawn.append(
            (text, spans)
        )
    )  # fmt: skip
    line = read_iam_ondb(tiny_ink_corpus, "all")[0].path
    code, _ = run(capsys, "recognize", line, "-f", "json", "-o", str(tmp_path), "--plot")
    assert code == 0
    result = json.loads(next(tmp_path.glob("*.json")).read_text())
    chars = [(c["text"], c["start_point"], c["end_point"]) for c in result["chars"]]
    assert drawn == [(result["text"], chars)] and chars


def test_recognize_y_up_reads_mirrored_ink_as_the_original(capsys, manifests, tmp_path):
    down, up = (sorted((tmp_path / kind).glob("*.json")) for kind in ("down", "up"))
    code, upright = run(capsys, "recognize", *map(str, down), "-f", "txt")
    assert code == 0
    code, mirrored = run(capsys, "recognize", *map(str, up), "-f", "txt", "--y-up")
    assert code == 0

    def texts(out: str) -> list[str]:
        return [line.split("\t", 1)[1] for line in out.splitlines()]

    assert texts(mirrored) == texts(upright) and len(texts(upright)) == 2


def test_evaluate_exit_status_names_an_unreadable_line(capsys, manifests):
    rows = manifests["down"].read_text().splitlines()
    broken = manifests["down"].with_name("broken.jsonl")
    bad = broken.with_name("bad.json")
    bad.write_text("{not ink")  # there, but unreadable: named, the others scored
    row = json.dumps({"ink_filepath": str(bad), "text": "x"})
    broken.write_text("\n".join([*rows, row]) + "\n")
    out = broken.with_suffix(".json")
    code = main(["evaluate", str(broken), "--json", str(out), "--device", "cpu", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and "bad.json" in err and "1 of 3 inputs could not be read" in err
    assert json.loads(out.read_text())["utterances"] == 2
