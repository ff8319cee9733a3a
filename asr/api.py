"""Speech recognition in one call: ``asr.load("an4").transcribe("x.wav")``.

The whole speech pipeline behind one object: audio (a file, or samples) ->
features -> encoder -> decoder -> a ``Transcript`` with text, word times in
seconds and the n best alternatives. ``asr transcribe`` runs the same code.

Example::

    import asr
    rec = asr.load()                      # the shipped "an4" model; or a checkpoint path
    t = rec.transcribe("x.wav")
    t.text, t.words[0].start, t.to_dict()
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from asr.audio import (
    AudioError,
    audio_duration,
    read_audio,
    resample,
)
from asr.features import AudioFeatureConfig, frame_seconds
from asr.modality import ASR
from asr.segment import Segment, SegmentConfig, segment_chunks
from asr.word_times import Word, frame_energy_db, is_silence, timed_words
from common.config import DecoderConfig
from common.inference import Decoded, Failure, Prepared, decode_all
from common.recognizer import Alternative, Recognizer, load_checkpoint_for

AudioInput = str | Path | np.ndarray

__all__ = ["Alternative", "SpeechRecognizer", "Transcript", "Word", "load"]


@dataclass(frozen=True)
class Transcript:
    """The result for one recording.

    Attributes:
        text: the best hypothesis, stripped ("" for silence).
        score: its log score.
        duration: length of the audio in seconds.
        words: its words with start/end in seconds, within ``[0, duration]``.
        nbest: up to n best hypotheses, best first (``nbest[0].text == text``); each text
            appears once (alternatives that differ only in words over silence are merged).
        nbest_words: the words of each alternative (``nbest_words[0] == words``).
        emissions: (T', V) CTC log-probabilities of the recording.
    """

    text: str
    score: float
    duration: float
    words: list[Word]
    nbest: list[Alternative]
    nbest_words: list[list[Word]] = field(default_factory=list, repr=False)
    emissions: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """``{text, score, duration, words: [{word, start, end}], nbest: [{text, score, ...}]}``."""
        return {
            "text": self.text,
            "score": self.score,
            "duration": round(self.duration, 3),
            "words": [{"word": w.word, "start": w.start, "end": w.end} for w in self.words],
            "nbest": [a.to_dict() for a in self.nbest],
        }


@dataclass(frozen=True)
class _Audio:
    """What a recording keeps for after decoding."""

    duration: float
    energy_parts: list[np.ndarray]  # (T',) frame levels per piece read; complete once decoded
    path: Path | None = None

    @property
    def energy_db(self) -> np.ndarray:
        """(T',) level of every encoder frame of the recording (``frame_energy_db``)."""
        return np.concatenate(self.energy_parts) if self.energy_parts else np.zeros(0)


class SpeechRecognizer(Recognizer):
    """A loaded speech model: ``transcribe`` one recording, ``transcribe_many`` a batch."""

    task = "asr"

    @property
    def features(self) -> AudioFeatureConfig:
        return ASR.feature_config(self.loaded.features)

    @property
    def sample_rate(self) -> int:
        """The rate the model hears; inputs at other rates are resampled."""
        return self.features.sample_rate

    @property
    def seconds_per_frame(self) -> float:
        """Seconds per encoder output frame."""
        return frame_seconds(self.features) * self.loaded.model.subsampling

    def transcribe(
        self,
        audio: AudioInput,
        sample_rate: int | None = None,
        decoder: DecoderConfig | None = None,
        nbest: int | None = None,
        segment_seconds: float = SegmentConfig.max_seconds,
    ) -> Transcript:
        """Transcribe one recording: a file path, or 1-D float samples with ``sample_rate``.

        Raises:
            AudioError: unreadable, empty or non-finite audio.
            DecoderSetupError: a decoder that cannot be built (e.g. a missing LM file).
        """
        return self.transcribe_many([audio], sample_rate, decoder, nbest, segment_seconds)[0]

    def transcribe_many(
        self,
        inputs: Sequence[AudioInput],
        sample_rate: int | None = None,
        decoder: DecoderConfig | None = None,
        nbest: int | None = None,
        segment_seconds: float = SegmentConfig.max_seconds,
        batch_size: int = 16,
    ) -> list[Transcript]:
        """Transcribe many recordings, batched; raises on the first bad input."""
        out = []
        for result in self.transcribe_stream(
            inputs, sample_rate, decoder, nbest, segment_seconds, batch_size
        ):
            if isinstance(result, Failure):
                raise AudioError(result.message)
            out.append(result[1])
        return out

    def transcribe_stream(
        self,
        inputs: Sequence[AudioInput],
        sample_rate: int | None = None,
        decoder: DecoderConfig | None = None,
        nbest: int | None = None,
        segment_seconds: float = SegmentConfig.max_seconds,
        batch_size: int = 16,
        progress: bool = False,
    ) -> Iterator[tuple[AudioInput, Transcript] | Failure]:
        """``(input, Transcript)`` per input in order, or a ``Failure`` for a bad one.

        Files longer than ``segment_seconds`` are cut where the speaker pauses into
        segments at most that long (``asr.segment``), read from disk one window at a
        time, and each segment goes through the model as an utterance of its own.
        """
        if not (math.isfinite(segment_seconds) and segment_seconds > 0):
            raise ValueError(f"segment_seconds must be positive, not {segment_seconds}")
        dec, options = self.prepare_decoding(decoder, nbest, batch_size, progress)

        def prepare(item: AudioInput) -> Prepared:
            if isinstance(item, (str, Path)):
                return self._prepare_file(Path(item), segment_seconds)
            return self._prepare_samples(item, sample_rate)

        for result in decode_all(self.loaded, list(inputs), prepare, dec, options):
            if isinstance(result, Failure):
                yield result
            else:
                yield result.item, self._transcript(result)

    def _prepare_samples(self, samples: Any, rate: int | None) -> Prepared:
        """Features and frame levels of an in-memory recording."""
        samples = np.asarray(samples, dtype=np.float32)
        if samples.ndim != 1 or samples.size == 0:
            raise AudioError(f"audio samples must be a non-empty 1-D array, got {samples.shape}")
        if not np.isfinite(samples).all():
            raise AudioError("audio samples hold NaN or infinite values")
        if rate is None:
            raise AudioError("sample_rate= is needed with audio given as samples")
        samples = resample(samples, rate, self.sample_rate)
        return self._prepared(samples, None)

    def _prepared(self, samples: np.ndarray, path: Path | None) -> Prepared:
        energy = frame_energy_db([samples], self._frame_samples)
        extra = _Audio(len(samples) / self.sample_rate, [energy], path)
        return Prepared(features=ASR.features_of(samples, self.features), extra=extra)

    def _prepare_file(self, path: Path, segment_seconds: float) -> Prepared:
        """A short file is read whole; a long one is streamed in segments cut at pauses."""
        duration = audio_duration(path)
        if duration <= segment_seconds:
            return self._prepared(read_audio(path, self.sample_rate), path)
        audio = _Audio(duration, [], path)
        seg = SegmentConfig(max_seconds=segment_seconds)

        def measure(segment: Segment) -> None:  # cuts fall on encoder frames: levels line up
            audio.energy_parts.append(frame_energy_db([segment.samples], self._frame_samples))

        subsampling = self.loaded.model.subsampling
        chunks = segment_chunks(path, self.features, subsampling, seg, on_segment=measure)
        count = math.ceil(duration / segment_seconds)  # at least this many segments
        return Prepared(chunks=chunks, num_chunks=count, extra=audio)

    @property
    def _frame_samples(self) -> int:
        """Samples per encoder frame."""
        return round(self.seconds_per_frame * self.sample_rate)

    def _transcript(self, decoded: Decoded) -> Transcript:
        audio: _Audio = decoded.extra
        energy = audio.energy_db
        hyps = decoded.hypotheses
        if is_silence(energy):
            hyps = hyps[:1]
        words = [timed_words(h, self.seconds_per_frame, audio.duration, energy) for h in hyps]
        texts = [" ".join(w.word for w in ws) for ws in words]
        # alternatives that differ only in words dropped over silence read the same: keep the best
        distinct = [i for i, text in enumerate(texts) if text not in texts[:i]]
        hyps, words, texts = (
            [hyps[i] for i in distinct],
            [words[i] for i in distinct],
            [texts[i] for i in distinct],
        )
        best = hyps[0]
        return Transcript(
            text=texts[0],
            score=best.score,
            duration=audio.duration,
            words=words[0],
            nbest=[
                Alternative(text, h.score, h.acoustic_score, h.lm_score)
                for text, h in zip(texts, hyps, strict=True)
            ],
            nbest_words=words,
            emissions=decoded.log_probs,
        )


def load(model: str | Path | None = None, device: str = "auto") -> SpeechRecognizer:
    """A speech recognizer: a shipped model's name (default ``an4``) or a checkpoint path.

    Args:
        model: ``"an4"``, another shipped name, or the path of a ``best.pt``.
        device: ``auto`` (a GPU when there is one), ``cpu``, ``cuda`` or ``cuda:N``.

    Raises:
        ModelNotFoundError, CheckpointError, DeviceError: one-line ``ValueError``s.
    """
    path, loaded = load_checkpoint_for("asr", model, device)
    name = str(model) if model is not None and not Path(str(model)).is_file() else path.stem
    return SpeechRecognizer(loaded, path, name)
