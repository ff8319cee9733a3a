"""Hostile JSON-lines manifests (speech and ink): read, or refused with one ``DataError`` /
``InkError`` naming the line, quickly (issue #12, defect 6)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings

from asr.readers import DataError, read_manifest
from common.jsonl import MAX_LINE_BYTES
from handwriting.ink import InkError
from handwriting.readers import read_ink_manifest

ASR_LINES = [
    {"audio_filepath": "a.wav", "duration": 0.25, "text": "yes", "speaker": "s1"},
    {"audio_filepath": "b.wav", "text": "no", "id": "b2"},
]
INK_LINES = [
    {"ink_filepath": "a.json", "text": "hi", "speaker": "w1"},
    {"ink_filepath": "b.json", "text": "yo", "id": "b2"},
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("manifests")
    for name in ("a.wav", "b.wav"):
        sf.write(root / name, np.zeros(4000, np.float32), 16000)
    for name in ("a.json", "b.json"):
        (root / name).write_text('{"strokes": [[[0, 0, 0], [1, 2, 0.1]], [[3, 1, 0.3]]]}')
    return root


def jsonl(entries) -> bytes:
    return ("\n".join(json.dumps(e) for e in entries) + "\n").encode()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"audio_filepath": 12, "text": "x"}, "'audio_filepath' must be a non-empty string"),
        ({"audio_filepath": "a.wav", "text": "x", "id": "q", "duration": float("nan")}, "duration"),
        ({"audio_filepath": "a.wav", "text": "x", "id": "q", "duration": float("inf")}, "duration"),
        ({"audio_filepath": "a.wav", "text": "x", "id": "q", "duration": True}, "duration"),
        ({"audio_filepath": "a.wav", "text": "x"}, "duplicate id 'a'"),
    ],
)
def test_bad_asr_entries_are_data_errors(folder, line, message):
    path = folder / "bad.jsonl"
    path.write_text(json.dumps(ASR_LINES[0]) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(DataError, match=f"bad.jsonl:2: .*{message}"):
        read_manifest(path)


@pytest.mark.parametrize("reader", [read_manifest, read_ink_manifest])
def test_deep_nesting_and_long_lines_are_refused(folder, bounded, reader):
    error = DataError if reader is read_manifest else InkError
    path = folder / "deep.jsonl"
    path.write_text("[" * 200_000 + "]" * 200_000 + "\n")
    assert "nested too deeply" in str(bounded(lambda: reader(path), error).error)
    path.write_text('{"text": "' + "x" * MAX_LINE_BYTES + '"}\n')
    assert "line longer" in str(bounded(lambda: reader(path), error).error)
    path.write_bytes(b'{"text": "\xff\xfe"}\n')
    assert "invalid JSON" in str(bounded(lambda: reader(path), error).error)


def test_duplicate_ink_ids_are_refused(folder):
    path = folder / "dup.jsonl"
    path.write_bytes(jsonl([INK_LINES[0], {"ink_filepath": "b.json", "text": "z", "id": "a"}]))
    with pytest.raises(InkError, match="dup.jsonl:2: duplicate id 'a'"):
        read_ink_manifest(path)


@pytest.mark.parametrize(
    ("reader", "entries", "error"),
    [(read_manifest, ASR_LINES, DataError), (read_ink_manifest, INK_LINES, InkError)],
)
def test_mutated_manifests_are_read_or_refused_cleanly(
    folder, bounded, mutated, reader, entries, error
):
    valid = jsonl(entries)
    assert len(reader_of(reader, folder, valid)) == 2

    @settings(
        max_examples=60,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated(valid))
    def check(data: bytes) -> None:
        out = bounded(lambda: reader_of(reader, folder, data), error, seconds=5.0)
        if out.error is None:
            assert all(e.length > 0 and isinstance(e.id, str) for e in out.result)

    check()


def reader_of(reader, folder, data: bytes):
    path = folder / "m.jsonl"
    path.write_bytes(data)
    return reader(path)
