"""Character alphabet and text normalisation: text -> token ids -> text.

Sits at both ends of the pipeline: the reader's transcript is normalised and
encoded into CTC targets; the decoder's token ids are turned back into text.
The CTC blank is index 0, defined here once (``BLANK``) and nowhere else.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

BLANK = 0
BLANK_SYMBOL = "<blank>"


class UnknownCharacterError(ValueError):
    """A transcript holds characters the alphabet cannot represent."""


@dataclass
class TextNormalizerConfig:
    """How raw transcripts are turned into alphabet text.

    ``unknown`` decides what happens to characters outside the alphabet after
    case folding and punctuation removal: ``error`` raises, ``drop`` removes
    them, ``replace`` substitutes ``replacement`` (which must be in the alphabet),
    ``keep`` leaves them (for scoring references: they then count as errors).
    """

    lowercase: bool = True
    strip_punctuation: bool = True
    unknown: str = "error"
    replacement: str = " "


@dataclass(frozen=True)
class Alphabet:
    """Output symbols of the model; ``tokens[0]`` is the CTC blank.

    Args:
        tokens: every symbol, blank first. Build one with ``Alphabet.from_chars``.
    """

    tokens: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.tokens or self.tokens[BLANK] != BLANK_SYMBOL:
            raise ValueError(f"tokens[{BLANK}] must be {BLANK_SYMBOL!r}")
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError("alphabet tokens must be unique")
        if any(len(t) != 1 for t in self.tokens[1:]):
            raise ValueError("non-blank tokens must be single characters")

    @classmethod
    def from_chars(cls, chars: str) -> Alphabet:
        """Alphabet of ``chars`` (in that order) after the blank."""
        return cls((BLANK_SYMBOL, *chars))

    @property
    def chars(self) -> str:
        """The non-blank symbols as one string (the form stored in configs)."""
        return "".join(self.tokens[1:])

    def __len__(self) -> int:
        return len(self.tokens)

    def index(self) -> dict[str, int]:
        """Character -> token id."""
        return {t: i for i, t in enumerate(self.tokens) if i != BLANK}

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; raises ``UnknownCharacterError`` on unknown characters."""
        table = self.index()
        missing = sorted({c for c in text if c not in table})
        if missing:
            raise UnknownCharacterError(f"characters not in alphabet: {''.join(missing)!r}")
        return [table[c] for c in text]

    def decode(self, ids: list[int]) -> str:
        """Text of token ids (blanks skipped, no CTC collapsing)."""
        return "".join(self.tokens[i] for i in ids if i != BLANK)


_PUNCT_CATEGORIES = ("P", "S")


def normalize_text(text: str, alphabet: Alphabet, cfg: TextNormalizerConfig) -> str:
    """Fold ``text`` into ``alphabet`` as ``cfg`` says; whitespace is collapsed.

    Punctuation that is itself in the alphabet (e.g. the apostrophe) is kept.
    """
    text = unicodedata.normalize("NFKC", text)
    if cfg.lowercase:
        text = text.lower()
    allowed = set(alphabet.chars)
    if cfg.strip_punctuation:
        # Hyphens and slashes join words: turn them into spaces, not nothing.
        text = re.sub(r"[-/]", " ", text) if "-" not in allowed else text
        text = "".join(
            c
            for c in text
            if c in allowed or not unicodedata.category(c).startswith(_PUNCT_CATEGORIES)
        )
    text = " ".join(text.split())
    unknown = {c for c in text if c not in allowed and c != " "}
    if " " not in allowed and " " in text:
        unknown.add(" ")
    if unknown and cfg.unknown != "keep":
        if cfg.unknown == "error":
            raise UnknownCharacterError(
                f"characters not in alphabet: {''.join(sorted(unknown))!r} in {text!r}"
            )
        if cfg.unknown == "drop":
            text = "".join(c for c in text if c not in unknown)
        elif cfg.unknown == "replace":
            if cfg.replacement not in allowed:
                raise ValueError(f"replacement {cfg.replacement!r} is not in the alphabet")
            text = "".join(cfg.replacement if c in unknown else c for c in text)
        else:
            raise ValueError(f"unknown must be error|drop|replace|keep, not {cfg.unknown!r}")
        text = " ".join(text.split()) if " " in allowed else text
    return text
