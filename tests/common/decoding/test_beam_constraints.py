"""LM, lexicon and hotword effects on constructed emissions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.decoding import CTCBeamDecoder
from common.decoding.char_lm import CharLM
from common.decoding.hotwords import HotwordError, parse_hotword
from common.decoding.lm import ArpaWordLM
from common.lm import write_arpa

LABELS = ["<blank>", " ", "a", "b", "c", "d", "e", "t"]


def emissions(*frames: dict[str, float]) -> np.ndarray:
    """(T, V) log-probs: each frame gives some labels a probability, blank gets the rest."""
    rows = []
    for frame in frames:
        p = np.full(len(LABELS), 1e-6)
        for label, prob in frame.items():
            p[LABELS.index(label)] = prob
        p[0] = max(1.0 - sum(frame.values()), 1e-6)
        rows.append(np.log(p / p.sum()))
    return np.array(rows, dtype=np.float32)


def spell(text: str, rivals: dict[int, dict[str, float]] | None = None) -> np.ndarray:
    """Each character on one confident frame (position i may share with ``rivals[i]``)."""
    rivals = rivals or {}
    frames = []
    for i, char in enumerate(text):
        frame = {char: 0.9}
        if i in rivals:
            frame = rivals[i]
        frames += [frame, {}]
    return emissions(*frames)


# "bad" (acoustically favoured) vs "bat" (what the LM knows)
AMBIGUOUS = spell("bad", rivals={2: {"d": 0.5, "t": 0.45}})


@pytest.fixture(scope="module")
def word_lm(tmp_path_factory):
    path = write_arpa(
        ["a bat", "the bat", "bat", "a cat", "bat bat"] * 3,
        tmp_path_factory.mktemp("w") / "w.arpa",
        2,
    )
    return ArpaWordLM.load(path)


def test_word_lm_pulls_towards_known_words(word_lm):
    assert CTCBeamDecoder(LABELS, beam_size=8).decode(AMBIGUOUS).text == "bad"
    hyp = CTCBeamDecoder(LABELS, beam_size=8, lm=word_lm, alpha=1.0, beta=0.0).decode(AMBIGUOUS)
    assert hyp.text == "bat"
    assert hyp.lm_score < 0 and hyp.score == pytest.approx(hyp.acoustic_score + hyp.lm_score)


def test_alpha_zero_leaves_only_the_word_bonus(word_lm):
    hyp = CTCBeamDecoder(LABELS, beam_size=8, lm=word_lm, alpha=0.0, beta=0.5).decode(AMBIGUOUS)
    assert hyp.text == "bad"  # alpha also scales the out-of-vocabulary penalty
    assert hyp.lm_score == pytest.approx(0.5)


def test_char_lm_pulls_towards_known_spellings(tmp_path):
    lm = CharLM.load(write_arpa(["bat", "a bat", "tab"] * 5, tmp_path / "c.arpa", 3, unit="char"))
    hyp = CTCBeamDecoder(LABELS, beam_size=8, lm=lm, alpha=1.0, beta=0.0).decode(AMBIGUOUS)
    assert hyp.text == "bat"


def test_lexicon_excludes_other_words():
    assert (
        CTCBeamDecoder(LABELS, beam_size=8, lexicon=["bat", "cat"]).decode(AMBIGUOUS).text == "bat"
    )


def test_lexicon_file(tmp_path):
    (tmp_path / "lex.txt").write_text("bat b a t\ncab c a b\n")
    decoder = CTCBeamDecoder(LABELS, beam_size=8, lexicon=tmp_path / "lex.txt")
    assert decoder.decode(AMBIGUOUS).text == "bat"


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_lexicon_output_words_are_lexicon_words(n_frames, seed):
    x = np.random.default_rng(seed).normal(scale=3.0, size=(n_frames, len(LABELS)))
    lp = (x - np.logaddexp.reduce(x, axis=1, keepdims=True)).astype(np.float32)
    lexicon = ["a", "bat", "cab", "dead"]
    nbest = CTCBeamDecoder(LABELS, beam_size=16, lexicon=lexicon).decode_nbest(lp, 5)
    for hyp in nbest:
        *complete, last = hyp.text.split(" ")
        assert set(complete) - {""} <= set(lexicon)
        assert any(word.startswith(last) for word in lexicon)
        if last not in [*lexicon, ""]:  # fallback: nothing ended on a whole word
            assert len(nbest) == 1 and hyp.lm_score == 0.0


def test_missing_lexicon_file_raises(tmp_path):
    with pytest.raises(ValueError, match="lexicon file not found"):
        CTCBeamDecoder(LABELS, lexicon=tmp_path / "nope.txt")


def test_unspellable_lexicon_raises():
    with pytest.raises(ValueError, match="no lexicon word can be spelled"):
        CTCBeamDecoder(LABELS, lexicon=["XYZ"])


# "bet cab" is what the acoustics say; "bat dab" differs in two places
PHRASE = spell("bet cab", rivals={1: {"e": 0.5, "a": 0.45}, 4: {"c": 0.5, "d": 0.45}})


def test_multi_word_hotword_is_chosen_when_boosted():
    plain = CTCBeamDecoder(LABELS, beam_size=16)
    assert plain.decode(PHRASE).text == "bet cab"
    boosted = CTCBeamDecoder(LABELS, beam_size=16, hotwords=["bat dab:2"])
    hyp = boosted.decode(PHRASE)
    assert hyp.text == "bat dab"
    assert hyp.lm_score == pytest.approx(2 * 2.0)  # boost per word, two words


def test_broken_phrase_gives_its_boost_back():
    hyp = CTCBeamDecoder(LABELS, beam_size=16, hotwords=["bet dad:3"]).decode(PHRASE)
    assert hyp.text == "bet cab"
    assert hyp.lm_score == pytest.approx(0.0, abs=1e-9)


def test_hotword_matches_whole_words_only():
    lp = spell("tab")
    hyp = CTCBeamDecoder(LABELS, beam_size=8, hotwords=["ab:1"]).decode(lp)
    assert (hyp.text, hyp.lm_score) == ("tab", pytest.approx(0.0, abs=1e-9))


def test_single_hotword_uses_default_weight():
    hyp = CTCBeamDecoder(LABELS, beam_size=8, hotwords=["bat"], hotword_weight=3.0).decode(
        AMBIGUOUS
    )
    assert (hyp.text, hyp.lm_score) == ("bat", pytest.approx(3.0))


@pytest.mark.parametrize(
    ("entry", "message"),
    [("bat:loud", "boost must be a number"), (" :2", "empty hotword"), ("xyz", "outside")],
)
def test_bad_hotwords_raise(entry, message):
    with pytest.raises(HotwordError, match=message):
        CTCBeamDecoder(LABELS, hotwords=[entry])


def test_hotword_parsing():
    assert parse_hotword("new  york:8", 5.0) == parse_hotword("new york:8.0", 1.0)
    assert parse_hotword("cat", 5.0).boost == 5.0
