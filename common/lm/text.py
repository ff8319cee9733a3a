"""Training text for n-gram LMs: normalise sentences and split them into LM tokens.

Sentences go through a task's own normaliser (``alphabet_normalizer``: the
model's alphabet and text settings) or the generic ``normalize_sentence``.
Word units are whitespace-separated words. Char units are single characters
with the word boundary written as the token ``<sp>`` (``SPACE_TOKEN``), the
convention the char-level decoder LM (``common.decoding.lm.CharLM``) reads back.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import replace

from common.alphabet import Alphabet, TextNormalizerConfig, normalize_text

SPACE_TOKEN = "<sp>"
SENTENCE_START = "<s>"
SENTENCE_END = "</s>"
UNKNOWN = "<unk>"
UNITS = ("word", "char")

_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "`": "'"}
_JOINERS = {"-", "/", "\u2013", "\u2014"}


def normalize_sentence(line: str) -> str:
    """Lowercase, strip punctuation (apostrophes kept), collapse whitespace.

    Hyphens, dashes and slashes separate words (``"well-known"`` -> ``"well known"``).
    """
    text = unicodedata.normalize("NFKC", line).lower()
    chars = []
    for c in text:
        c = _APOSTROPHES.get(c, c)
        if c in _JOINERS:
            chars.append(" ")
        elif c == "'" or not unicodedata.category(c).startswith(("P", "S")):
            chars.append(c)
    return " ".join("".join(chars).split())


def alphabet_normalizer(chars: str, text_cfg: TextNormalizerConfig) -> Callable[[str], str]:
    """A sentence normaliser that writes what a model with this alphabet can output.

    The task's own normaliser (``common.alphabet.normalize_text`` with the
    checkpoint's settings: a case-sensitive ink alphabet keeps capitals and
    punctuation) runs first; then words holding characters outside ``chars``
    are left out, since the decoder could never write them.
    """
    alphabet = Alphabet.from_chars(chars)
    cfg = replace(text_cfg, unknown="keep")
    allowed = set(chars)

    def normalize(line: str) -> str:
        text = normalize_text(line, alphabet, cfg)
        return " ".join(w for w in text.split() if set(w) <= allowed)

    return normalize


def sentence_tokens(sentence: str, unit: str) -> list[str]:
    """LM tokens of a normalised sentence: words, or characters with ``<sp>`` between words."""
    if unit == "word":
        return sentence.split()
    if unit == "char":
        return [SPACE_TOKEN if c == " " else c for c in sentence]
    raise ValueError(f"LM unit must be one of {'|'.join(UNITS)}, not {unit!r}")
