"""What ``asr`` promises its users, each checked against a truth worked out by hand.

The whole speech flow (reader -> features -> model -> decoder -> output) runs in process
through ``asr.cli.main`` with the shipped ``an4`` model on its two bundled AN4 recordings,
whose transcripts are known: the model reads ``cen5`` right ("p i t t s b u r g h",
"b i t t s ..." a distant second) and ``cen7`` as "two six eight four four one eig" (the
recording stops inside the last word). Tests compare with those texts, hand-computed
error rates, speech boundaries of synthesised speech and segment counts, never with
the code's own output.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import common.inference
import common.recognizer
import common.scoring
from asr.cli import build_parser, main
from common.metrics import word_errors

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "models" / "samples"
FIVE, SEVEN = SAMPLES / "an4-cen5-fash-b.flac", SAMPLES / "an4-cen7-fash-b.flac"
PITTSBURGH = "p i t t s b u r g h"
DIGITS = "two six eight four four one eight"
READ_AS = {FIVE: PITTSBURGH, SEVEN: "two six eight four four one eig"}  # greedy, an4.pt
RATE = 16000


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``asr ARGV --device cpu`` in process: (exit status, stdout, stderr)."""
    code = main([*argv, "--device", "cpu"])
    out = capsys.readouterr()
    return code, out.out, out.err


def build_lm(capsys, tmp_path: Path, *sentences: str, order: int = 2) -> str:
    """A word LM of ``sentences`` written by ``asr lm build``."""
    text = tmp_path / "lm.txt"
    text.write_text("".join(s + "\n" for s in sentences))
    lm = tmp_path / "lm.arpa"
    assert main(["lm", "build", str(text), "-o", str(lm), "--order", str(order)]) == 0
    capsys.readouterr()
    return str(lm)


def test_lm_subcommand_builds_word_models_by_default(capsys, tmp_path):
    args = build_parser().parse_args(["lm", "build", "t.txt", "-o", "lm.arpa"])
    assert (args.command, args.lm_command, args.unit) == ("lm", "build", "word")
    (tmp_path / "t.txt").write_text("Hello world\nhello there\n")
    assert main(["lm", "build", str(tmp_path / "t.txt"), "-o", str(tmp_path / "w.arpa")]) == 0
    arpa = (tmp_path / "w.arpa").read_text()
    unigrams = {
        line.split("\t")[1] for line in arpa.split("\\2-grams:")[0].splitlines() if "\t" in line
    }
    assert unigrams == {"<s>", "</s>", "<unk>", "hello", "world", "there"}


def test_lm_flag_changes_the_transcript(capsys, tmp_path):
    code, out, _ = run(capsys, "transcribe", str(FIVE))
    assert code == 0 and out == PITTSBURGH + "\n"
    # an LM that only ever saw "b i t t s b u r g h" turns the first letter into "b"
    lm = build_lm(capsys, tmp_path, "b i t t s b u r g h")
    code, out, _ = run(capsys, "transcribe", str(FIVE), "--lm", lm)
    assert code == 0 and out == "b i t t s b u r g h\n"
    code, out, _ = run(capsys, "transcribe", str(FIVE), "--lm", lm, "--alpha", "0", "--beta", "0")
    assert code == 0 and out == PITTSBURGH + "\n"  # weighed out, the LM changes nothing


def test_evaluate_scores_hypotheses_against_the_references(capsys, tmp_path, asr_manifest):
    # cen5's reference is deliberately wrong in one letter; cen7's is the truth, which
    # the model misses in one word ("eig" for "eight": two deleted characters)
    data = asr_manifest([(FIVE, "b i t t s b u r g h"), (SEVEN, DIGITS)])
    code, out, _ = run(capsys, "evaluate", str(data), "--json", str(tmp_path / "m.json"))
    result = json.loads((tmp_path / "m.json").read_text())
    assert code == 0 and result["utterances"] == 2
    assert (result["word_errors"], result["words"]) == (1 + 1, 10 + 7)
    assert (result["char_errors"], result["chars"]) == (1 + 2, 19 + 33)
    assert result["wer"] == pytest.approx(2 / 17) and result["cer"] == pytest.approx(3 / 52)
    assert out.startswith("WER 11.76%  CER 5.77%  utterances 2")
    hyps = {d["id"]: d["hypothesis"] for d in result["utterances_detail"]}
    assert hyps == {FIVE.stem: READ_AS[FIVE], SEVEN.stem: READ_AS[SEVEN]}
    # with an LM of the (wrong) reference, cen5 now matches it: one word error is left
    lm = build_lm(capsys, tmp_path, "b i t t s b u r g h")
    code, _, _ = run(capsys, "evaluate", str(data), "--lm", lm, "--json", str(tmp_path / "m.json"))
    result = json.loads((tmp_path / "m.json").read_text())
    assert code == 0 and result["decoder"]["lm"] == lm
    assert result["utterances_detail"][0]["hypothesis"] == "b i t t s b u r g h"
    assert (
        result["word_errors"]
        == word_errors(DIGITS, result["utterances_detail"][1]["hypothesis"]).errors
    )


def test_hotword_flag_boosts_its_word_into_the_transcript(capsys):
    # "b i t t s ..." trails "p i t t s ..." by ~6.8 (log); a boost of 8 on every "b"
    # word (two in the text, against one) is worth 8 more and turns the first letter;
    # the default boost (5) is not enough
    code, out, _ = run(capsys, "transcribe", str(FIVE), "--hotword", "b:8")
    assert code == 0 and out == "b i t t s b u r g h\n"
    code, out, _ = run(capsys, "transcribe", str(FIVE), "--hotword", "b")
    assert code == 0 and out == PITTSBURGH + "\n"


def test_lexicon_flag_allows_only_its_words(capsys, tmp_path):
    words = {"two", "six", "eight", "four", "one", "p", "i", "t", "s", "b", "u", "r", "g"}
    (tmp_path / "lexicon.txt").write_text("".join(w + "\n" for w in sorted(words)))
    code, out, _ = run(capsys, "transcribe", str(FIVE), str(SEVEN))
    assert code == 0 and {"h", "eig"} <= set(out.split())  # without: words outside the list
    code, out, _ = run(
        capsys, "transcribe", str(FIVE), str(SEVEN), "--lexicon", str(tmp_path / "lexicon.txt")
    )
    texts = [line.split("\t")[1].split() for line in out.splitlines()]
    assert code == 0 and len(texts) == 2 and all(set(t) <= words for t in texts)
    assert texts[0][:9] == PITTSBURGH.split()[:9]


def test_nbest_flag_gives_distinct_alternatives_best_first(capsys):
    code, out, _ = run(capsys, "transcribe", str(FIVE), "-f", "json", "--nbest", "3")
    doc = json.loads(out)
    texts, scores = [a["text"] for a in doc["nbest"]], [a["score"] for a in doc["nbest"]]
    assert code == 0 and len(set(texts)) == 3 and texts[0] == doc["text"] == PITTSBURGH
    assert scores == sorted(scores, reverse=True)
    assert all(word_errors(PITTSBURGH, t).errors == 1 for t in texts[1:])  # one letter off


def test_nbest_alternatives_of_a_long_file_are_all_different(capsys, tmp_path):
    """Alternatives that differ only in a word dropped over silence must not show twice."""
    five, seven = (sf.read(str(p), dtype="float32")[0] for p in (FIVE, SEVEN))
    gap = np.zeros(RATE // 2, dtype=np.float32)
    sf.write(tmp_path / "long.flac", np.concatenate([five, gap, seven, gap, five]), RATE)
    lm = build_lm(capsys, tmp_path, PITTSBURGH, DIGITS, order=3)
    flags = ("--decoder", "beam", "--lm", lm, "--alpha", "0.8", "--beta", "1.5", "--nbest", "5")
    code, out, _ = run(capsys, "transcribe", str(tmp_path / "long.flac"), "-f", "json", *flags)
    texts = [a["text"] for a in json.loads(out)["nbest"]]
    assert code == 0 and 2 <= len(texts) <= 5 and len(set(texts)) == len(texts)


def spy_decoder_configs(monkeypatch, module) -> list:
    """Record each DecoderConfig ``module.make_decoder`` is given (and still build it)."""
    seen = []
    real = module.make_decoder

    def spy(cfg, alphabet):
        seen.append(cfg)
        return real(cfg, alphabet)

    monkeypatch.setattr(module, "make_decoder", spy)
    return seen


@pytest.mark.parametrize("command", ["transcribe", "evaluate"])
def test_beam_size_and_merge_flags_reach_the_decoder(capsys, monkeypatch, asr_manifest, command):
    """The flags whose effect the decoder tests show on built emissions
    (``tests/common/decoding/test_decoder_promises.py``) get to the decoder of each command."""
    module = common.recognizer if command == "transcribe" else common.scoring
    seen = spy_decoder_configs(monkeypatch, module)
    data = str(SEVEN) if command == "transcribe" else str(asr_manifest([(SEVEN, DIGITS)]))
    code, _, _ = run(capsys, command, data, "--beam-size", "3", "--merge", "max")
    assert code == 0 and [(c.kind, c.beam_size, c.merge) for c in seen] == [("beam", 3, "max")]


def test_long_file_goes_through_the_model_in_segments(capsys, model_calls, tmp_path):
    pieces = [sf.read(str(p), dtype="float32")[0] for p in (FIVE, SEVEN)]
    gap = np.zeros(RATE // 2, dtype=np.float32)
    audio = np.concatenate([pieces[0], gap, pieces[1], gap] * 5)  # 5 x 7.5 s = 37.5 s
    sf.write(tmp_path / "long.wav", audio, RATE)
    frames = model_calls
    code, out, _ = run(capsys, "transcribe", str(tmp_path / "long.wav"), "--segment-seconds", "4")
    # at most 4 s (400 frames of 10 ms, +1 for centred framing) per model call, so at
    # least 40 / 4 = 10 calls, which together cover the file once
    assert code == 0 and len(frames) >= 10
    assert max(frames) <= 4 * 100 + 1
    assert 4000 <= sum(frames) <= 4000 + len(frames)
    assert word_errors(" ".join([PITTSBURGH, DIGITS] * 5), out).errors <= 10  # 85 words
    frames.clear()
    code, _, _ = run(capsys, "transcribe", str(FIVE))  # 4.5 s: read whole, one model call
    assert code == 0 and frames == [4.5 * 100 + 1]


@pytest.fixture(scope="module")
def known_silences(tmp_path_factory) -> tuple[Path, list[tuple[float, float]]]:
    """1.2 s silence, "three five seven", 1 s silence, "nine two", 0.8 s silence (espeak-ng,
    faint noise), and where each utterance's speech starts and ends (1 % of its peak)."""
    from asr.synth import Job, SynthError, espeak_binary, synthesize_one

    try:
        binary = espeak_binary()
    except SynthError as err:
        pytest.skip(str(err))
    tmp = tmp_path_factory.mktemp("timing")
    parts, truth, t = [], [], 0.0
    for k, (gap, text) in enumerate([(1.2, "three five seven"), (1.0, "nine two")]):
        parts.append(np.zeros(int(gap * RATE), dtype=np.float32))
        t += gap
        job = Job("test", "0", "en-us", f"u{k}", text, 160, 50, f"u{k}.flac")
        synthesize_one(binary, job, tmp, RATE)
        clip = sf.read(str(tmp / job.relpath), dtype="float32")[0]
        loud = np.flatnonzero(np.abs(clip) > 0.01 * np.abs(clip).max())
        truth.append((t + loud[0] / RATE, t + (loud[-1] + 1) / RATE))
        parts.append(clip)
        t += len(clip) / RATE
    parts.append(np.zeros(int(0.8 * RATE), dtype=np.float32))
    audio = np.concatenate(parts)
    audio += np.random.default_rng(0).normal(scale=10 ** (-65 / 20), size=audio.shape)
    sf.write(tmp / "joined.wav", audio.astype(np.float32), RATE)
    return tmp / "joined.wav", truth


def test_word_times_match_known_speech_boundaries(capsys, known_silences):
    """Each utterance's first word starts, and its last word ends, within 0.15 s of its speech
    (encoder frames are 40 ms; seconds per frame without the subsampling put them 4x early)."""
    path, truth = known_silences
    code, out, _ = run(capsys, "transcribe", str(path), "-f", "json")
    doc = json.loads(out)
    assert code == 0 and word_errors("three five seven nine two", doc["text"]).errors <= 1
    groups: list[list[dict]] = [[], []]  # words by the utterance their middle is nearest to
    for w in doc["words"]:
        mid = (w["start"] + w["end"]) / 2
        groups[int(abs(mid - np.mean(truth[1])) < abs(mid - np.mean(truth[0])))].append(w)
    for group, (start, end) in zip(groups, truth, strict=True):
        assert group, (doc["words"], truth)
        assert abs(group[0]["start"] - start) < 0.15, (group, start)
        assert abs(group[-1]["end"] - end) < 0.15, (group, end)


def test_mp3_and_nested_folders_are_transcribed(capsys, tmp_path):
    if "MP3" not in sf.available_formats():
        pytest.skip("this libsndfile cannot write MP3")
    samples = sf.read(str(SEVEN), dtype="float32")[0]
    (tmp_path / "in" / "deep" / "er").mkdir(parents=True)
    sf.write(tmp_path / "in" / "deep" / "er" / "digits.mp3", samples, RATE, format="MP3")
    shutil.copy(FIVE, tmp_path / "in" / "city.flac")
    (tmp_path / "in" / "deep" / "notes.txt").write_text("not audio")
    code, out, err = run(capsys, "transcribe", str(tmp_path / "in"))
    lines = dict(line.split("\t") for line in out.splitlines())
    assert code == 0 and err == "" and len(lines) == 2
    assert lines[str(tmp_path / "in" / "city.flac")] == PITTSBURGH
    assert (
        word_errors(DIGITS, lines[str(tmp_path / "in" / "deep" / "er" / "digits.mp3")]).errors <= 1
    )


def test_subtitle_times_past_a_minute_and_an_hour():
    from asr.api import Transcript
    from asr.subtitles import to_srt, to_tsv, to_vtt
    from asr.word_times import Word

    words = [Word("hello", 65.3, 65.8), Word("world", 3725.25, 3726.0)]
    t = Transcript("hello world", 0.0, 3727.0, words, [], [words])
    assert to_srt(t) == (
        "1\n00:01:05,300 --> 00:01:05,800\nhello\n\n2\n01:02:05,250 --> 01:02:06,000\nworld\n"
    )
    assert to_vtt(t) == (
        "WEBVTT\n\n00:01:05.300 --> 00:01:05.800\nhello\n\n01:02:05.250 --> 01:02:06.000\nworld\n"
    )
    assert to_tsv(t).splitlines()[1:] == ["65300\t65800\thello\t1", "3725250\t3726000\tworld\t1"]


def test_subtitles_of_a_recording_past_a_minute(capsys, tmp_path):
    """cen7 after 61 s of faint noise: its speech starts ~0.35 s in, so at ~1:01.35."""
    noise = np.random.default_rng(0).normal(scale=1e-4, size=61 * RATE).astype(np.float32)
    sf.write(tmp_path / "late.wav", np.concatenate([noise, sf.read(str(SEVEN))[0]]), RATE)
    code, _, _ = run(
        capsys, "transcribe", str(tmp_path / "late.wav"), "-f", "all", "-o", str(tmp_path)
    )
    srt, vtt = (tmp_path / "late.srt").read_text(), (tmp_path / "late.vtt").read_text()
    start, end = srt.splitlines()[1].split(" --> ")
    assert code == 0 and srt.startswith("1\n00:01:01,") and end == "00:01:03,500"
    assert 61.2 <= int(start[-6:-4]) + int(start[-3:]) / 1000 + 60 <= 61.5
    assert f"{start.replace(',', '.')} --> 00:01:03.500\n" in vtt
    assert word_errors(DIGITS, srt.splitlines()[2]).errors <= 2


@pytest.fixture
def an4_tree(tmp_path) -> Path:
    """An AN4 root (native layout, NIST Sphere audio): cen7 in train, cen5 in test."""
    root = tmp_path / "an4"
    for split, folder, sample, text in (
        ("train", "an4_clstk", SEVEN, DIGITS),
        ("test", "an4test_clstk", FIVE, PITTSBURGH),
    ):
        utt = sample.stem.removeprefix("an4-")  # cen7-fash-b
        fileid = f"{folder}/fash/{utt}"
        (root / "wav" / folder / "fash").mkdir(parents=True)
        sf.write(root / "wav" / f"{fileid}.sph", sf.read(str(sample))[0], RATE, format="NIST")
        (root / "etc").mkdir(exist_ok=True)
        (root / "etc" / f"an4_{split}.fileids").write_text(fileid + "\n")
        (root / "etc" / f"an4_{split}.transcription").write_text(
            f"<s> {text.upper()} </s> ({utt})\n"
        )
    return root


def test_split_test_reads_the_test_part(capsys, an4_tree, tmp_path):
    out_json = tmp_path / "m.json"
    for flags, utt, reference in (
        ([], "cen7-fash-b", DIGITS),
        (["--split", "test"], "cen5-fash-b", PITTSBURGH),
    ):
        code, _, _ = run(capsys, "evaluate", str(an4_tree), *flags, "--json", str(out_json))
        result = json.loads(out_json.read_text())
        detail = result["utterances_detail"]
        assert code == 0 and result["split"] == (flags[1] if flags else "train")
        assert [(d["id"], d["reference"]) for d in detail] == [(utt, reference)]
    assert result["wer"] == 0.0  # the model reads cen5 right
    code, _, err = run(capsys, "evaluate", str(an4_tree), "--split", "dev")
    assert code == 2 and err.startswith("error: ") and "['test', 'train']" in err


def test_tune_lm_grid_and_its_best_row(capsys, tmp_path, asr_manifest):
    args = build_parser().parse_args(
        ["tune-lm", "d", "--lm", "x", "--alphas", "0:2:0.5", "--betas=-1,0.5"]
    )
    assert args.alphas == [0.0, 0.5, 1.0, 1.5, 2.0] and args.betas == [-1.0, 0.5]
    # the reference says "b i t t s ...": without LM weight the model says "p" (1 of 10
    # words wrong); an LM of the reference, weighed in, fixes it
    data = asr_manifest([(FIVE, "b i t t s b u r g h")])
    lm = build_lm(capsys, tmp_path, "b i t t s b u r g h")
    code, out, _ = run(
        capsys, "tune-lm", str(data), "--lm", lm, "--alphas", "0:1:1", "--betas", "0,1",
        "--json", str(tmp_path / "grid.json"),
    )  # fmt: skip
    doc = json.loads((tmp_path / "grid.json").read_text())
    rows = {(r["alpha"], r["beta"]): r for r in doc["grid"]}
    assert code == 0 and sorted(rows) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert rows[0, 0]["wer"] == pytest.approx(0.1) and rows[0, 0]["cer"] == pytest.approx(1 / 19)
    best = min(doc["grid"], key=lambda r: (r["wer"], r["cer"]))
    assert (doc["best"]["wer"], doc["best"]["cer"]) == (best["wer"], best["cer"]) == (0.0, 0.0)
    assert doc["best"]["alpha"] == 1
    assert (
        out.splitlines()[-1]
        == f"best: --alpha {doc['best']['alpha']:g} --beta {doc['best']['beta']:g}"
    )
    # the best row, given to evaluate, scores what tune-lm said
    flags = ("--lm", lm, "--alpha", str(doc["best"]["alpha"]), "--beta", str(doc["best"]["beta"]))
    run(capsys, "evaluate", str(data), *flags, "--json", str(tmp_path / "m.json"))
    assert json.loads((tmp_path / "m.json").read_text())["wer"] == 0.0
