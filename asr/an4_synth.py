"""Multi-voice AN4-domain synthetic speech, mixed with real AN4 into one training manifest.

Data stage of the AN4 recipe, before the reader: ``asr.an4_text`` writes the
sentences, the offline voices here speak them (espeak-ng accents x variants,
flite's and festival's voices, at random rate, pitch, word gap and level, padded
with silence, optionally reverberated in simulated rooms (pyroomacoustics) and
mixed with noise at a random SNR), and the result is written as 16 kHz FLAC
plus two NeMo-style manifests that ``asr.readers.read_manifest`` reads:

- ``<out>/synth.jsonl``: the synthetic utterances;
- ``<out>/mix.jsonl``: those plus the real AN4 training utterances of the speakers
  ``conf/asr/data/an4.yaml`` trains on (its 10 held-out speakers are left out).

Run: ``python -m asr.an4_synth OUT --utterances 3000 --an4 /path/to/an4 --rooms 64``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from asr import an4_text
from asr.audio import read_audio, resample
from asr.readers import DataError, DataSpec, load_spec
from asr.synth import SynthError, espeak_binary, load_sentences, voice_pool

SAMPLE_RATE = 16000
FLITE_VOICES = {"kal": 110.0, "kal16": 110.0, "awb": 120.0, "rms": 110.0, "slt": 180.0}  # f0 Hz
FESTIVAL_VOICES = Path("/usr/share/festival/voices")  # <language>/<voice>/ (Debian layout)
SNR_DB = (5.0, 40.0)
CLEAN_SHARE = 0.2  # utterances left without added noise
HOLDOUT_SPEAKERS = 10  # as conf/asr/data/an4.yaml


@dataclass(frozen=True)
class Voice:
    """One synthetic speaker: ``engine`` (espeak | flite) and its voice name."""

    engine: str
    name: str

    @property
    def speaker(self) -> str:
        return f"{self.engine}-{self.name.replace('+', '-')}"


def available_voices() -> list[Voice]:
    """Every installed espeak-ng English voice x variant, flite voice and festival voice."""
    voices = [Voice("espeak", v) for v in voice_pool(espeak_binary())]
    flite = shutil.which("flite")
    if flite:
        listed = subprocess.run([flite, "-lv"], capture_output=True, text=True, timeout=30)
        names = set(listed.stdout.split(":")[-1].split())
        voices += [Voice("flite", v) for v in FLITE_VOICES if v in names]
    if shutil.which("text2wave"):
        found = sorted(p.name for p in FESTIVAL_VOICES.glob("*/*") if p.is_dir())
        voices += [Voice("festival", v) for v in found]
    return voices


def balanced(voices: list[Voice]) -> list[Voice]:
    """Voices repeated so each engine speaks about the same share of utterances."""
    engines = {v.engine: [u for u in voices if u.engine == v.engine] for v in voices}
    longest = max(len(group) for group in engines.values())
    return [v for group in engines.values() for v in group * (longest // len(group))]


def engine_text(voice: Voice, text: str) -> str:
    """What to feed the engine so it says ``text`` as AN4 speakers do (letter A as "ay")."""
    if voice.engine == "espeak":  # espeak-ng reads a lone "A" as the article; "eh" is /eI/
        return " ".join("eh" if w == "A" else w for w in text.split())
    return text  # flite reads upper-case single letters as letter names


def engine_command(voice: Voice, text: str, wav: Path, rng: np.random.Generator) -> list[str]:
    """Command line that writes ``text`` in ``voice`` to ``wav`` with random prosody."""
    spoken = engine_text(voice, text)
    if voice.engine == "espeak":
        rate, pitch = int(rng.integers(110, 230)), int(rng.integers(15, 85))
        gap = int(rng.integers(0, 4))  # extra pause between words, 10 ms units
        args = ["-v", voice.name, "-s", str(rate), "-p", str(pitch), "-g", str(gap)]
        return [espeak_binary(), *args, "-w", str(wav), spoken]
    stretch = rng.uniform(0.8, 1.35)
    if voice.engine == "festival":  # reads the text from a file; "A" alone is /eI/ already
        text_file = wav.with_suffix(".txt")
        text_file.write_text(spoken + "\n", encoding="utf-8")
        settings = ["-eval", f"(voice_{voice.name})"]
        settings += ["-eval", f"(Parameter.set 'Duration_Stretch {stretch:.3f})"]
        return ["text2wave", *settings, "-o", str(wav), str(text_file)]
    f0 = FLITE_VOICES[voice.name] * rng.uniform(0.8, 1.3)
    settings = [
        "--setf",
        f"duration_stretch={stretch:.3f}",
        "--setf",
        f"int_f0_target_mean={f0:.1f}",
    ]
    return ["flite", "-voice", voice.name, *settings, "-t", spoken, "-o", str(wav)]


def room_responses(n: int, seed: int) -> list[np.ndarray]:
    """``n`` impulse responses of random shoebox rooms (pyroomacoustics image method).

    Rooms of 3x3x2.4 to 9x7x3.5 m with a reverberation time of 0.15-0.8 s; source and
    microphone at random places at least 0.5 m from the walls. Each is normalised to a
    unit direct-path peak.
    """
    try:
        import pyroomacoustics as pra
    except ImportError as err:
        raise SynthError(
            "room simulation needs pyroomacoustics: pip install pyroomacoustics"
        ) from err
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        dims = rng.uniform([3.0, 3.0, 2.4], [9.0, 7.0, 3.5])
        absorption, order = pra.inverse_sabine(rng.uniform(0.15, 0.8), dims)
        room = pra.ShoeBox(
            dims, fs=SAMPLE_RATE, materials=pra.Material(absorption), max_order=min(order, 12)
        )
        room.add_source(rng.uniform(0.5, dims - 0.5))
        room.add_microphone(rng.uniform(0.5, dims - 0.5))
        room.compute_rir()
        rir = np.asarray(room.rir[0][0], dtype=np.float64)
        out.append(rir / (np.max(np.abs(rir)) or 1.0))
    return out


def reverberate(samples: np.ndarray, rir: np.ndarray) -> np.ndarray:
    """``samples`` convolved with ``rir`` (FFT), trimmed to the input length plus the tail."""
    size = len(samples) + len(rir) - 1
    n = 1 << (size - 1).bit_length()
    wet = np.fft.irfft(np.fft.rfft(samples, n) * np.fft.rfft(rir, n), n)[:size]
    return wet * (np.max(np.abs(samples)) / (np.max(np.abs(wet)) or 1.0))


def degrade(
    samples: np.ndarray, rng: np.random.Generator, rirs: list[np.ndarray] | None = None
) -> np.ndarray:
    """Room (half the time, when ``rirs``), level, 0.1-0.6 s of silence on each side, noise."""
    if rirs and rng.random() < 0.5:
        samples = reverberate(samples, rirs[int(rng.integers(len(rirs)))])
    peak = float(np.max(np.abs(samples))) or 1.0
    level = 10 ** (rng.uniform(-24.0, -3.0) / 20) / peak
    pads = rng.integers(int(0.1 * SAMPLE_RATE), int(0.6 * SAMPLE_RATE), size=2)
    x = np.concatenate([np.zeros(pads[0]), samples * level, np.zeros(pads[1])])
    if rng.random() >= CLEAN_SHARE:
        noise = rng.standard_normal(len(x))
        if rng.random() < 0.5:  # brown-ish noise: low-frequency hum and rumble
            noise = np.cumsum(noise)
            noise -= np.convolve(noise, np.ones(400) / 400, mode="same")
        power = np.mean((samples * level) ** 2) + 1e-12
        snr = rng.uniform(*SNR_DB)
        x = x + noise * np.sqrt(power / (np.mean(noise**2) + 1e-12) / 10 ** (snr / 10))
    return np.clip(x, -1.0, 1.0).astype(np.float32)


def speak(
    voice: Voice, text: str, flac: Path, seed: int, rirs: list[np.ndarray] | None = None
) -> float:
    """Synthesise one utterance to ``flac`` (16 kHz, degraded); returns its seconds."""
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "x.wav"
        proc = subprocess.run(
            engine_command(voice, text, wav, rng), capture_output=True, timeout=120
        )
        if proc.returncode != 0 or not wav.is_file():
            raise SynthError(f"{voice.engine} voice {voice.name!r} failed on {text!r}")
        samples = read_audio(wav, SAMPLE_RATE).astype(np.float64)
        if voice.engine == "festival":  # no pitch control: shift pitch and formants together
            samples = resample(samples, SAMPLE_RATE, int(SAMPLE_RATE * rng.uniform(0.88, 1.12)))
        samples = degrade(samples, rng, rirs)
    sf.write(flac, samples, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    return len(samples) / SAMPLE_RATE


def synth_entries(out: Path, n: int, seed: int, workers: int, rooms: int = 0) -> list[dict]:
    """Speak ``n`` AN4-style sentences in turn by every voice; manifest entries, in order."""
    voices = balanced(available_voices())
    names = an4_text.load_words()
    extra = an4_text.words_from_sentences(load_sentences(None))
    words = names * max(1, len(extra) // len(names)) + extra  # half names, half other words
    texts = an4_text.generate(n, words, seed=seed)
    rng = np.random.default_rng(seed)
    rounds = -(-n // len(voices))  # every voice once per round, in a new order each round
    order = np.concatenate([rng.permutation(len(voices)) for _ in range(rounds)])
    jobs = []
    for i, text in enumerate(texts):
        voice = voices[int(order[i])]
        flac = out / "audio" / voice.speaker / f"an4synth-{seed}-{i:06d}.flac"
        flac.parent.mkdir(parents=True, exist_ok=True)
        jobs.append((voice, text, flac, seed * 1_000_003 + i))
    rirs = room_responses(rooms, seed) if rooms else None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        seconds = list(pool.map(lambda job: speak(*job, rirs), jobs))
    return [
        {
            "audio_filepath": str(flac.relative_to(out)),
            "duration": round(sec, 3),
            "text": text,
            "speaker": voice.speaker,
            "id": flac.stem,
        }
        for (voice, text, flac, _), sec in zip(jobs, seconds, strict=True)
    ]


def an4_entries(an4_root: str, out: Path) -> list[dict]:
    """Real AN4 training utterances of the non-held-out speakers as manifest entries."""
    spec = DataSpec(
        kind="an4", path=an4_root, split="train", holdout_speakers=HOLDOUT_SPEAKERS, holdout="drop"
    )
    return [
        {
            "audio_filepath": str(Path(e.path).resolve()),
            "duration": round(e.length, 3),
            "text": e.text,
            "speaker": e.speaker,
            "id": e.id,
        }
        for e in load_spec(spec)
    ]


def write_jsonl(path: Path, entries: list[dict]) -> None:
    """One JSON object per line."""
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")


def build(
    out_dir: str, n: int, an4_root: str, seed: int = 0, workers: int = 2, rooms: int = 0
) -> dict:
    """Write the synthetic corpus and both manifests under ``out_dir``; returns a summary."""
    out = Path(out_dir)
    if n < 1 or workers < 1:
        raise SynthError(f"utterances and workers must be positive ({n}, {workers})")
    if (out / "synth.jsonl").exists():
        raise SynthError(f"{out} already holds a corpus (synth.jsonl); pick a new folder")
    real = an4_entries(an4_root, out)
    out.mkdir(parents=True, exist_ok=True)
    synth = synth_entries(out, n, seed, workers, rooms)
    write_jsonl(out / "synth.jsonl", synth)
    write_jsonl(out / "mix.jsonl", synth + real)
    return {
        "synthetic": len(synth),
        "synthetic_hours": round(sum(e["duration"] for e in synth) / 3600, 2),
        "voices": len({e["speaker"] for e in synth}),
        "an4": len(real),
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m asr.an4_synth OUT --utterances N --an4 ROOT [--seed S] [--workers W]``."""
    parser = argparse.ArgumentParser(
        prog="python -m asr.an4_synth", description=__doc__.split("\n")[0]
    )
    parser.add_argument("out", help="new output folder")
    parser.add_argument("--utterances", type=int, default=3000)
    parser.add_argument("--an4", required=True, help="AN4 root (etc/, wav/)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rooms", type=int, default=0, help="simulated rooms to reverberate half the utterances in"
    )
    args = parser.parse_args(argv)
    try:
        summary = build(args.out, args.utterances, args.an4, args.seed, args.workers, args.rooms)
    except (SynthError, DataError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
