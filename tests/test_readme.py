"""The README's examples run as written: its ``asr``/``handwriting`` lines and its Python snippet.

The lines are read from README.md itself (every fenced line that starts with ``asr `` or
``handwriting ``), so an example that stops working, or a new one, shows up here. Each
runs with the installed commands (``.venv/bin/``, or ``python -m asr.cli`` when the venv
has none) in a folder holding the inputs the README names (``recording.wav``, ``talks/``,
``line.inkml``, ...) made from the bundled AN4 recordings and from lines set in Hershey
fonts, so what the models should read is known. Where the README says what comes out
(``subs/<name>.srt (+ .png) per input``, ``path<TAB>text``, ``--nbest 5``), that is
checked. Lines that need data or runs this checkout does not have are skipped with the
reason listed in ``NEEDS``; a README line in neither list fails, so nothing is left out
silently. Also here: every shipped model (``common.resources.list_models``) loads and reads.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from common.metrics import word_errors

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "models" / "samples"
FIVE, SEVEN = SAMPLES / "an4-cen5-fash-b.flac", SAMPLES / "an4-cen7-fash-b.flac"
PITTSBURGH = "p i t t s b u r g h"
DIGITS = "two six eight four four one eight"
RATE = 16000

NEEDS = {  # README lines that cannot run here, and why
    "asr evaluate /data/LibriSpeech/test-clean --model run/best.pt --json metrics.json": (
        "needs LibriSpeech test-clean and a trained run/best.pt"
    ),
    "asr evaluate /data/an4 --split test --decoder beam --beam-size 64 --lm an4.arpa": (
        "needs the AN4 test part (not even ../shared/data has it); "
        "--split test is tested in tests/asr/test_cli_promises.py"
    ),
    "asr tune-lm /data/dev --model run/best.pt --lm lm.arpa": (
        "needs a dev set and a trained run/best.pt; tune-lm is tested in "
        "tests/asr/test_cli_promises.py"
    ),
    "handwriting evaluate /data/IAM-OnDB --split testset_f --json metrics.json": (
        "needs IAM-OnDB (not shipped, not in ../shared/data); --split testset_f is tested in "
        "tests/handwriting/test_ink_cli_promises.py"
    ),
    "asr train data=an4 data.root=/data/an4 model=bilstm trainer.max_epochs=40": (
        "a 40-epoch training on AN4"
    ),
    "asr train -m model.hidden=256,512 optim.lr=1e-3,2e-3": "a sweep of four full trainings",
    "asr train ... hydra.run.dir=runs/x trainer.resume=auto": (
        "'...' stands for the user's settings; resume is tested in tests/common/test_training.py"
    ),
    "handwriting train features=offsets model=offsets": "a full training on IAM-OnDB defaults",
}


def readme_lines() -> list[str]:
    """Every ``asr ...`` / ``handwriting ...`` line of the README's fenced blocks, comments cut."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith(("asr ", "handwriting ")):
                lines.append(re.sub(r"\s+#\s.*$", "", line).strip())
    return lines


def python_snippet() -> str:
    """The README's Python example (the fenced python block that imports asr)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "import asr" in b]
    assert len(blocks) == 1, "the README should hold one Python example"
    return blocks[0]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, hershey_ink) -> Path:
    """The inputs the README's examples name, made from the bundled samples and fonts."""
    from handwriting.writers import write_inkml, write_json_ink

    root = tmp_path_factory.mktemp("readme")
    five, seven = (sf.read(str(p), dtype="float32")[0] for p in (FIVE, SEVEN))
    sf.write(root / "recording.wav", seven, RATE)
    sf.write(root / "x.wav", seven, RATE)
    sf.write(root / "a.wav", five, RATE)
    shutil.copy(SEVEN, root / "b.flac")
    (root / "talks" / "more").mkdir(parents=True)
    shutil.copy(FIVE, root / "talks" / "city.flac")
    sf.write(root / "talks" / "more" / "digits.wav", seven, RATE)
    gap = np.zeros(RATE // 2, dtype=np.float32)
    sf.write(root / "long.flac", np.concatenate([five, gap, seven, gap, five]), RATE)
    (root / "sentences.txt").write_text(f"{PITTSBURGH}\n{DIGITS}\nopen the door\nHello World\n")
    write_inkml(hershey_ink("open the door"), root / "line.inkml")
    write_json_ink(hershey_ink("Hello World", "rowmans"), root / "page.json")
    write_json_ink(hershey_ink("good morning"), root / "ink" / "morning.json")
    write_inkml(hershey_ink("open the door", "scripts"), root / "ink" / "door.inkml")
    lm = subprocess.run(
        [*command("asr"), "lm", "build", "sentences.txt", "-o", "lm.arpa"],
        cwd=root, env=ENV, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert lm.returncode == 0, lm.stderr  # the --lm example needs it, whatever runs first
    return root


ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}


def command(program: str) -> list[str]:
    """The installed command, else the module behind it."""
    installed = Path(sys.executable).parent / program
    if installed.is_file():
        return [str(installed)]
    return [sys.executable, "-m", {"asr": "asr.cli", "handwriting": "handwriting.cli"}[program]]


def _subtitles_per_input(out: subprocess.CompletedProcess, cwd: Path) -> None:
    made = sorted(p.relative_to(cwd / "subs").as_posix() for p in (cwd / "subs").rglob("*.*"))
    assert made == ["city.png", "city.srt", "digits.png", "digits.srt"]  # names differ: flat
    assert (cwd / "subs" / "city.srt").read_text().splitlines()[2] == PITTSBURGH


def _path_tab_text(out: subprocess.CompletedProcess, cwd: Path) -> None:
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert [r[0] for r in rows] == ["a.wav", "b.flac"] and rows[0][1] == PITTSBURGH
    assert word_errors(DIGITS, rows[1][1]).errors <= 1


def _one_text(out: subprocess.CompletedProcess, cwd: Path) -> None:
    assert word_errors(DIGITS, out.stdout).errors <= 1


def _nbest_json(out: subprocess.CompletedProcess, cwd: Path) -> None:
    doc = json.loads(out.stdout)
    texts = [a["text"] for a in doc["nbest"]]
    # up to 5, all different (alternatives that differ only in words over silence are merged)
    assert 2 <= len(set(texts)) == len(texts) <= 5 and texts[0] == doc["text"]
    assert word_errors(" ".join([PITTSBURGH, DIGITS, PITTSBURGH]), doc["text"]).errors <= 3
    starts = [w["start"] for w in doc["words"]]
    assert (
        starts == sorted(starts) and doc["words"][-1]["end"] <= doc["duration"] == 12.5
    )  # 4.5 + 0.5 + 2.5 + 0.5 + 4.5


def _ink_nbest(out: subprocess.CompletedProcess, cwd: Path) -> None:
    docs = [json.loads(line) for line in out.stdout.splitlines()]
    assert [d["text"] for d in docs] == ["open the door", "Hello World"]
    assert all(len(d["nbest"]) == 5 for d in docs)


def _svg_per_ink(out: subprocess.CompletedProcess, cwd: Path) -> None:
    made = sorted(p.name for p in (cwd / "pictures").iterdir())
    assert made == ["door.svg", "morning.svg"]
    assert all(b"<svg" in (cwd / "pictures" / n).read_bytes()[:500] for n in made)


def _arpa(name: str, unit: str) -> Callable[[subprocess.CompletedProcess, Path], None]:
    def check(out: subprocess.CompletedProcess, cwd: Path) -> None:
        arpa = (cwd / name).read_text()
        assert arpa.startswith("\n\\data\\") or arpa.startswith("\\data\\")
        assert ("<sp>" in arpa) == (unit == "char") and ("\tpittsburgh" not in arpa)

    return check


def _config(out: subprocess.CompletedProcess, cwd: Path) -> None:
    assert "model:" in out.stdout and "features:" in out.stdout and "decoder:" in out.stdout


EXPECTED = {  # README line -> what it says comes out
    "asr transcribe recording.wav": _one_text,
    "asr transcribe talks/ -f srt -o subs/ --plot": _subtitles_per_input,
    "asr transcribe a.wav b.flac": _path_tab_text,
    "asr transcribe long.flac -f json --decoder beam --lm lm.arpa --alpha 0.5 --beta 1.0 "
    "--nbest 5": _nbest_json,
    "asr lm build sentences.txt -o lm.arpa --order 3": _arpa("lm.arpa", "word"),
    "handwriting recognize line.inkml page.json -f json --nbest 5": _ink_nbest,
    "handwriting render ink/ -o pictures/ --image-format svg --model ink-synthetic": _svg_per_ink,
    "handwriting lm build sentences.txt -o chars.arpa --order 6": _arpa("chars.arpa", "char"),
    "asr train --cfg job": _config,
}


def test_every_readme_line_is_run_or_skipped_for_a_reason():
    lines = readme_lines()
    assert len(lines) >= 15  # the parser still finds the examples
    assert sorted(set(lines) - set(EXPECTED) - set(NEEDS)) == []
    assert sorted((set(EXPECTED) | set(NEEDS)) - set(lines)) == []  # no stale entries


@pytest.mark.slow
@pytest.mark.parametrize("line", readme_lines())
def test_readme_line(line: str, workdir: Path):
    if line in NEEDS:
        pytest.skip(NEEDS[line])
    program, *args = shlex.split(line)
    out = subprocess.run(
        [*command(program), *args], cwd=workdir, env=ENV, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    EXPECTED[line](out, workdir)


def test_readme_python_example(workdir: Path, monkeypatch):
    monkeypatch.chdir(workdir)
    scope: dict = {"paths": ["x.wav", "a.wav"]}  # the snippet's list of files
    exec(compile(python_snippet(), "README.md", "exec"), scope)
    t, ts, r = scope["t"], scope["ts"], scope["r"]
    assert word_errors(DIGITS, t.text).errors <= 1
    assert 0 <= t.words[0].start < t.words[0].end <= t.duration == 2.5
    assert [len(x.nbest) for x in ts] == [3, 3] and ts[1].text == PITTSBURGH
    assert ts[1].nbest[0].score > ts[1].nbest[1].score > ts[1].nbest[2].score
    assert r.text == "open the door" and 0 <= r.chars[0].start < r.chars[0].end


def test_readme_python_result_is_what_recognize_json_writes(workdir: Path, monkeypatch, capsys):
    import handwriting
    from handwriting.cli import main as handwriting_main

    monkeypatch.chdir(workdir)
    assert handwriting_main(["recognize", "line.inkml", "-f", "json", "--device", "cpu"]) == 0
    doc = json.loads(capsys.readouterr().out)
    doc.pop("file")
    expected = handwriting.load(device="cpu").recognize("line.inkml").to_dict()
    assert json.loads(json.dumps(expected)) == doc


def test_every_shipped_model_loads_and_reads_its_domain(hershey_ink):
    import asr
    import handwriting
    from common.resources import list_models

    models = list_models()
    assert {m.name for m in models} >= {"an4", "ink-synthetic"}
    for model in models:
        if model.task == "asr":
            rec = asr.load(model.name, device="cpu")
            assert rec.transcribe(FIVE).text == PITTSBURGH, model.name
        else:
            assert model.task == "handwriting", model
            ink = handwriting.load(model.name, device="cpu")
            assert ink.recognize(hershey_ink("open the door")).text == "open the door", model.name
