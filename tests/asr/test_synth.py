"""Synthetic espeak-ng corpus: layout, voice split, transcripts, atomic writes, errors."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

import pytest
import soundfile as sf
from hypothesis import given
from hypothesis import strategies as st

from asr import synth
from asr.readers import read_librispeech
from asr.synth import SynthError, load_sentences, normalize_sentence, synthesize_corpus

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "She said, 'don't wait up for me' -- and left.",
    "It cost 5 dollars.",  # digits: dropped
    "Mr. Smith arrived late.",  # abbreviation: dropped
    "Rain fell on the quiet harbour all night long",
]
KEPT = {
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG",
    "SHE SAID DON'T WAIT UP FOR ME AND LEFT",
    "RAIN FELL ON THE QUIET HARBOUR ALL NIGHT LONG",
}


def cli(argv: list[str]) -> argparse.Namespace:
    """Parse ``argv`` with a parser holding only the synth subcommand."""
    parser = argparse.ArgumentParser(prog="asr")
    synth.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@needs_espeak
def test_synth_cli_writes_readable_librispeech_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sentences = tmp_path / "sentences.txt"
    sentences.write_text("# comment\n" + "\n".join(SENTENCES) + "\n\n")
    out = tmp_path / "corpus"
    args = cli(
        [
            "synth",
            str(out),
            "--utterances",
            "6",
            "--sentences",
            str(sentences),
            "--sample-rate",
            "8000",
            "--seed",
            "3",
            "--no-progress",
        ]
    )
    assert args.func(args) == 0
    assert re.match(
        r"wrote 5 train utterances \(5 voices\) and 1 test utterances \(1 voices\)",
        capsys.readouterr().out,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "sentences.txt"]

    train = read_librispeech(out, ["train-synth"])
    test = read_librispeech(out / "LibriSpeech" / "test-synth")
    assert (len(train), len(test)) == (5, 1)
    assert {e.speaker for e in train}.isdisjoint({e.speaker for e in test})
    assert {e.text for e in train + test} <= KEPT
    assert len({e.text for e in train + test}) == 3  # sentences are used up before repeating
    for example in train + test:
        info = sf.info(example.path)
        assert (info.samplerate, info.channels, info.format) == (8000, 1, "FLAC")
        assert example.length > 0.5 and example.speaker.isdigit()
        assert example.id.startswith(f"{example.speaker}-1-")

    voices = json.loads((out / "voices.json").read_text())
    assert set(voices["train"]).isdisjoint(voices["test"])
    assert set(voices["train"].values()).isdisjoint(voices["test"].values())
    assert {e.speaker for e in train} <= set(voices["train"])
    assert {e.speaker for e in test} <= set(voices["test"])
    assert voices["settings"]["sample_rate"] == 8000 and voices["settings"]["seed"] == 3


@needs_espeak
def test_synth_is_reproducible_from_the_seed(tmp_path: Path) -> None:
    kwargs = {"n_utterances": 3, "seed": 5, "progress": False}
    synthesize_corpus(tmp_path / "a", SENTENCES, **kwargs)
    synthesize_corpus(tmp_path / "b", SENTENCES, **kwargs)
    a = [(e.id, e.text, e.length) for e in read_librispeech(tmp_path / "a")]
    b = [(e.id, e.text, e.length) for e in read_librispeech(tmp_path / "b")]
    assert a == b and len(a) == 3


@needs_espeak
def test_failing_espeak_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(synth, "voice_pool", lambda binary: ["no-such-voice", "nor-this-one"])
    with pytest.raises(SynthError, match="espeak-ng failed for voice"):
        synthesize_corpus(tmp_path / "out", SENTENCES, 4, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_missing_espeak_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SynthError, match="apt-get install espeak-ng"):
        synthesize_corpus(tmp_path / "out", SENTENCES, 4, progress=False)
    assert not (tmp_path / "out").exists()


def test_argument_errors(tmp_path: Path) -> None:
    with pytest.raises(SynthError, match="sentences file not found"):
        load_sentences(str(tmp_path / "missing.txt"))
    (tmp_path / "empty.txt").write_text("# only a comment\n\n")
    with pytest.raises(SynthError, match="no sentences"):
        load_sentences(str(tmp_path / "empty.txt"))
    with pytest.raises(SynthError, match="no usable sentences"):
        synthesize_corpus(tmp_path / "out", ["Call 911 now."], 4, progress=False)
    with pytest.raises(SynthError, match="test fraction"):
        synthesize_corpus(tmp_path / "out", SENTENCES, 4, test_fraction=1.0, progress=False)
    with pytest.raises(SynthError, match="none for training"):
        synthesize_corpus(tmp_path / "out", SENTENCES, 1, progress=False)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    with pytest.raises(SynthError, match="not empty"):
        synthesize_corpus(tmp_path / "full", SENTENCES, 4, progress=False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hello, world!", "HELLO WORLD"),
        ("twenty-one (roughly)", "TWENTY ONE ROUGHLY"),
        ("the soldiers' guns", "THE SOLDIERS' GUNS"),
        ("He said 'no' twice", "HE SAID NO TWICE"),
        ("'Come in,' said the soldiers' wives", "COME IN SAID THE SOLDIERS' WIVES"),
        ("It\u2019s fine", "IT'S FINE"),
        ("Room 101", None),
        ("Dr. Who", None),
        ("caf\u00e9 au lait", None),
        ("...", None),
    ],
)
def test_normalize_sentence(raw: str, expected: str | None) -> None:
    assert normalize_sentence(raw) == expected


@given(st.text())
def test_normalize_sentence_output_is_librispeech_style(raw: str) -> None:
    text = normalize_sentence(raw)
    assert text is None or re.fullmatch(r"[A-Z']+( [A-Z']+)*", text)


def test_packaged_sentences_are_all_usable() -> None:
    sentences = load_sentences(None)
    assert len(sentences) == 3000 and len(set(sentences)) == 3000
    normalized = [normalize_sentence(s) for s in sentences]
    assert all(n is not None and 4 <= len(n.split()) <= 20 for n in normalized)
