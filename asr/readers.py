"""Speech corpora in their native layouts -> ``list[Example]``.

First step of the speech pipeline: readers list utterances (id, audio path,
raw transcript, duration in seconds, speaker); ``asr.audio`` loads the audio.
``DataSpec`` / ``load_spec`` add speaker filters and deterministic held-out
speaker splits on top; ``load_data`` guesses the corpus from a path (CLI use).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from asr.audio import MAX_STREAM_SECONDS, AudioError, audio_duration
from common.data import Example
from common.jsonl import read_jsonl

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
KINDS = ("librispeech", "an4", "fsdd", "manifest")
HOLDOUT_MODES = ("none", "keep", "drop")
HOLDOUT_SEED = "inkspeech-holdout-v1"
_FSDD_NAME = re.compile(r"^(\d)_([A-Za-z0-9]+)_(\d+)$")
_AN4_LINE = re.compile(r"^(.*)\(([^()\s]+)\)\s*$")


class DataError(ValueError):
    """A corpus is missing, malformed, or a data spec asks for something impossible."""


def _librispeech_subsets(root: Path, subsets: list[str] | None) -> list[Path]:
    """Subset directories under a corpus root, ``LibriSpeech/`` dir or subset dir."""
    base = root / "LibriSpeech" if (root / "LibriSpeech").is_dir() else root
    if not base.is_dir():
        raise DataError(f"LibriSpeech directory not found: {root}")
    if next(base.glob("*/*/*.trans.txt"), None) is not None:  # base is itself a subset
        if subsets and base.name not in subsets:
            raise DataError(f"{base} is the subset {base.name!r}, not one of {subsets}")
        return [base]
    found = sorted(d for d in base.iterdir() if next(d.glob("*/*/*.trans.txt"), None))
    if not found:
        raise DataError(f"no LibriSpeech transcripts (*/*/*.trans.txt) under {base}")
    if not subsets:
        return found
    missing = [s for s in subsets if s not in {d.name for d in found}]
    if missing:
        names = [d.name for d in found]
        raise DataError(f"LibriSpeech subsets {missing} not in {base}; found {names}")
    return [base / s for s in subsets]


def _read_librispeech_chapter(transcript: Path) -> list[Example]:
    """Examples of one ``<spk>-<chapter>.trans.txt`` file."""
    speaker = transcript.parent.parent.name
    examples = []
    for number, line in enumerate(transcript.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        utt_id, _, text = line.strip().partition(" ")
        audio = transcript.parent / f"{utt_id}.flac"
        if not audio.is_file() and (transcript.parent / f"{utt_id}.wav").is_file():
            audio = transcript.parent / f"{utt_id}.wav"
        if not audio.is_file():
            raise DataError(f"{transcript}:{number}: audio for {utt_id!r} not found ({audio})")
        examples.append(Example(utt_id, str(audio), text.strip(), audio_duration(audio), speaker))
    return examples


def read_librispeech(root: str | Path, subsets: list[str] | None = None) -> list[Example]:
    """Read LibriSpeech: ``LibriSpeech/<subset>/<spk>/<chapter>/<spk>-<chapter>-<utt>.flac``.

    Args:
        root: the folder holding ``LibriSpeech/``, the ``LibriSpeech`` folder
            itself, or one subset folder (e.g. ``.../LibriSpeech/dev-clean``).
        subsets: subset names to read (e.g. ``["train-clean-100"]``); None or
            empty reads every subset found.

    Returns:
        Examples sorted by subset then id; ``length`` is seconds, speaker the ``<spk>`` dir.

    Raises:
        DataError: no transcripts, unknown subset, or audio missing for a transcript line.
    """
    examples = []
    for subset in _librispeech_subsets(Path(root), subsets):
        chapter_examples = [
            _read_librispeech_chapter(t) for t in sorted(subset.glob("*/*/*.trans.txt"))
        ]
        examples.extend(sorted((e for ch in chapter_examples for e in ch), key=lambda e: e.id))
    return examples


def _an4_transcripts(path: Path) -> list[tuple[str, str]]:
    """``(text, utterance id)`` of each line ``<s> TEXT </s> (id)`` of a transcription file."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        match = _AN4_LINE.match(line.strip())
        if match is None:
            raise DataError(f"{path}:{number}: expected '<s> TEXT </s> (utterance-id)'")
        words = [w for w in match.group(1).split() if w not in ("<s>", "</s>")]
        rows.append((" ".join(words), match.group(2)))
    return rows


def read_an4(root: str | Path, split: str = "train") -> list[Example]:
    """Read CMU AN4 in its native layout (``etc/`` and ``wav/`` under ``root``).

    Line ``i`` of ``etc/an4_<split>.transcription`` (``<s> TEXT </s> (id)``) pairs
    with line ``i`` of ``etc/an4_<split>.fileids`` (``an4_clstk/<spk>/<id>``),
    whose audio is ``wav/<fileid>.sph``; both ids must hold the same
    dash-separated parts.

    Returns:
        Examples in file order; speaker is the directory of the file id (e.g. ``fash``).

    Raises:
        DataError: missing files, mismatched lines, or missing audio.
    """
    root = Path(root)
    transcription = root / "etc" / f"an4_{split}.transcription"
    fileids_path = root / "etc" / f"an4_{split}.fileids"
    for path in (transcription, fileids_path):
        if not path.is_file():
            known = sorted(p.stem[4:] for p in root.glob("etc/an4_*.transcription"))
            raise DataError(f"AN4 file not found: {path} (splits present: {known})")
    rows = _an4_transcripts(transcription)
    fileids = [s.strip() for s in fileids_path.read_text(encoding="utf-8").splitlines()]
    fileids = [s for s in fileids if s]
    if len(fileids) != len(rows):
        raise DataError(
            f"{transcription} has {len(rows)} lines but {fileids_path} has {len(fileids)}"
        )
    examples = []
    for number, ((text, utt_id), fileid) in enumerate(zip(rows, fileids, strict=True), 1):
        name = Path(fileid).name
        if sorted(utt_id.lower().split("-")) != sorted(name.lower().split("-")):
            raise DataError(
                f"{transcription}:{number}: id {utt_id!r} does not match file id {fileid!r}"
            )
        audio = root / "wav" / f"{fileid}.sph"
        if not audio.is_file():
            raise DataError(f"{fileids_path}:{number}: audio not found: {audio}")
        speaker = Path(fileid).parent.name
        examples.append(Example(name, str(audio), text, audio_duration(audio), speaker))
    return examples


def read_fsdd(root: str | Path) -> list[Example]:
    """Read the Free Spoken Digit Dataset: ``recordings/{digit}_{speaker}_{index}.wav``.

    Returns:
        Examples sorted by id; text is the digit's English word ("zero" .. "nine").

    Raises:
        DataError: no recordings, or a wav file not named ``{digit}_{speaker}_{index}.wav``.
    """
    recordings = Path(root) / "recordings"
    files = sorted(recordings.glob("*.wav"))
    if not files:
        raise DataError(f"no FSDD recordings (*.wav) in {recordings}")
    examples = []
    for path in files:
        match = _FSDD_NAME.match(path.stem)
        if match is None:
            raise DataError(f"FSDD file name is not digit_speaker_index.wav: {path}")
        digit, speaker, _ = match.groups()
        text = DIGIT_WORDS[int(digit)]
        examples.append(Example(path.stem, str(path), text, audio_duration(path), speaker))
    return examples


def _entry_field(entry: dict, key: str, where: str, default: str = "") -> str:
    """A string field of a manifest entry (ids may be written as integers)."""
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DataError(f"{where}: {key!r} must be a string, got {type(value).__name__}")
    return str(value)


def _entry_audio(entry: dict, base: Path, where: str) -> Path:
    """The audio path of an entry, resolved against the manifest folder and checked."""
    name = entry["audio_filepath"]
    if not isinstance(name, str) or not name or "\x00" in name:
        raise DataError(f"{where}: 'audio_filepath' must be a non-empty string")
    audio = base / name  # an absolute name replaces base
    try:
        found = audio.is_file()
    except OSError as err:  # e.g. a name too long for the file system
        raise DataError(f"{where}: bad audio path ({err.strerror})") from err
    if not found:
        raise DataError(f"{where}: audio not found: {audio}")
    return audio


def _entry_duration(entry: dict, audio: Path, where: str) -> float:
    """The entry's ``duration`` (seconds), or the audio header's when absent."""
    duration = entry.get("duration")
    if duration is None:
        try:
            return audio_duration(audio)
        except AudioError as err:
            raise DataError(f"{where}: {err}") from err
    ok = isinstance(duration, int | float) and not isinstance(duration, bool)
    if not (ok and 0 < duration <= MAX_STREAM_SECONDS):  # 48 h; false for NaN, inf, huge ints
        raise DataError(f"{where}: 'duration' must be seconds in (0, 48 h], got {duration!r}")
    return float(duration)


def _manifest_example(entry: object, base: Path, where: str) -> Example:
    """One NeMo manifest entry -> Example; ``where`` is ``path:line`` for errors."""
    if not isinstance(entry, dict) or "audio_filepath" not in entry or "text" not in entry:
        raise DataError(f"{where}: expected an object with 'audio_filepath' and 'text'")
    if entry.get("offset", 0) != 0:
        raise DataError(f"{where}: 'offset' (audio segments) is not supported")
    if not isinstance(entry["text"], str):
        raise DataError(f"{where}: 'text' must be a string")
    audio = _entry_audio(entry, base, where)
    duration = _entry_duration(entry, audio, where)
    utt_id = _entry_field(entry, "id", where, audio.stem)
    speaker = _entry_field(entry, "speaker", where)
    return Example(utt_id, str(audio), entry["text"], duration, speaker)


def read_manifest(path: str | Path) -> list[Example]:
    """Read a NeMo-style JSON-lines manifest (``audio_filepath``, ``duration``, ``text``).

    Relative audio paths are resolved against the manifest's folder. Optional keys:
    ``id`` (default: the audio file's stem), ``speaker``; a missing ``duration`` is
    read from the audio header. Limits: ``common.jsonl`` and ``docs/limits.md``.

    Raises:
        DataError: missing manifest, bad JSON or fields (naming the line), missing
            audio, or duplicate ids.
    """
    path = Path(path)
    examples, seen = [], {}
    for where, entry in read_jsonl(path, DataError):
        example = _manifest_example(entry, path.parent, where)
        if example.id in seen:
            raise DataError(f"{where}: duplicate id {example.id!r} (first on {seen[example.id]})")
        seen[example.id] = where.rsplit(":", 1)[1]
        examples.append(example)
    return examples


@dataclass
class DataSpec:
    """One corpus selection: which reader, where, and which speakers/utterances.

    Held-out speakers: ``holdout_speakers=N`` picks the N speakers of the whole
    corpus (before the other filters) whose SHA-1 of ``"<HOLDOUT_SEED>:<speaker>"``
    is smallest (``select_holdout_speakers``), so the same N are chosen on every
    run and machine. ``holdout="keep"`` keeps only them (validation), ``"drop"``
    removes them (training). Then ``max_duration`` drops longer utterances and
    ``max_utterances`` keeps the first N in reader order.
    """

    kind: str = "librispeech"  # librispeech | an4 | fsdd | manifest
    path: str = ""
    subsets: list[str] = field(default_factory=list)  # librispeech only; [] = all
    split: str = "train"  # an4 only: etc/an4_<split>.transcription
    include_speakers: list[str] = field(default_factory=list)  # [] = all
    exclude_speakers: list[str] = field(default_factory=list)
    holdout_speakers: int = 0
    holdout: str = "none"  # none | keep | drop
    max_utterances: int = 0  # 0 = no limit
    max_duration: float = 0.0  # seconds; 0 = no limit


def select_holdout_speakers(speakers: list[str], count: int) -> list[str]:
    """The ``count`` speakers with the smallest salted SHA-1, sorted; stable everywhere."""
    unique = sorted(set(speakers))
    if not 0 < count < len(unique):
        raise DataError(
            f"holdout_speakers must be in [1, {len(unique) - 1}] with {len(unique)} speakers, "
            f"got {count}"
        )
    ranked = sorted(unique, key=lambda s: hashlib.sha1(f"{HOLDOUT_SEED}:{s}".encode()).hexdigest())
    return sorted(ranked[:count])


def _check_spec(spec: DataSpec) -> None:
    """Raise ``DataError`` for an unknown or contradictory spec field."""
    if spec.kind not in KINDS:
        raise DataError(f"data kind must be one of {KINDS}, not {spec.kind!r}")
    if not spec.path:
        raise DataError(f"data path is empty for kind {spec.kind!r}")
    if spec.subsets and spec.kind != "librispeech":
        raise DataError(f"subsets only apply to librispeech, not {spec.kind!r}")
    if spec.holdout not in HOLDOUT_MODES:
        raise DataError(f"holdout must be one of {HOLDOUT_MODES}, not {spec.holdout!r}")
    if (spec.holdout == "none") != (spec.holdout_speakers == 0):
        raise DataError(
            "holdout=keep|drop needs holdout_speakers > 0, and holdout_speakers needs holdout "
            f"keep|drop (got holdout={spec.holdout!r}, holdout_speakers={spec.holdout_speakers})"
        )
    if spec.max_utterances < 0 or spec.max_duration < 0:
        raise DataError("max_utterances and max_duration must be >= 0")


def _read_spec(spec: DataSpec) -> list[Example]:
    """Run the reader ``spec.kind`` names."""
    if spec.kind == "librispeech":
        return read_librispeech(spec.path, list(spec.subsets) or None)
    if spec.kind == "an4":
        return read_an4(spec.path, spec.split)
    if spec.kind == "fsdd":
        return read_fsdd(spec.path)
    return read_manifest(spec.path)


def _filter_speakers(examples: list[Example], spec: DataSpec) -> list[Example]:
    """Apply include/exclude lists, then the held-out speaker split."""
    speakers = {e.speaker for e in examples}
    unknown = sorted((set(spec.include_speakers) | set(spec.exclude_speakers)) - speakers)
    if unknown:
        raise DataError(f"speakers not in {describe_spec(spec)}: {unknown}")
    held = set()
    if spec.holdout != "none":
        if speakers == {""}:
            raise DataError(f"{describe_spec(spec)} has no speaker ids to hold out")
        held = set(select_holdout_speakers(sorted(speakers), spec.holdout_speakers))
    include = set(spec.include_speakers) or speakers
    keep = include - set(spec.exclude_speakers)
    keep = keep & held if spec.holdout == "keep" else keep - held
    return [e for e in examples if e.speaker in keep]


def load_spec(spec: DataSpec) -> list[Example]:
    """Read the corpus ``spec`` names and apply its filters (see ``DataSpec``).

    Raises:
        DataError: a bad spec, unknown speakers, a reader error, or nothing selected.
    """
    _check_spec(spec)
    examples = _filter_speakers(_read_spec(spec), spec)
    if spec.max_duration > 0:
        examples = [e for e in examples if e.length <= spec.max_duration]
    if spec.max_utterances > 0:
        examples = examples[: spec.max_utterances]
    if not examples:
        raise DataError(f"no utterances selected by {describe_spec(spec)}")
    return examples


def describe_spec(spec: DataSpec) -> str:
    """One-line summary of ``spec`` for logs, e.g. ``an4 /data/an4 split=train holdout=drop:10``."""
    parts = [spec.kind, spec.path]
    if spec.kind == "an4":
        parts.append(f"split={spec.split}")
    if spec.subsets:
        parts.append(f"subsets={','.join(spec.subsets)}")
    if spec.include_speakers:
        parts.append(f"include={','.join(spec.include_speakers)}")
    if spec.exclude_speakers:
        parts.append(f"exclude={','.join(spec.exclude_speakers)}")
    if spec.holdout != "none":
        parts.append(f"holdout={spec.holdout}:{spec.holdout_speakers}")
    if spec.max_duration:
        parts.append(f"max_duration={spec.max_duration:g}s")
    if spec.max_utterances:
        parts.append(f"max_utterances={spec.max_utterances}")
    return " ".join(parts)


def detect_kind(path: str | Path) -> str:
    """The ``DataSpec.kind`` a file or folder holds, judged from its layout.

    Raises:
        DataError: the path is none of the known layouts.
    """
    path = Path(path)
    if path.is_file() and path.suffix in (".jsonl", ".json"):
        return "manifest"
    if path.is_dir():
        if next(path.glob("etc/an4_*.transcription"), None):
            return "an4"
        if next(path.glob("recordings/*_*_*.wav"), None):
            return "fsdd"
        if next(path.rglob("*.trans.txt"), None):
            return "librispeech"
    raise DataError(
        f"cannot tell which corpus {path} holds: expected a .jsonl/.json manifest, an AN4 "
        "folder (etc/an4_*.transcription), an FSDD folder (recordings/*_*_*.wav) or a "
        "LibriSpeech folder (*.trans.txt below it)"
    )


def load_data(path_or_dir: str, split: str = "train") -> list[Example]:
    """Read whatever corpus ``path_or_dir`` holds (see ``detect_kind``).

    ``split`` picks the AN4 split; the other layouts have no splits (point a
    LibriSpeech path at one subset folder to read only that subset).
    """
    kind = detect_kind(path_or_dir)
    return load_spec(DataSpec(kind=kind, path=str(path_or_dir), split=split))
