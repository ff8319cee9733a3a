"""AN4-domain text generator: number reading, spelling, sentence style, determinism."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from asr import an4_text

AN4_STYLE = re.compile(r"^[A-Z]+( [A-Z]+)*$")
# Independent truth: how AN4 speakers read numbers (from the AN4 prompt types).
PAIRED = {
    5156: "FIFTY ONE FIFTY SIX",
    175: "ONE SEVENTY FIVE",
    1485: "FOURTEEN EIGHTY FIVE",
    989: "NINE EIGHTY NINE",
    1928: "NINETEEN TWENTY EIGHT",
    1905: "NINETEEN OH FIVE",
    1900: "NINETEEN HUNDRED",
    2000: "TWO THOUSAND",
    42: "FORTY TWO",
    7: "SEVEN",
}
WORDS = {
    0: "ZERO",
    13: "THIRTEEN",
    70: "SEVENTY",
    101: "ONE HUNDRED ONE",
    999: "NINE HUNDRED NINETY NINE",
}


@pytest.mark.parametrize(("n", "text"), sorted(PAIRED.items()))
def test_paired_number_reads_like_an4(n: int, text: str) -> None:
    assert an4_text.paired_number(n) == text


@pytest.mark.parametrize(("n", "text"), sorted(WORDS.items()))
def test_number_words(n: int, text: str) -> None:
    assert an4_text.number_words(n) == text


@pytest.mark.parametrize("bad", [-1, 1000])
def test_number_words_rejects_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError, match="0..999"):
        an4_text.number_words(bad)


def test_spell_and_digits() -> None:
    assert an4_text.spell("Pittsburgh") == "P I T T S B U R G H"
    rng = np.random.default_rng(0)
    digits = an4_text.digit_string(rng, 7, zero="OH").split()
    assert len(digits) == 7 and set(digits) <= set(an4_text.DIGITS[1:]) | {"OH"}


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_generator_writes_an4_style(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _, make in an4_text.make_generators(["PRINCE", "OAK"]):
        text = make(rng)
        assert AN4_STYLE.match(text), text


def test_generate_is_seeded_and_varied() -> None:
    words = an4_text.load_words()
    a = an4_text.generate(300, words, seed=3)
    assert a == an4_text.generate(300, words, seed=3)
    assert a != an4_text.generate(300, words, seed=4)
    assert len(set(a)) > 200  # mostly distinct sentences
    vocab = {w for s in a for w in s.split()}
    assert set(an4_text.LETTERS) <= vocab and {"ENTER", "RUBOUT", "OH"} <= vocab


def test_packaged_words_are_spellable_and_sentence_words_filtered() -> None:
    words = an4_text.load_words()
    assert len(words) > 250 and all(w.isalpha() and w.isupper() for w in words)
    found = an4_text.words_from_sentences(["It's 5 o'clock, said Dr Watson quietly."])
    assert found == ["QUIETLY", "SAID", "WATSON"]


def test_generate_needs_words() -> None:
    with pytest.raises(ValueError, match="at least one word"):
        an4_text.generate(3, [])
