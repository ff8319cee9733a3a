"""How close ``asr transcribe``'s word times are to the truth, on speech with known silences.

Each test file joins two espeak-ng utterances of AN4-style text (spelled letters
and digit words, what ``models/an4.pt`` reads) with silences of known length
before, between and after them, under faint noise. The truth is where each
clean utterance's samples leave digital silence. Recognised words are given to
the utterance their middle lies in (or the nearer one); for each utterance we
compare its first word's start and last word's end with the truth, for the
shipped word times (spikes widened to the speech around them) and for the raw
CTC spikes.

    python bench/word_timing.py [--files 30] [--model an4] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asr.api import SpeechRecognizer, load  # noqa: E402
from asr.synth import Job, espeak_binary, synthesize_one, voice_pool  # noqa: E402
from asr.word_times import Word, timed_words  # noqa: E402

DIGITS = "zero one two three four five six seven eight nine".split()
LETTERS = list("abcdefghijklmnopqrstuvwxyz")
STATS = ("start_median", "start_p90", "end_median", "end_p90")
NOISE_DB = -65.0  # RMS of the background noise, dB re full scale


@dataclass(frozen=True)
class Utterance:
    text: str
    start: float  # truth, seconds in the joined file
    end: float


def an4_text(rng: np.random.Generator) -> str:
    """Spelled letters or digit words, 3 to 7 of them."""
    pool = DIGITS if rng.random() < 0.5 else LETTERS
    return " ".join(rng.choice(pool, size=int(rng.integers(3, 8))))


def speech_bounds(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """First and one-past-last sample above 1 % of the peak, in seconds (clean audio)."""
    loud = np.flatnonzero(np.abs(samples) > 0.01 * np.abs(samples).max())
    return loud[0] / rate, (loud[-1] + 1) / rate


def make_file(
    binary: str, voices: list[str], rng: np.random.Generator, rate: int, tmp: Path
) -> tuple[np.ndarray, list[Utterance]]:
    """Silence, utterance, silence, utterance, silence (each silence 0.3-1.5 s), with noise."""
    parts: list[np.ndarray] = []
    truth: list[Utterance] = []
    t = 0.0
    for k in range(2):
        gap = np.zeros(int(rng.uniform(0.3, 1.5) * rate), dtype=np.float32)
        parts.append(gap)
        t += len(gap) / rate
        text = an4_text(rng)
        voice = voices[int(rng.integers(len(voices)))]
        job = Job("test", "0", voice, f"u{k}", text, int(rng.integers(130, 200)), 50, f"u{k}.flac")
        synthesize_one(binary, job, tmp, rate)
        clip = sf.read(str(tmp / job.relpath), dtype="float32")[0]
        start, end = speech_bounds(clip, rate)
        truth.append(Utterance(text, t + start, t + end))
        parts.append(clip)
        t += len(clip) / rate
    parts.append(np.zeros(int(rng.uniform(0.3, 1.5) * rate), dtype=np.float32))
    audio = np.concatenate(parts)
    noise = rng.normal(scale=10 ** (NOISE_DB / 20), size=audio.shape).astype(np.float32)
    return audio + noise, truth


def _assign(words: list[Word], truth: list[Utterance]) -> list[list[Word]]:
    """Words per utterance, by the utterance nearest to each word's middle."""
    groups: list[list[Word]] = [[] for _ in truth]
    for w in words:
        mid = (w.start + w.end) / 2
        gaps = [max(u.start - mid, mid - u.end, 0.0) for u in truth]
        groups[int(np.argmin(gaps))].append(w)
    return groups


def errors(words: list[Word], truth: list[Utterance]) -> tuple[list[float], list[float]]:
    """|first-word start - truth| and |last-word end - truth| per utterance with words."""
    starts, ends = [], []
    for group, u in zip(_assign(words, truth), truth, strict=True):
        if group:
            starts.append(abs(group[0].start - u.start))
            ends.append(abs(group[-1].end - u.end))
    return starts, ends


def measure(recognizer: SpeechRecognizer, n_files: int, seed: int = 0) -> dict[str, float]:
    """Median and p90 start/end errors (seconds) for widened words and for raw spikes."""
    binary = espeak_binary()
    voices = voice_pool(binary)
    rng = np.random.default_rng(seed)
    rate = recognizer.sample_rate
    found: dict[str, list[float]] = {"start": [], "end": [], "spike_start": [], "spike_end": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(n_files):
            audio, truth = make_file(binary, voices, rng, rate, Path(tmp))
            t = recognizer.transcribe(audio, sample_rate=rate)
            starts, ends = errors(t.words, truth)
            found["start"] += starts
            found["end"] += ends
            spikes = _spike_words(recognizer, audio, t)
            starts, ends = errors(spikes, truth)
            found["spike_start"] += starts
            found["spike_end"] += ends
    out: dict[str, float] = {"utterances": float(len(found["start"]))}
    for key, values in found.items():
        out[f"{key}_median"] = float(np.median(values)) if values else float("nan")
        out[f"{key}_p90"] = float(np.percentile(values, 90)) if values else float("nan")
    return out


def _spike_words(recognizer: SpeechRecognizer, audio: np.ndarray, t) -> list[Word]:
    """The same hypothesis timed by its CTC spikes alone (no widening)."""
    from common.decoding.factory import GreedyDecoder

    hyp = GreedyDecoder(recognizer.loaded.alphabet).decode(t.emissions)
    duration = len(audio) / recognizer.sample_rate
    return timed_words(hyp, recognizer.seconds_per_frame, duration, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=30, help="joined files (2 utterances each)")
    parser.add_argument("--model", default="an4")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    result = measure(load(args.model, "cpu"), args.files, args.seed)
    print(f"utterances: {int(result['utterances'])}")
    for name, label in (("", "widened words"), ("spike_", "CTC spikes only")):
        ms = {key: round(1000 * result[name + key]) for key in STATS}
        print(
            f"{label:>16}: first-word start error median {ms['start_median']} ms, "
            f"p90 {ms['start_p90']} ms; last-word end error median {ms['end_median']} ms, "
            f"p90 {ms['end_p90']} ms"
        )


if __name__ == "__main__":
    main()
