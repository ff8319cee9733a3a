"""``asr transcribe`` conventions, in process, with the shipped AN4 model and samples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from asr.cli import main
from common.metrics import wer

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "models" / "samples"
FIVE, SEVEN = SAMPLES / "an4-cen5-fash-b.flac", SAMPLES / "an4-cen7-fash-b.flac"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["transcribe", *argv, "--device", "cpu"])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def same_names(tmp_path) -> Path:
    """a/x.flac and b/x.flac: two inputs with one name."""
    for folder, src in (("a", FIVE), ("b", SEVEN)):
        (tmp_path / "in" / folder).mkdir(parents=True)
        shutil.copy(src, tmp_path / "in" / folder / "x.flac")
    return tmp_path / "in"


def test_same_names_in_different_folders_mirror_the_tree(capsys, same_names, tmp_path):
    code, _, _ = run(capsys, str(same_names), "-o", str(tmp_path / "out"))
    assert code == 0
    texts = {
        p.relative_to(tmp_path / "out").as_posix(): p.read_text()
        for p in (tmp_path / "out").rglob("*.txt")
    }
    assert sorted(texts) == ["a/x.txt", "b/x.txt"] and texts["a/x.txt"] != texts["b/x.txt"]


def test_colliding_outputs_are_refused_before_anything_is_written(capsys, tmp_path):
    shutil.copy(FIVE, tmp_path / "x.flac")
    sf.write(tmp_path / "x.wav", sf.read(str(SEVEN))[0], 16000)
    code, out, err = run(
        capsys, str(tmp_path / "x.flac"), str(tmp_path / "x.wav"), "-o", str(tmp_path / "out")
    )
    assert code == 2 and out == "" and err.count("\n") == 1 and "nothing was written" in err
    assert not (tmp_path / "out").exists()
    code, _, err = run(capsys, str(tmp_path / "x.flac"), "-f", "json", "-o", str(tmp_path))
    assert code == 0  # x.json beside x.flac overwrites no input
    code, _, err = run(capsys, str(tmp_path / "x.flac"), "-f", "all")
    assert code == 2 and "give -o DIR" in err


def test_several_inputs_on_stdout_are_json_lines_with_the_path(capsys, same_names):
    for fmt in ("json", "srt", "tsv"):
        code, out, _ = run(capsys, str(same_names), "-f", fmt)
        lines = [json.loads(line) for line in out.splitlines()]
        assert code == 0 and len(lines) == 2
        assert [Path(d["file"]).parent.name for d in lines] == ["a", "b"]
        assert all(d["text"] and d["words"] for d in lines)
        if fmt != "json":
            assert all(fmt in d for d in lines)
    code, out, _ = run(capsys, str(same_names))
    assert [line.split("\t")[0].endswith("x.flac") for line in out.splitlines()] == [True, True]


def test_nbest_is_in_every_format(capsys, tmp_path):
    code, _, _ = run(capsys, str(SEVEN), "--nbest", "3", "-f", "all", "-o", str(tmp_path))
    assert code == 0
    stem = tmp_path / SEVEN.stem
    txt = Path(f"{stem}.txt").read_text().splitlines()
    doc = json.loads(Path(f"{stem}.json").read_text())
    assert len(txt) == 3 and txt == [a["text"] for a in doc["nbest"]] and txt[0] == doc["text"]
    for fmt in ("srt", "vtt"):
        assert (
            "\n[2] " in Path(f"{stem}.{fmt}").read_text()
            and "\n[3] " in Path(f"{stem}.{fmt}").read_text()
        )
    rows = [r.split("\t") for r in Path(f"{stem}.tsv").read_text().splitlines()]
    assert rows[0] == ["start", "end", "text", "rank"] and {r[3] for r in rows[1:]} == {
        "1",
        "2",
        "3",
    }
    assert int(rows[1][0]) == round(1000 * doc["words"][0]["start"])


def test_devices_that_are_not_there_give_one_line(capsys):
    import torch

    for device, message in (("tpu", "unknown device 'tpu'"), ("cuda:7", "cuda:7")):
        if device.startswith("cuda") and torch.cuda.device_count() > 7:
            continue
        code = main(["transcribe", str(FIVE), "--device", device])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and message in err


@pytest.mark.parametrize(
    "flags",
    [["--segment-seconds", "0"], ["--segment-seconds", "-5"], ["--batch-size", "0"],
     ["--alpha", "nan"], ["--beta", "inf"], ["--threads", "-1"], ["--segment-seconds", "nan"]],
)  # fmt: skip
def test_bad_numbers_are_refused_by_the_parser(capsys, flags):
    with pytest.raises(SystemExit) as stop:
        main(["transcribe", str(FIVE), *flags])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "Traceback" not in err
    assert (
        err.splitlines()[-1].startswith("usage: asr transcribe") or flags[0] in err.splitlines()[-1]
    )


def test_silence_is_empty_and_texts_are_stripped(capsys, tmp_path):
    sf.write(tmp_path / "silence.wav", np.zeros(3 * 16000, dtype=np.float32), 16000)
    code, out, _ = run(capsys, str(tmp_path / "silence.wav"), "-f", "json")
    doc = json.loads(out)
    assert code == 0 and doc["text"] == "" and doc["words"] == []
    code, out, _ = run(capsys, str(FIVE))
    assert out.endswith("\n") and out == out.strip() + "\n"


def test_long_file_in_segments_reads_as_well_as_one_by_one(capsys, tmp_path):
    """Six real AN4 utterances joined end to end: cut at pauses, they read as they do alone."""
    truth = {FIVE: "p i t t s b u r g h", SEVEN: "two six eight four four one eight"}
    pieces = [sf.read(str(p), dtype="float32")[0] for p in (FIVE, SEVEN)]
    sf.write(tmp_path / "long.wav", np.concatenate(pieces * 3), 16000)
    alone = []
    for path in (FIVE, SEVEN):
        code, out, _ = run(capsys, str(path))
        alone.append(out.strip())
    code, out, err = run(
        capsys, str(tmp_path / "long.wav"), "--segment-seconds", "4", "-v", "-f", "json"
    )
    doc = json.loads(out)
    assert code == 0 and doc["duration"] == pytest.approx(21.0, abs=0.01)
    assert doc["words"][-1]["end"] <= doc["duration"]
    reference = " ".join([truth[FIVE], truth[SEVEN]] * 3)
    assert wer([reference], [doc["text"]]) <= 1.1 * wer([reference], [" ".join(alone * 3)])
    starts = [w["start"] for w in doc["words"]]
    assert starts == sorted(starts) and starts[-1] > 19.0  # times run on across segments
    assert "[00:00:00." in err  # --verbose cues on stderr
    assert "\r" not in err, repr(err)
    assert "it/s" not in err and "%|" not in err  # stderr is not a terminal: no bars
