"""``asr`` commands at the edges the promise tests leave (found by ``bench/mutate.py``).

``transcribe`` without flags: the help and ``asr.segment.SegmentConfig`` promise that
longer files are cut where the speaker pauses into segments of at most 5 s, so memory
stays flat; the truth is the number of feature frames (10 ms each) of every model call
on a 37.5 s recording of the bundled AN4 samples, counted by a spy on the one inference
path. ``evaluate`` reports the audio it scored (the files' own durations, summed) and
reads no more than ``--max-utterances``. Subtitle cues stay short (at most 6 s and 42
characters, the usual subtitle limits) however densely words follow each other.
``tune-lm`` holds the beam settings it is given fixed over its grid.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from asr.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "models" / "samples"
RATE = 16000


def test_long_recording_is_cut_into_segments_of_at_most_five_seconds(capsys, model_calls, tmp_path):
    pieces = [sf.read(str(SAMPLES / f"an4-cen{n}-fash-b.flac"), dtype="float32")[0] for n in (5, 7)]
    pieces = [
        pieces[0],
        np.zeros(RATE // 2, np.float32),
        pieces[1],
        np.zeros(RATE // 2, np.float32),
    ]
    audio = np.concatenate(pieces * 5)  # 5 x 7.5 s
    sf.write(tmp_path / "long.wav", audio, RATE)
    frames = model_calls
    assert main(["transcribe", str(tmp_path / "long.wav"), "--device", "cpu"]) == 0
    assert "pittsburgh" in capsys.readouterr().out.replace(" ", "")
    seconds = len(audio) / RATE
    assert len(frames) >= seconds / 5 and max(frames) <= 5 * 100 + 1
    assert seconds * 100 <= sum(frames) <= seconds * 100 + len(frames)


def test_evaluate_reports_the_seconds_of_audio_it_scored(capsys, tmp_path, asr_manifest):
    files = [SAMPLES / "an4-cen5-fash-b.flac", SAMPLES / "an4-cen7-fash-b.flac"]
    data = asr_manifest([(f, "x") for f in files])
    out = tmp_path / "m.json"
    assert main(["evaluate", str(data), "--json", str(out), "--device", "cpu"]) == 0
    seconds = sum(sf.info(str(f)).duration for f in files)
    assert json.loads(out.read_text())["audio_seconds"] == pytest.approx(seconds, abs=0.01)
    assert f"audio_seconds {round(seconds, 2):g}" in capsys.readouterr().out


def test_tune_lm_holds_the_given_beam_settings_over_its_grid(tmp_path):
    from asr.cli import build_parser
    from common.tune_lm import _beam_config

    lm, lexicon = tmp_path / "lm.arpa", tmp_path / "words.txt"
    lm.write_text("")
    lexicon.write_text("one\ntwo\n")
    argv = ["tune-lm", "dev", "--lm", str(lm), "--merge", "max", "--beam-size", "5"]
    cfg = _beam_config(build_parser().parse_args([*argv, "--lexicon", str(lexicon)]), "asr")
    assert (cfg.kind, cfg.lm, cfg.merge, cfg.beam_size) == ("beam", str(lm), "max", 5)
    assert cfg.lexicon == str(lexicon)
    defaults = _beam_config(build_parser().parse_args(argv[:4]), "asr")
    assert (defaults.merge, defaults.beam_size) == ("sum", 64)  # conf/asr/decoder/beam.yaml
    assert defaults.lexicon is None


def test_tune_lm_max_utterances_limits_the_dev_set(capsys, tmp_path, asr_manifest):
    files = [SAMPLES / "an4-cen5-fash-b.flac", SAMPLES / "an4-cen7-fash-b.flac"]
    data = asr_manifest([(f, "p") for f in files])
    (tmp_path / "t.txt").write_text("p i t t s b u r g h\n")
    lm = str(tmp_path / "lm.arpa")
    assert main(["lm", "build", str(tmp_path / "t.txt"), "-o", lm, "--order", "2"]) == 0
    out = tmp_path / "grid.json"
    grid = ["--alphas", "0", "--betas", "0", "--beam-size", "4", "--device", "cpu"]
    for limit, expected in (("1", 1), ("0", 2)):
        argv = ["tune-lm", str(data), "--lm", lm, "--max-utterances", limit, "--json", str(out)]
        assert main([*argv, *grid]) == 0
        assert json.loads(out.read_text())["utterances"] == expected


def test_evaluate_max_utterances_reads_that_many(capsys, tmp_path, asr_manifest):
    files = [SAMPLES / "an4-cen5-fash-b.flac", SAMPLES / "an4-cen7-fash-b.flac"]
    data = asr_manifest([(f, "x") for f in files])
    out = tmp_path / "m.json"
    for limit, expected in (("1", 1), ("2", 2), ("0", 2)):
        argv = ["evaluate", str(data), "--max-utterances", limit, "--json", str(out)]
        assert main([*argv, "--device", "cpu"]) == 0
        assert json.loads(out.read_text())["utterances"] == expected


def test_subtitle_cues_last_at_most_six_seconds():
    from asr.api import Transcript
    from asr.subtitles import format_transcript
    from asr.word_times import Word

    words = [Word("a", 0.5 * i, 0.5 * i + 0.3) for i in range(40)]  # 20 s of short words
    t = Transcript(" ".join(w.word for w in words), 0.0, 20.0, words, [])
    cues = format_transcript("tsv", t, "x.wav").splitlines()[1:]
    spans = [(int(row.split("\t")[0]), int(row.split("\t")[1])) for row in cues]
    assert spans[0][0] == 0 and spans[-1][1] == 19800 and len(spans) >= 20 / 6
    assert all(end - start <= 6000 for start, end in spans)
