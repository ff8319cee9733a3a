"""Synthetic multi-voice English speech corpus with espeak-ng, in LibriSpeech layout.

A data source for quick experiments: sentences are spoken by many espeak-ng
voices (accent x variant) at random rates and pitches; the voices are split
into disjoint train and held-out test sets, written as
``<out>/LibriSpeech/{train-synth,test-synth}/<spk>/<chapter>/<spk>-<chapter>-<utt>.flac``
plus ``<spk>-<chapter>.trans.txt``, so ``asr.readers.read_librispeech`` reads it.
Also the ``synth`` subcommand of the ``asr`` CLI.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import unicodedata
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from asr.audio import read_audio

ACCENTS = (
    "en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
    "en-029", "en-us-nyc",
)  # fmt: skip
VARIANTS = (
    "", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
    "klatt", "klatt2", "klatt3",
)  # fmt: skip
RATE_WPM = (130, 200)
PITCH = (30, 70)
CHAPTER = "1"
FIRST_SPEAKER_ID = 10000  # above real LibriSpeech speaker ids, so corpora can be mixed
SPLIT_NAMES = {"train": "train-synth", "test": "test-synth"}
_PUNCTUATION = re.compile(r"[.,;:!?\"()\[\]\-]")
_ALLOWED = re.compile(r"^[A-Z' ]*$")
# Spoken differently from how they are written ("Mr." -> "mister"): such sentences are dropped.
_ABBREVIATION = re.compile(r"\b(mr|mrs|ms|messrs|dr|st|jr|sr|co|ltd|vs|etc|[ap]\.m)\.", re.I)


class SynthError(ValueError):
    """Bad synthesis arguments, a missing or failing espeak-ng, or unusable sentences."""


@dataclass(frozen=True)
class Job:
    """One utterance to synthesise; ``relpath`` is the FLAC path under the corpus root."""

    split: str
    speaker: str
    voice: str
    utt_id: str
    text: str
    rate: int
    pitch: int
    relpath: str


def normalize_sentence(text: str) -> str | None:
    """LibriSpeech-style transcript (A-Z, apostrophes, single spaces), or None if unmappable.

    Basic punctuation becomes spaces, quote apostrophes around words are dropped;
    sentences with digits, other characters or abbreviations like "Mr." give None.
    """
    if _ABBREVIATION.search(text):
        return None
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").upper()
    text = _PUNCTUATION.sub(" ", text)
    if not _ALLOWED.match(text):
        return None
    return " ".join(_strip_quotes(text.split())) or None


def _strip_quotes(words: list[str]) -> list[str]:
    """Drop single quotation marks: a leading ``'`` opens a quote, the next trailing one closes it.

    A lone ``'`` (left by removed punctuation) opens or closes a quote. Other
    trailing apostrophes (possessive plurals, ``SOLDIERS'``) are kept.
    """
    kept, quoted = [], False
    for word in words:
        if not word.strip("'"):
            quoted = not quoted
            continue
        if word.startswith("'"):
            word, quoted = word.lstrip("'"), True
        if quoted and word.endswith("'"):
            word, quoted = word.rstrip("'"), False
        kept.append(word)
    return kept


def load_sentences(path: str | None) -> list[str]:
    """Sentences of a UTF-8 file, one per line (blank and ``#`` lines skipped).

    Args:
        path: the file; None reads the packaged ``asr/resources/sentences.txt``
            (3,000 public-domain LJSpeech sentences).

    Raises:
        SynthError: the file is missing or holds no sentences.
    """
    if path is None:
        text = resources.files("asr").joinpath("resources/sentences.txt").read_text("utf-8")
    elif not Path(path).is_file():
        raise SynthError(f"sentences file not found: {path}")
    else:
        text = Path(path).read_text(encoding="utf-8")
    sentences = [s.strip() for s in text.splitlines()]
    sentences = [s for s in sentences if s and not s.startswith("#")]
    if not sentences:
        raise SynthError(f"no sentences in {path or 'the packaged sentences'}")
    return sentences


def espeak_binary() -> str:
    """Path of the espeak-ng executable; raises ``SynthError`` saying how to install it."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise SynthError("espeak-ng not found on PATH; install it with `apt-get install espeak-ng`")
    return binary


def _espeak(binary: str, *args: str) -> str:
    """Stdout of an espeak-ng query command."""
    proc = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise SynthError(f"espeak-ng {' '.join(args)} failed: {proc.stderr.strip()[:200]}")
    return proc.stdout


def voice_pool(binary: str) -> list[str]:
    """Installed voices ``accent[+variant]`` from ``ACCENTS`` x ``VARIANTS``, in that order."""
    listed = _espeak(binary, "--voices=en").splitlines()[1:]
    accents = {line.split()[1] for line in listed if len(line.split()) > 4 and " mb/" not in line}
    variants = set(re.findall(r"!v/(\S+)", _espeak(binary, "--voices=variant"))) | {""}
    pool = [
        f"{accent}+{variant}" if variant else accent
        for accent in ACCENTS
        if accent in accents
        for variant in VARIANTS
        if variant in variants
    ]
    if len(pool) < 2:
        raise SynthError(f"espeak-ng offers too few English voices ({pool}); need at least 2")
    return pool


def split_voices(
    pool: list[str], test_fraction: float, rng: np.random.Generator
) -> tuple[dict[str, str], dict[str, str]]:
    """Disjoint ``{speaker id: voice}`` train and test sets; ids number the pool in order."""
    ids = {voice: str(FIRST_SPEAKER_ID + i) for i, voice in enumerate(pool)}
    order = [pool[i] for i in rng.permutation(len(pool))]
    n_test = max(1, round(test_fraction * len(pool))) if test_fraction > 0 else 0
    n_test = min(n_test, len(pool) - 1)
    test = {ids[v]: v for v in sorted(order[:n_test], key=pool.index)}
    train = {ids[v]: v for v in sorted(order[n_test:], key=pool.index)}
    return train, test


def plan_jobs(
    texts: list[str],
    voices: dict[str, dict[str, str]],
    counts: dict[str, int],
    rng: np.random.Generator,
) -> list[Job]:
    """Utterances per split: voices in turn (shuffled), sentences without repeats until used up."""
    sentence_order = rng.permutation(len(texts))
    jobs, drawn = [], 0
    for split, count in counts.items():
        speakers = [str(s) for s in rng.permutation(sorted(voices[split]))]
        per_speaker: dict[str, int] = {}
        for i in range(count):
            spk = speakers[i % len(speakers)]
            index = per_speaker[spk] = per_speaker.get(spk, -1) + 1
            utt_id = f"{spk}-{CHAPTER}-{index:04d}"
            relpath = f"LibriSpeech/{SPLIT_NAMES[split]}/{spk}/{CHAPTER}/{utt_id}.flac"
            text = texts[sentence_order[drawn % len(texts)]]
            drawn += 1
            rate = int(rng.integers(RATE_WPM[0], RATE_WPM[1] + 1))
            pitch = int(rng.integers(PITCH[0], PITCH[1] + 1))
            jobs.append(Job(split, spk, voices[split][spk], utt_id, text, rate, pitch, relpath))
    return jobs


def synthesize_one(binary: str, job: Job, root: Path, sample_rate: int) -> float:
    """Speak ``job`` with espeak-ng, write it as mono FLAC at ``sample_rate``; returns seconds."""
    flac = root / job.relpath
    flac.parent.mkdir(parents=True, exist_ok=True)
    wav = flac.with_suffix(".wav")
    cmd = [binary, "-v", job.voice, "-s", str(job.rate), "-p", str(job.pitch), "-w", str(wav)]
    proc = subprocess.run([*cmd, job.text.lower()], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or not wav.is_file():
        reason = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no output"
        raise SynthError(f"espeak-ng failed for voice {job.voice!r}: {reason}")
    samples = read_audio(wav, sample_rate)
    wav.unlink()
    sf.write(flac, samples, sample_rate, format="FLAC", subtype="PCM_16")
    return len(samples) / sample_rate


def _run_jobs(
    binary: str, jobs: list[Job], root: Path, sample_rate: int, workers: int, progress: bool
) -> float:
    """Synthesise every job in parallel; on any failure pending jobs are cancelled."""
    pool = ThreadPoolExecutor(max_workers=workers)
    seconds = 0.0
    try:
        futures = [pool.submit(synthesize_one, binary, job, root, sample_rate) for job in jobs]
        done = as_completed(futures)
        for future in tqdm(done, total=len(jobs), desc="synth", unit="utt", disable=not progress):
            seconds += future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return seconds


def _write_transcripts(jobs: list[Job], root: Path) -> None:
    """One ``<spk>-<chapter>.trans.txt`` per speaker folder, lines sorted by id."""
    folders: dict[Path, list[Job]] = {}
    for job in jobs:
        folders.setdefault((root / job.relpath).parent, []).append(job)
    for folder, chapter_jobs in folders.items():
        lines = [f"{j.utt_id} {j.text}\n" for j in sorted(chapter_jobs, key=lambda j: j.utt_id)]
        (folder / f"{chapter_jobs[0].speaker}-{CHAPTER}.trans.txt").write_text("".join(lines))


def _utterance_counts(n_utterances: int, test_fraction: float) -> dict[str, int]:
    """Train/test utterance counts; raises ``SynthError`` when either cannot be met."""
    if not 0 <= test_fraction < 1:
        raise SynthError(f"test fraction must be in [0, 1), got {test_fraction}")
    n_test = max(1, round(n_utterances * test_fraction)) if test_fraction > 0 else 0
    if n_utterances - n_test < 1:
        raise SynthError(f"{n_utterances} utterances leave none for training; ask for more")
    return {"train": n_utterances - n_test, "test": n_test}


def synthesize_corpus(
    out_dir: str | Path,
    sentences: list[str],
    n_utterances: int,
    seed: int = 0,
    test_fraction: float = 0.15,
    sample_rate: int = 16000,
    workers: int = 2,
    progress: bool = True,
) -> dict:
    """Build a synthetic corpus in LibriSpeech layout under ``out_dir`` (see module docstring).

    The corpus is written into a temporary folder beside ``out_dir`` and renamed
    into place only when complete, so a failure or interrupt leaves nothing behind.

    Args:
        out_dir: new (or empty) output folder.
        sentences: raw sentences; those with digits or unmapped characters are dropped.
        n_utterances: total utterances (train + test).
        seed: seeds the voice split, sentence order, rates and pitches.
        test_fraction: share of voices, and of utterances, held out for ``test-synth``.
        sample_rate: output sample rate in Hz.
        workers: parallel espeak-ng processes.
        progress: show a tqdm progress bar.

    Returns:
        Summary: ``out_dir``, ``train_utterances``, ``test_utterances``,
        ``train_speakers``, ``test_speakers`` (voices used), ``hours``.

    Raises:
        SynthError: bad arguments, an existing non-empty ``out_dir``, no usable
            sentence, or a missing or failing espeak-ng.
    """
    out = Path(out_dir)
    counts = _utterance_counts(n_utterances, test_fraction)
    if sample_rate <= 0 or workers <= 0:
        raise SynthError(f"sample rate and workers must be positive ({sample_rate}, {workers})")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise SynthError(f"output folder exists and is not empty: {out}")
    texts = [t for t in (normalize_sentence(s) for s in sentences) if t]
    if not texts:
        raise SynthError("no usable sentences (all hold digits or unsupported characters)")
    binary = espeak_binary()
    rng = np.random.default_rng(seed)
    train, test = split_voices(voice_pool(binary), test_fraction, rng)
    jobs = plan_jobs(texts, {"train": train, "test": test}, counts, rng)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        seconds = _run_jobs(binary, jobs, staging, sample_rate, workers, progress)
        _write_transcripts(jobs, staging)
        settings = {
            "seed": seed,
            "utterances": n_utterances,
            "test_fraction": test_fraction,
            "sample_rate": sample_rate,
            "rate_wpm": list(RATE_WPM),
            "pitch": list(PITCH),
            "espeak_ng": _espeak(binary, "--version").strip(),
        }
        voices = {"train": train, "test": test, "settings": settings}
        (staging / "voices.json").write_text(json.dumps(voices, indent=2) + "\n")
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    used = {split: {j.speaker for j in jobs if j.split == split} for split in counts}
    return {
        "out_dir": str(out),
        "train_utterances": counts["train"],
        "test_utterances": counts["test"],
        "train_speakers": len(used["train"]),
        "test_speakers": len(used["test"]),
        "hours": seconds / 3600,
    }


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``synth`` subcommand on an ``asr`` CLI subparsers object."""
    parser = subparsers.add_parser(
        "synth",
        help="synthesise a multi-voice English speech corpus with espeak-ng",
        description="Speak sentences with many espeak-ng voices into a LibriSpeech-layout "
        "corpus (train-synth and test-synth with disjoint voices).",
    )
    parser.add_argument("out", metavar="OUT", help="output folder (must be new or empty)")
    parser.add_argument(
        "--utterances",
        type=int,
        default=400,
        metavar="N",
        help="total number of utterances, train + test (default: 400)",
    )
    parser.add_argument(
        "--sentences",
        metavar="FILE",
        default=None,
        help="UTF-8 text file, one sentence per line (default: 3,000 packaged LJSpeech sentences)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed for voices, sentences, rates and pitches (default: 0)",
    )
    parser.add_argument(
        "--test-fraction",
        type=float,
        default=0.15,
        help="share of voices and utterances held out as test-synth (default: 0.15)",
    )
    parser.add_argument(
        "--sample-rate", type=int, default=16000, help="output sample rate in Hz (default: 16000)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="parallel espeak-ng processes (default: 2)"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the ``synth`` subcommand; prints a one-line summary and returns 0."""
    summary = synthesize_corpus(
        args.out,
        load_sentences(args.sentences),
        args.utterances,
        seed=args.seed,
        test_fraction=args.test_fraction,
        sample_rate=args.sample_rate,
        workers=args.workers,
        progress=not args.no_progress,
    )
    print(
        f"wrote {summary['train_utterances']} train utterances ({summary['train_speakers']} "
        f"voices) and {summary['test_utterances']} test utterances ({summary['test_speakers']} "
        f"voices), {summary['hours'] * 60:.1f} min of audio, to {summary['out_dir']}"
    )
    return 0
