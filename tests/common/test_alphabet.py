import pytest

from common.alphabet import (
    BLANK,
    Alphabet,
    TextNormalizerConfig,
    UnknownCharacterError,
    normalize_text,
)

EN = Alphabet.from_chars(" abcdefghijklmnopqrstuvwxyz'")


def test_blank_first_and_round_trip():
    assert EN.tokens[BLANK] == "<blank>" and len(EN) == 29
    ids = EN.encode("it's a test")
    assert BLANK not in ids and EN.decode(ids) == "it's a test"


def test_unknown_character_raises_by_default():
    with pytest.raises(UnknownCharacterError, match="é"):
        normalize_text("café", EN, TextNormalizerConfig())


@pytest.mark.parametrize(
    "policy,expected", [("drop", "caf ol"), ("replace", "cafx xol"), ("keep", "café ñol")]
)
def test_unknown_policies(policy, expected):
    cfg = TextNormalizerConfig(unknown=policy, replacement="x")
    assert normalize_text("Café  ñol", EN, cfg) == expected


def test_punctuation_and_case():
    cfg = TextNormalizerConfig()
    assert (
        normalize_text("Hello, World!  It's well-known.", EN, cfg) == "hello world it's well known"
    )


def test_invalid_alphabets():
    with pytest.raises(ValueError):
        Alphabet(("a", "b"))
    with pytest.raises(ValueError):
        Alphabet.from_chars("aa")
