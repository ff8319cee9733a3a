"""AN4-domain sentences for synthetic speech: spelled words, digits, numbers, dates, commands.

Text source of the AN4 synthetic corpus (``asr.an4_synth``), upstream of the
voices that speak it: nothing here reads AN4 transcripts. AN4 (CMU census
database) asks speakers to spell names and places letter by letter, read digit
strings (phone numbers, zip codes with "OH"), numbers read in pairs ("FIFTY ONE
FIFTY SIX"), dates, and short commands followed by random letters and numbers
("RUBOUT T G J W B SEVENTY NINE FIFTY NINE"). Every generator returns AN4's
transcript style: upper-case words separated by single spaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from importlib import resources

import numpy as np

DIGITS = ("ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE")
TEENS = (
    "TEN", "ELEVEN", "TWELVE", "THIRTEEN", "FOURTEEN", "FIFTEEN", "SIXTEEN", "SEVENTEEN",
    "EIGHTEEN", "NINETEEN",
)  # fmt: skip
TENS = ("", "", "TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY", "SEVENTY", "EIGHTY", "NINETY")
ORDINALS = (
    "FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH", "NINTH",
    "TENTH", "ELEVENTH", "TWELFTH", "THIRTEENTH", "FOURTEENTH", "FIFTEENTH", "SIXTEENTH",
    "SEVENTEENTH", "EIGHTEENTH", "NINETEENTH", "TWENTIETH", "TWENTY FIRST", "TWENTY SECOND",
    "TWENTY THIRD", "TWENTY FOURTH", "TWENTY FIFTH", "TWENTY SIXTH", "TWENTY SEVENTH",
    "TWENTY EIGHTH", "TWENTY NINTH", "THIRTIETH", "THIRTY FIRST",
)  # fmt: skip
MONTHS = (
    "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER",
    "OCTOBER", "NOVEMBER", "DECEMBER",
)  # fmt: skip
COMMANDS = ("ENTER", "ERASE", "RUBOUT", "REPEAT", "STOP", "GO", "YES", "NO", "HELP", "START")
LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_WORD = re.compile(r"^[A-Z]{3,12}$")


def number_words(n: int) -> str:
    """0..999 as words: 175 -> "ONE HUNDRED SEVENTY FIVE", 42 -> "FORTY TWO"."""
    if not 0 <= n <= 999:
        raise ValueError(f"number_words takes 0..999, got {n}")
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return TEENS[n - 10]
    if n < 100:
        return TENS[n // 10] + (f" {DIGITS[n % 10]}" if n % 10 else "")
    rest = f" {number_words(n % 100)}" if n % 100 else ""
    return f"{DIGITS[n // 100]} HUNDRED{rest}"


def pair_words(n: int, zero: str = "OH") -> str:
    """A two-digit group as read in pairs: 5 -> "OH FIVE", 0 -> "HUNDRED", 51 -> "FIFTY ONE"."""
    if not 0 <= n <= 99:
        raise ValueError(f"pair_words takes 0..99, got {n}")
    if n == 0:
        return "HUNDRED"
    return f"{zero} {DIGITS[n]}" if n < 10 else number_words(n)


def paired_number(n: int) -> str:
    """1..9999 read the AN4 way: 5156 -> "FIFTY ONE FIFTY SIX", 175 -> "ONE SEVENTY FIVE"."""
    if not 1 <= n <= 9999:
        raise ValueError(f"paired_number takes 1..9999, got {n}")
    if n < 100:
        return number_words(n)
    if n % 1000 == 0:
        return f"{number_words(n // 1000)} THOUSAND"
    return f"{number_words(n // 100)} {pair_words(n % 100)}"


def digit_string(rng: np.random.Generator, length: int, zero: str = "") -> str:
    """``length`` random digits one by one; zero is said as ``zero`` or, if empty, OH/ZERO."""
    words = []
    for d in rng.integers(0, 10, size=length):
        words.append((zero or str(rng.choice(["OH", "ZERO"]))) if d == 0 else DIGITS[d])
    return " ".join(words)


def spell(word: str) -> str:
    """A word spelled letter by letter: "Prince" -> "P R I N C E"."""
    return " ".join(c for c in word.upper() if c.isalpha())


def random_letters(rng: np.random.Generator, low: int = 1, high: int = 6) -> str:
    """low..high random letters, spelled."""
    return " ".join(rng.choice(LETTERS, size=int(rng.integers(low, high + 1))))


def spoken_number(rng: np.random.Generator) -> str:
    """A number as AN4 speakers read them after a command: digits, paired or plain words."""
    style = rng.integers(3)
    if style == 0:
        return digit_string(rng, int(rng.integers(1, 5)))
    if style == 1:
        return paired_number(int(rng.integers(1, 10000)))
    return number_words(int(rng.integers(0, 1000)))


def command_phrase(rng: np.random.Generator) -> str:
    """ "ERASE C K C W FOURTEEN EIGHTY FIVE", "GO", "U M N Y H SIX", "ENTER NINE EIGHTY NINE"."""
    kind = rng.integers(6)
    if kind == 0:
        return str(rng.choice(COMMANDS))
    parts = [str(rng.choice(COMMANDS[:3]))] if kind in (1, 2, 3) else []
    if kind != 3:
        parts.append(random_letters(rng))
    if kind != 2 or rng.random() < 0.5:
        parts.append(spoken_number(rng))
    return " ".join(parts)


def date_phrase(rng: np.random.Generator) -> str:
    """A birth date: "MARCH THIRD NINETEEN TWENTY EIGHT" or numeric "ELEVEN SEVENTEEN FIFTY ONE"."""
    month, day = int(rng.integers(1, 13)), int(rng.integers(1, 29))
    year = int(rng.integers(1900, 2000))
    if rng.random() < 0.6:
        return f"{MONTHS[month - 1]} {ORDINALS[day - 1]} {paired_number(year)}"
    return f"{number_words(month)} {number_words(day)} {pair_words(year % 100)}"


def street_number(rng: np.random.Generator) -> str:
    """A house number, digit by digit or paired: "ONE ZERO SIX FIVE", "FIFTY ONE FIFTY SIX"."""
    n = int(rng.integers(1, 10000))
    if rng.random() < 0.5:
        return digit_string(rng, len(str(n)))
    return paired_number(n)


def phone_or_zip(rng: np.random.Generator) -> str:
    """A 7- or 10-digit phone number or a 5-digit zip code, digit by digit."""
    return digit_string(rng, int(rng.choice([5, 7, 10])))


def load_words(name: str = "resources/an4_words.txt") -> list[str]:
    """Names and places to spell, from the packaged list (one per line, ``#`` comments)."""
    text = resources.files("asr").joinpath(name).read_text("utf-8")
    words = [w.strip().upper() for w in text.splitlines()]
    return [w for w in words if w and not w.startswith("#")]


def words_from_sentences(sentences: Sequence[str]) -> list[str]:
    """Distinct alphabetic words of 3..12 letters from free text (more words to spell)."""
    words = (w.strip('.,;:!?"()[]-') for s in sentences for w in s.upper().split())
    found = {w for w in words if _WORD.match(w)}
    return sorted(found)


def make_generators(
    words: Sequence[str],
) -> list[tuple[float, Callable[[np.random.Generator], str]]]:
    """(weight, generator) pairs, weighted roughly as AN4's prompt types."""
    pool = list(words)

    def spelled(rng: np.random.Generator) -> str:
        return spell(pool[int(rng.integers(len(pool)))])

    return [
        (0.35, spelled),
        (0.30, command_phrase),
        (0.10, street_number),
        (0.13, phone_or_zip),
        (0.12, date_phrase),
    ]


def generate(n: int, words: Sequence[str], seed: int = 0) -> list[str]:
    """``n`` AN4-style sentences (duplicates allowed).

    Args:
        n: how many sentences.
        words: words to spell (names, places, any alphabetic words).
        seed: seeds every random choice.
    """
    if not words:
        raise ValueError("generate needs at least one word to spell")
    rng = np.random.default_rng(seed)
    generators = make_generators(words)
    weights = np.array([w for w, _ in generators])
    out: list[str] = []
    while len(out) < n:
        _, make = generators[int(rng.choice(len(generators), p=weights / weights.sum()))]
        out.append(make(rng))
    return out
