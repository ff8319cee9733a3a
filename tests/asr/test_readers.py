"""Corpus readers on tiny fixtures in each native layout, specs, auto-detection, real data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from omegaconf import OmegaConf

from asr.readers import (
    DataError,
    DataSpec,
    describe_spec,
    detect_kind,
    load_data,
    load_spec,
    read_an4,
    read_fsdd,
    read_librispeech,
    read_manifest,
    select_holdout_speakers,
)

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def write_audio(path: Path, seconds: float, sr: int = 16000, fmt: str | None = None) -> None:
    """Write a short noise file (format from the suffix unless ``fmt`` is given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    noise = np.random.default_rng(0).uniform(-0.1, 0.1, int(seconds * sr)).astype(np.float32)
    sf.write(path, noise, sr, format=fmt, subtype="PCM_16")


def make_librispeech(root: Path, subset: str = "dev-clean") -> Path:
    """Two speakers, three utterances; the last transcript lacks a trailing newline."""
    chapters = {
        ("84", "121123"): ["GO DO YOU HEAR", "BUT IN LESS THAN FIVE MINUTES"],
        ("174", "50561"): ["FORGOTTEN TOO THE NAME OF GILLIAN"],
    }
    for (spk, chapter), texts in chapters.items():
        folder = root / "LibriSpeech" / subset / spk / chapter
        lines = []
        for i, text in enumerate(texts):
            utt = f"{spk}-{chapter}-{i:04d}"
            write_audio(folder / f"{utt}.flac", 0.5 + 0.25 * i)
            lines.append(f"{utt} {text}")
        (folder / f"{spk}-{chapter}.trans.txt").write_text("\n".join(lines))
    return root


def make_an4(root: Path, split: str = "train") -> Path:
    """AN4 layout: etc/an4_<split>.{transcription,fileids}, wav/<dir>/<spk>/<id>.sph."""
    top = "an4_clstk" if split == "train" else "an4test_clstk"
    rows = [
        ("fash", "an251-fash-b", "YES"),
        ("fash", "cen1-fash-b", "G L E N N"),
        ("mgah", "an11-mgah-b", "RUBOUT T W O"),
        ("mjgm", "an12-mjgm-b", "STOP"),
    ]
    transcription, fileids = [], []
    for spk, utt, text in rows:
        write_audio(root / "wav" / top / spk / f"{utt}.sph", 0.3, fmt="NIST")
        shown = utt if split == "train" else f"{utt.split('-')[1]}-{utt.split('-')[0]}-b"
        transcription.append(f"<s> {text} </s> ({shown})")
        fileids.append(f"{top}/{spk}/{utt}")
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc" / f"an4_{split}.transcription").write_text("\n".join(transcription) + "\n")
    (root / "etc" / f"an4_{split}.fileids").write_text("\n".join(fileids) + "\n")
    return root


def make_fsdd(root: Path) -> Path:
    """FSDD layout: recordings/{digit}_{speaker}_{index}.wav at 8 kHz."""
    for name in ("0_jackson_0", "7_jackson_1", "3_theo_12", "9_yweweler_4"):
        write_audio(root / "recordings" / f"{name}.wav", 0.2, sr=8000)
    return root


def test_read_librispeech_native_layout(tmp_path: Path) -> None:
    make_librispeech(tmp_path)
    examples = read_librispeech(tmp_path)
    assert [e.id for e in examples] == ["174-50561-0000", "84-121123-0000", "84-121123-0001"]
    first = examples[1]
    assert first.text == "GO DO YOU HEAR" and first.speaker == "84"
    assert first.length == pytest.approx(0.5)
    assert examples[2].text == "BUT IN LESS THAN FIVE MINUTES"
    assert examples[2].length == pytest.approx(0.75)
    assert Path(first.path) == tmp_path / "LibriSpeech/dev-clean/84/121123/84-121123-0000.flac"
    same = [
        read_librispeech(tmp_path / "LibriSpeech"),
        read_librispeech(tmp_path / "LibriSpeech" / "dev-clean"),
        read_librispeech(tmp_path, ["dev-clean"]),
    ]
    assert all(s == examples for s in same)


def test_read_librispeech_subsets_and_errors(tmp_path: Path) -> None:
    make_librispeech(tmp_path, "dev-clean")
    make_librispeech(tmp_path, "test-clean")
    assert len(read_librispeech(tmp_path)) == 6
    assert len(read_librispeech(tmp_path, ["test-clean"])) == 3
    with pytest.raises(DataError, match="train-other-500"):
        read_librispeech(tmp_path, ["train-other-500"])
    (tmp_path / "LibriSpeech/dev-clean/84/121123/84-121123-0001.flac").unlink()
    with pytest.raises(DataError, match="84-121123-0001"):
        read_librispeech(tmp_path, ["dev-clean"])
    with pytest.raises(DataError, match="no LibriSpeech transcripts"):
        read_librispeech(tmp_path / "LibriSpeech" / "dev-clean" / "84")
    with pytest.raises(DataError, match="not found"):
        read_librispeech(tmp_path / "nowhere")


def test_read_an4_train_and_test_splits(tmp_path: Path) -> None:
    make_an4(tmp_path, "train")
    make_an4(tmp_path, "test")
    train = read_an4(tmp_path)
    assert [(e.id, e.speaker, e.text) for e in train] == [
        ("an251-fash-b", "fash", "YES"),
        ("cen1-fash-b", "fash", "G L E N N"),
        ("an11-mgah-b", "mgah", "RUBOUT T W O"),
        ("an12-mjgm-b", "mjgm", "STOP"),
    ]
    assert Path(train[0].path) == tmp_path / "wav/an4_clstk/fash/an251-fash-b.sph"
    assert train[0].length == pytest.approx(0.3)
    test = read_an4(tmp_path, "test")
    assert [e.id for e in test] == [e.id for e in train]
    assert Path(test[0].path) == tmp_path / "wav/an4test_clstk/fash/an251-fash-b.sph"


def test_read_an4_errors(tmp_path: Path) -> None:
    make_an4(tmp_path)
    with pytest.raises(DataError, match=r"splits present: \['train'\]"):
        read_an4(tmp_path, "dev")
    fileids = tmp_path / "etc/an4_train.fileids"
    lines = fileids.read_text().splitlines()
    fileids.write_text("\n".join([lines[1], lines[0], *lines[2:]]))
    with pytest.raises(DataError, match=":1: id 'an251-fash-b' does not match"):
        read_an4(tmp_path)
    fileids.write_text("\n".join(lines[:3]))
    with pytest.raises(DataError, match="4 lines but"):
        read_an4(tmp_path)
    fileids.write_text("\n".join(lines))
    (tmp_path / "wav/an4_clstk/mjgm/an12-mjgm-b.sph").unlink()
    with pytest.raises(DataError, match=":4: audio not found"):
        read_an4(tmp_path)
    (tmp_path / "etc/an4_train.transcription").write_text("YES an251-fash-b\n")
    with pytest.raises(DataError, match=":1: expected"):
        read_an4(tmp_path)


def test_read_fsdd(tmp_path: Path) -> None:
    make_fsdd(tmp_path)
    examples = read_fsdd(tmp_path)
    assert [(e.id, e.text, e.speaker) for e in examples] == [
        ("0_jackson_0", "zero", "jackson"),
        ("3_theo_12", "three", "theo"),
        ("7_jackson_1", "seven", "jackson"),
        ("9_yweweler_4", "nine", "yweweler"),
    ]
    assert examples[0].length == pytest.approx(0.2)
    write_audio(tmp_path / "recordings" / "ten_x.wav", 0.1)
    with pytest.raises(DataError, match="ten_x.wav"):
        read_fsdd(tmp_path)
    with pytest.raises(DataError, match="no FSDD recordings"):
        read_fsdd(tmp_path / "elsewhere")


def test_read_manifest_resolves_relative_paths(tmp_path: Path) -> None:
    write_audio(tmp_path / "audio" / "a.wav", 0.4)
    write_audio(tmp_path / "b.flac", 0.6)
    entries = [
        {"audio_filepath": "audio/a.wav", "duration": 0.4, "text": "hello there"},
        {"audio_filepath": str(tmp_path / "b.flac"), "text": "bye", "speaker": "s2"},
    ]
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("\n".join(json.dumps(e) for e in entries) + "\n\n")
    a, b = read_manifest(manifest)
    assert (a.id, a.path, a.text, a.length, a.speaker) == (
        "a",
        str(tmp_path / "audio" / "a.wav"),
        "hello there",
        0.4,
        "",
    )
    assert (b.id, b.text, b.speaker) == ("b", "bye", "s2")
    assert b.length == pytest.approx(0.6)


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("{not json", ":2: invalid JSON"),
        ('{"audio_filepath": "a.wav"}', ":2: expected an object"),
        ('{"audio_filepath": "gone.wav", "text": "x"}', ":2: audio not found"),
        ('{"audio_filepath": "a.wav", "text": "x", "duration": -1}', ":2: 'duration'"),
        ('{"audio_filepath": "a.wav", "text": "x"}', ":2: duplicate id 'a'"),
        ('{"audio_filepath": "a.wav", "text": "x", "id": "z", "offset": 1.0}', ":2: 'offset'"),
        ('{"audio_filepath": 3, "text": "x"}', ":2: 'audio_filepath' must be a non-empty string"),
        ('{"audio_filepath": ["a.wav"], "text": "x"}', ":2: 'audio_filepath' must be"),
        ('{"audio_filepath": "a\\u0000.wav", "text": "x"}', ":2: 'audio_filepath' must be"),
        ("[" * 100_000 + "]" * 100_000, ":2: invalid JSON \\(nested too deeply\\)"),
        ('{"audio_filepath": "a.wav", "text": "x", "id": "z", "duration": NaN}', ":2: 'duration'"),
        ('{"audio_filepath": "a.wav", "text": "x", "id": "z", "duration": Infinity}', "'duration'"),
        ('{"audio_filepath": "a.wav", "text": "x", "id": "z", "duration": true}', ":2: 'duration'"),
        ('{"audio_filepath": "a.wav", "text": "x", "id": "z", "duration": 1e9}', ":2: 'duration'"),
        (
            '{"audio_filepath": "a.wav", "text": "x", "id": "z", "duration": 1%s}' % ("0" * 400),
            ":2: 'duration'",
        ),
        ('{"audio_filepath": "a.wav", "text": 5, "id": "z"}', ":2: 'text' must be a string"),
        ('{"audio_filepath": "a.wav", "text": "x", "id": [1]}', ":2: 'id' must be a string"),
        ('{"audio_filepath": "%s", "text": "x"}' % ("n" * 5000), ":2: (bad audio path|audio not)"),
        (
            '{"audio_filepath": "a.wav", "text": "x", "id": "z", "duration": 1%s}' % ("0" * 5000),
            ":2: invalid JSON",
        ),
    ],
)
def test_read_manifest_bad_line_names_line_number(tmp_path: Path, line: str, match: str) -> None:
    write_audio(tmp_path / "a.wav", 0.1)
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('{"audio_filepath": "a.wav", "duration": 0.1, "text": "ok"}\n' + line)
    with pytest.raises(DataError, match=match):
        read_manifest(manifest)


def test_holdout_selection_is_stable_and_splits_speakers(tmp_path: Path) -> None:
    speakers = [f"spk{i}" for i in range(30)]
    chosen = select_holdout_speakers(speakers, 5)
    assert chosen == select_holdout_speakers(list(reversed(speakers)) * 2, 5)
    assert chosen == ["spk13", "spk14", "spk25", "spk3", "spk4"]  # pinned: must never change
    assert set(select_holdout_speakers(speakers, 6)) > set(chosen)
    make_an4(tmp_path)
    spec = DataSpec(kind="an4", path=str(tmp_path), holdout_speakers=1, holdout="keep")
    valid = load_spec(spec)
    spec.holdout = "drop"
    train = load_spec(spec)
    assert {e.speaker for e in valid}.isdisjoint({e.speaker for e in train})
    assert len(valid) + len(train) == 4
    assert describe_spec(spec) == f"an4 {tmp_path} split=train holdout=drop:1"


def test_load_spec_filters(tmp_path: Path) -> None:
    make_an4(tmp_path)
    path = str(tmp_path)
    assert {e.speaker for e in load_spec(DataSpec("an4", path, include_speakers=["fash"]))} == {
        "fash"
    }
    assert len(load_spec(DataSpec("an4", path, exclude_speakers=["fash", "mjgm"]))) == 1
    assert len(load_spec(DataSpec("an4", path, max_utterances=3))) == 3
    make_librispeech(tmp_path / "ls")
    durations = [e.length for e in load_spec(DataSpec(path=str(tmp_path / "ls"), max_duration=0.6))]
    assert durations == pytest.approx([0.5, 0.5])


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"kind": "timit"}, "kind"),
        ({"path": ""}, "path is empty"),
        ({"holdout": "keep"}, "holdout_speakers > 0"),
        ({"holdout_speakers": 1}, "holdout"),
        ({"holdout": "drop", "holdout_speakers": 3}, r"\[1, 2\]"),
        ({"include_speakers": ["nobody"]}, "nobody"),
        ({"subsets": ["dev-clean"]}, "librispeech"),
        ({"max_utterances": -1}, ">= 0"),
        ({"exclude_speakers": ["fash", "mgah", "mjgm"]}, "no utt"),
    ],
)
def test_load_spec_errors(tmp_path: Path, changes: dict, match: str) -> None:
    make_an4(tmp_path)
    spec = DataSpec(kind="an4", path=str(tmp_path))
    for name, value in changes.items():
        setattr(spec, name, value)
    with pytest.raises(DataError, match=match):
        load_spec(spec)


def test_data_spec_is_omegaconf_structured() -> None:
    node = OmegaConf.structured(DataSpec)
    node.subsets = ["train-clean-100"]
    spec = OmegaConf.to_object(node)
    assert isinstance(spec, DataSpec) and spec.subsets == ["train-clean-100"]


def test_load_data_detects_each_layout(tmp_path: Path) -> None:
    make_an4(tmp_path / "an4")
    make_fsdd(tmp_path / "fsdd")
    make_librispeech(tmp_path / "ls")
    write_audio(tmp_path / "a.wav", 0.1)
    (tmp_path / "m.jsonl").write_text(json.dumps({"audio_filepath": "a.wav", "text": "a"}))
    assert detect_kind(tmp_path / "an4") == "an4"
    assert [len(load_data(str(tmp_path / d))) for d in ("an4", "fsdd", "ls")] == [4, 4, 3]
    with pytest.raises(DataError, match="no LibriSpeech transcripts"):
        load_data(str(tmp_path / "ls" / "LibriSpeech" / "dev-clean" / "84"))
    assert load_data(str(tmp_path / "m.jsonl"))[0].text == "a"
    with pytest.raises(DataError, match="an4_test"):
        load_data(str(tmp_path / "an4"), split="test")
    with pytest.raises(DataError, match="cannot tell which corpus"):
        load_data(str(tmp_path / "a.wav"))


def need(name: str) -> pytest.MarkDecorator:
    """Skip unless the shared data folder ``name`` exists."""
    return pytest.mark.skipif(
        not (SHARED_DATA / name).is_dir(), reason=f"shared data {name!r} not present"
    )


@need("an4")
def test_real_an4() -> None:
    examples = load_data(str(SHARED_DATA / "an4"))
    assert len(examples) == 948 and len({e.speaker for e in examples}) == 74
    assert examples[0].text == "YES" and examples[0].speaker == "fash"
    assert all(e.text and "<s>" not in e.text and e.length > 0 for e in examples)
    spec = DataSpec(kind="an4", path=str(SHARED_DATA / "an4"), holdout_speakers=10)
    spec.holdout = "keep"
    valid = load_spec(spec)
    spec.holdout = "drop"
    train = load_spec(spec)
    assert len({e.speaker for e in valid}) == 10 and len(valid) + len(train) == 948


@need("librispeech-sample")
def test_real_librispeech_sample() -> None:
    examples = read_librispeech(SHARED_DATA / "librispeech-sample")
    assert len(examples) == 4 and examples[0].id == "1089-134686-0000"
    assert examples[0].text.startswith("HE HOPED THERE WOULD BE STEW")
    assert all(e.speaker == "1089" and e.length > 1 for e in examples)


@need("fsdd")
def test_real_fsdd() -> None:
    examples = read_fsdd(SHARED_DATA / "fsdd")
    assert len(examples) == 3000 and len({e.speaker for e in examples}) == 6
    assert {e.text for e in examples} == {
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
    }
