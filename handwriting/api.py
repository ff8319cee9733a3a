"""Handwriting recognition in one call: ``handwriting.load().recognize("line.inkml")``.

The whole ink pipeline behind one object: ink (an ``Ink``, a file, or a JSON
ink dict) -> stroke features (fitted once) -> encoder -> decoder -> an
``InkRecognition`` with text, n best alternatives and per-word and
per-character spans on the ink (point indices and times). ``handwriting
recognize`` runs the same code.

Example::

    import handwriting
    rec = handwriting.load()              # the shipped "ink-synthetic" model; or a path
    r = rec.recognize("line.json")
    r.text, r.chars[0].start, r.to_dict()
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from common.config import DecoderConfig
from common.decoding.hypothesis import Hypothesis
from common.inference import Decoded, Failure, Prepared, decode_all
from common.recognizer import Alternative, Recognizer, load_checkpoint_for
from handwriting.features import InkFeatureConfig, featurize_tracked
from handwriting.ink import Ink, InkError
from handwriting.modality import HANDWRITING
from handwriting.readers import parse_json_ink, read_ink

InkInput = Ink | str | Path | dict

__all__ = ["Alternative", "InkRecognition", "InkRecognizer", "InkSpan", "load", "to_ink"]


@dataclass(frozen=True)
class InkSpan:
    """A recognised unit on the ink: points ``[start, end)`` (file order) and their times."""

    text: str
    start: int
    end: int
    start_time: float
    end_time: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start_point": self.start,
            "end_point": self.end,
            "start_time": self.start_time,
            "end_time": self.end_time,
        }


@dataclass(frozen=True)
class InkRecognition:
    """The result for one ink.

    Attributes:
        text: the best hypothesis, stripped.
        score: its log score.
        nbest: the n best hypotheses, best first (``nbest[0].text == text``).
        words: each word of ``text`` located on the ink.
        chars: each non-space character of ``text`` located on the ink.
        nbest_words: the words of each alternative (``nbest_words[0] == words``).
        ink: the ink as recognised (after ``y_up`` flipping).
        emissions: (T', V) CTC log-probabilities.
    """

    text: str
    score: float
    nbest: list[Alternative]
    words: list[InkSpan]
    chars: list[InkSpan]
    nbest_words: list[list[InkSpan]] = field(default_factory=list, repr=False)
    ink: Ink | None = field(default=None, repr=False, compare=False)
    emissions: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """``{text, score, nbest, words: [{text, start_point, ...}], chars: [...]}``."""
        return {
            "text": self.text,
            "score": self.score,
            "nbest": [a.to_dict() for a in self.nbest],
            "words": [s.to_dict() for s in self.words],
            "chars": [s.to_dict() for s in self.chars],
        }


def flip_y(ink: Ink) -> Ink:
    """``ink`` mirrored top to bottom: y-up coordinates -> the y-down ones the models read."""
    strokes = [s * np.array([1.0, -1.0, 1.0]) for s in ink.strokes]  # (N, 3) each
    return Ink(tuple(strokes), text=ink.text, id=ink.id)


def to_ink(item: InkInput, y_up: bool = False) -> Ink:
    """An ``Ink`` from an ``Ink``, a file path (.xml, .inkml, .json) or a JSON ink dict.

    Raises:
        InkError: unreadable or invalid ink.
    """
    if isinstance(item, Ink):
        ink = item
    elif isinstance(item, (str, Path)):
        ink = read_ink(item)
    elif isinstance(item, dict):
        ink = parse_json_ink(item)
    else:
        raise InkError(
            f"expected an Ink, a file path or a JSON ink dict, not {type(item).__name__}"
        )
    return flip_y(ink) if y_up else ink


def _span(
    text: str, frames: tuple[int, int], ends: np.ndarray, times: np.ndarray, s: int
) -> InkSpan:
    """Encoder frames ``[f0, f1)`` -> ink points, via each feature frame's last point."""
    a, b = frames[0] * s, min(frames[1] * s, len(ends))
    start = int(ends[a - 1]) + 1 if a > 0 else 0
    end = max(start + 1, int(ends[max(b - 1, 0)]) + 1)
    end = min(end, len(times))
    start = min(start, end - 1)
    return InkSpan(text, start, end, round(float(times[start]), 3), round(float(times[end - 1]), 3))


def locate(
    hyp: Hypothesis, ink: Ink, point_map: np.ndarray, subsampling: int
) -> tuple[list[InkSpan], list[InkSpan]]:
    """(words, chars) of ``hyp`` as point spans on ``ink`` (``point_map``: per feature frame)."""
    times = ink.points[:, 2]
    chars = [
        _span(c, (f0, f1), point_map, times, subsampling)
        for c, f0, f1 in zip(hyp.text, hyp.token_frames, hyp.token_end_frames, strict=True)
        if c != " "
    ]
    words = [
        _span(w.word, (w.start_frame, w.end_frame), point_map, times, subsampling)
        for w in hyp.words
    ]
    return words, chars


class InkRecognizer(Recognizer):
    """A loaded handwriting model: ``recognize`` one ink, ``recognize_many`` a batch."""

    task = "handwriting"

    @property
    def features(self) -> InkFeatureConfig:
        return HANDWRITING.feature_config(self.loaded.features)

    def recognize(
        self,
        ink: InkInput,
        y_up: bool = False,
        decoder: DecoderConfig | None = None,
        nbest: int | None = None,
    ) -> InkRecognition:
        """Recognise one ink (``y_up``: its y axis points up, as in maths plots).

        Raises:
            InkError: unreadable or invalid ink.
            DecoderSetupError: a decoder that cannot be built.
        """
        return self.recognize_many([ink], y_up, decoder, nbest)[0]

    def recognize_many(
        self,
        inks: Sequence[InkInput],
        y_up: bool = False,
        decoder: DecoderConfig | None = None,
        nbest: int | None = None,
        batch_size: int = 16,
    ) -> list[InkRecognition]:
        """Recognise many inks, batched; raises on the first bad one."""
        out = []
        for result in self.recognize_stream(inks, y_up, decoder, nbest, batch_size):
            if isinstance(result, Failure):
                raise InkError(result.message)
            out.append(result[1])
        return out

    def recognize_stream(
        self,
        inks: Sequence[InkInput],
        y_up: bool = False,
        decoder: DecoderConfig | None = None,
        nbest: int | None = None,
        batch_size: int = 16,
        progress: bool = False,
    ) -> Iterator[tuple[InkInput, InkRecognition] | Failure]:
        """``(input, InkRecognition)`` per input in order, or a ``Failure`` for a bad one."""
        dec, options = self.prepare_decoding(decoder, nbest, batch_size, progress)
        cfg = self.features

        def prepare(item: InkInput) -> Prepared:
            ink = to_ink(item, y_up)
            features, point_map = featurize_tracked(ink, cfg)
            return Prepared(features=features, extra=(ink, point_map))

        for result in decode_all(self.loaded, list(inks), prepare, dec, options):
            if isinstance(result, Failure):
                yield result
            else:
                yield result.item, self._recognition(result)

    def _recognition(self, decoded: Decoded) -> InkRecognition:
        ink, point_map = decoded.extra
        best = decoded.best
        s = self.loaded.model.subsampling
        words, chars = locate(best, ink, point_map, s)
        others = [locate(h, ink, point_map, s)[0] for h in decoded.hypotheses[1:]]
        return InkRecognition(
            text=best.text.strip(),
            score=best.score,
            nbest=[
                Alternative(h.text.strip(), h.score, h.acoustic_score, h.lm_score)
                for h in decoded.hypotheses
            ],
            words=words,
            chars=chars,
            nbest_words=[words, *others],
            ink=ink,
            emissions=decoded.log_probs,
        )


def load(model: str | Path | None = None, device: str = "auto") -> InkRecognizer:
    """A handwriting recognizer: a shipped name (default ``ink-synthetic``) or a checkpoint path.

    Raises:
        ModelNotFoundError, CheckpointError, DeviceError: one-line ``ValueError``s.
    """
    path, loaded = load_checkpoint_for("handwriting", model, device)
    name = str(model) if model is not None and not Path(str(model)).is_file() else path.stem
    return InkRecognizer(loaded, path, name)
