"""Training text for n-gram LMs: normalise sentences and split them into LM tokens.

Word units are whitespace-separated words. Char units are single characters
with the word boundary written as the token ``<sp>`` (``SPACE_TOKEN``), the
convention the char-level decoder LM (``common.decoding.lm.CharLM``) reads back.
"""

from __future__ import annotations

import unicodedata

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


def sentence_tokens(sentence: str, unit: str) -> list[str]:
    """LM tokens of a normalised sentence: words, or characters with ``<sp>`` between words."""
    if unit == "word":
        return sentence.split()
    if unit == "char":
        return [SPACE_TOKEN if c == " " else c for c in sentence]
    raise ValueError(f"LM unit must be one of {'|'.join(UNITS)}, not {unit!r}")
