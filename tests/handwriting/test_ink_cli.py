"""The `handwriting` command line through subprocess: recognise, evaluate, render, bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from handwriting.readers import read_iam_ondb, read_ink
from handwriting.writers import write_inkml, write_json_ink

REPO = Path(__file__).resolve().parents[2]


def best_cer(model: Path) -> float:
    """The best validation CER of the run that wrote ``model`` (best.pt holds those weights)."""
    with open(model.parent / "metrics.csv", newline="") as f:
        return min(float(row["cer"]) for row in csv.DictReader(f) if row.get("cer"))


pytestmark = pytest.mark.slow


def test_help_lists_commands(hw):
    out = hw("--help")
    assert out.returncode == 0
    listed = {line.split()[0] for line in out.stdout.splitlines() if line.startswith("    ")}
    for command in ("train", "synth", "recognize", "evaluate", "render", "lm", "tune-lm"):
        assert command in listed


def test_recognize_all_formats_with_spans(hw, tiny_ink_model, tiny_ink_corpus, tmp_path):
    model, _ = tiny_ink_model
    example = read_iam_ondb(tiny_ink_corpus, "all")[0]
    ink = read_ink(example.path)
    write_json_ink(ink, tmp_path / "as-json.json")
    write_inkml(ink, tmp_path / "as-inkml.inkml")
    out = hw(
        "recognize",
        example.path,
        str(tmp_path / "as-json.json"),
        str(tmp_path / "as-inkml.inkml"),
        "--model",
        str(model),
        "--format",
        "json",
        "--output-dir",
        str(tmp_path / "out"),
        "--plot",
    )
    assert out.returncode == 0, out.stderr
    docs = [json.loads(p.read_text()) for p in sorted((tmp_path / "out").glob("*.json"))]
    assert len(docs) == 3
    assert len({d["text"] for d in docs}) == 1  # the same ink in three formats
    xml_doc = json.loads((tmp_path / "out" / f"{Path(example.path).stem}.json").read_text())
    assert xml_doc["text"] == example.text
    assert [w["text"] for w in xml_doc["words"]] == example.text.split()
    assert "".join(c["text"] for c in xml_doc["chars"]) == example.text.replace(" ", "")
    starts = [c["start_point"] for c in xml_doc["chars"]]
    assert starts == sorted(starts) and xml_doc["chars"][-1]["end_point"] <= ink.num_points
    for c in xml_doc["chars"]:
        assert c["start_point"] < c["end_point"] and c["start_time"] <= c["end_time"]
    assert (tmp_path / "out" / f"{Path(example.path).stem}.png").stat().st_size > 1000


def test_bad_ink_reported_and_others_recognised(hw, tiny_ink_model, tiny_ink_corpus, tmp_path):
    model, _ = tiny_ink_model
    good = read_iam_ondb(tiny_ink_corpus, "all")[0].path
    (tmp_path / "empty.json").write_text('{"strokes": [], "text": ""}')
    (tmp_path / "nan.json").write_text('{"strokes": [[[0, 0, 0], [NaN, 1, 1]]]}')
    (tmp_path / "bad.xml").write_text("<StrokeSet><Stroke>")
    (tmp_path / "notes.txt").write_text("hello")
    out = hw(
        "recognize",
        str(tmp_path / "empty.json"),
        good,
        str(tmp_path / "nan.json"),
        str(tmp_path / "bad.xml"),
        str(tmp_path / "notes.txt"),
        "--model",
        str(model),
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 5 and "4 of 5 files failed" in errors[-1]
    assert out.stdout.count("\n") == 1


def test_evaluate_and_render(hw, tiny_ink_model, tiny_ink_corpus, tmp_path):
    model, _ = tiny_ink_model
    out = hw(
        "evaluate",
        str(tiny_ink_corpus),
        "--split",
        "all",
        "--model",
        str(model),
        "--json",
        str(tmp_path / "m.json"),
        "--no-progress",
    )
    assert out.returncode == 0, out.stderr
    result = json.loads((tmp_path / "m.json").read_text())
    assert result["utterances"] == 8 and result["cer"] == pytest.approx(best_cer(model), abs=0.02)
    line = read_iam_ondb(tiny_ink_corpus, "all")[0].path
    out = hw("render", line, "-o", str(tmp_path / "line.png"), "--model", str(model))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "line.png").read_bytes()[:4] == b"\x89PNG"
    out = hw("evaluate", str(tmp_path), "--model", str(model))
    assert out.returncode == 2 and out.stderr.startswith("error:")
