"""Word and character error rates: edit distance (rapidfuzz) summed over a corpus."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein


@dataclass
class ErrorCounts:
    """Edit operations and reference length, summed over utterances."""

    errors: int = 0
    reference_length: int = 0

    def add(self, other: ErrorCounts) -> None:
        self.errors += other.errors
        self.reference_length += other.reference_length

    @property
    def rate(self) -> float:
        """Errors per reference unit (0 for an empty reference with no errors)."""
        if self.reference_length == 0:
            return 0.0 if self.errors == 0 else float("inf")
        return self.errors / self.reference_length


def word_errors(reference: str, hypothesis: str) -> ErrorCounts:
    """Word-level Levenshtein distance and reference word count."""
    ref, hyp = reference.split(), hypothesis.split()
    return ErrorCounts(Levenshtein.distance(ref, hyp), len(ref))


def char_errors(reference: str, hypothesis: str) -> ErrorCounts:
    """Character-level Levenshtein distance (spaces collapsed) and reference length."""
    ref, hyp = " ".join(reference.split()), " ".join(hypothesis.split())
    return ErrorCounts(Levenshtein.distance(ref, hyp), len(ref))


@dataclass
class ErrorRates:
    """Accumulates WER and CER over a corpus."""

    words: ErrorCounts
    chars: ErrorCounts

    @classmethod
    def empty(cls) -> ErrorRates:
        return cls(ErrorCounts(), ErrorCounts())

    def update(self, reference: str, hypothesis: str) -> None:
        self.words.add(word_errors(reference, hypothesis))
        self.chars.add(char_errors(reference, hypothesis))

    @property
    def wer(self) -> float:
        return self.words.rate

    @property
    def cer(self) -> float:
        return self.chars.rate


def wer(references: list[str], hypotheses: list[str]) -> float:
    """Corpus WER."""
    rates = ErrorRates.empty()
    for r, h in zip(references, hypotheses, strict=True):
        rates.update(r, h)
    return rates.wer


def cer(references: list[str], hypotheses: list[str]) -> float:
    """Corpus CER."""
    rates = ErrorRates.empty()
    for r, h in zip(references, hypotheses, strict=True):
        rates.update(r, h)
    return rates.cer
