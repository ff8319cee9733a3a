"""Every decoding flag changes the decision it promises: flags -> DecoderConfig -> make_decoder.

The decoder sits between the model and the output formats. Here its input is built by
hand (``(T, V)`` log-probabilities whose best texts are worked out in the comments), and
the decoder is built the way the commands build it: the real ``asr`` parser, then
``decoder_config_from_args``, then ``make_decoder``. A flag that is parsed but lost on the
way (an LM loaded and dropped, a lexicon or hotword never passed on, a beam size or merge
rule ignored) changes the text, and these tests fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from asr.cli import build_parser
from common.alphabet import Alphabet
from common.config import task_decoder_config
from common.decoding.cli_args import decoder_config_from_args
from common.decoding.factory import make_decoder
from common.lm import write_arpa

ALPHABET = Alphabet.from_chars(" abdt")


def emissions(*frames: dict[str, float]) -> np.ndarray:
    """(T, V) log-probs: each frame gives some labels a probability, the blank the rest."""
    rows = []
    for frame in frames:
        p = np.full(len(ALPHABET.tokens), 1e-7)
        for label, prob in frame.items():
            p[ALPHABET.tokens.index(label)] = prob
        p[0] = max(1.0 - sum(frame.values()), 1e-7)
        rows.append(np.log(p / p.sum()))
    return np.array(rows, dtype=np.float32)


# "bad" is what the acoustics favour (d 0.5 against t 0.45 on one frame); "bat" is the rival.
BAD_OR_BAT = emissions({"b": 0.9}, {}, {"a": 0.9}, {}, {"d": 0.5, "t": 0.45}, {})

# Best path: frame 1 "b" (0.45), frame 2 blank (0.45) -> "b" with 0.2025; the best path of
# "a" is "a-" with 0.18. Summed over alignments, "a" = 0.16 + 0.18 + 0.06 = 0.40 beats
# "b" = 0.0675 + 0.2025 + 0.0225 = 0.2925. So merge=max says "b", merge=sum says "a".
SUM_OR_MAX = emissions({"a": 0.4, "b": 0.45}, {"a": 0.4, "b": 0.15})

# After frame 1 the best prefix is "a" (0.45); "b" (0.35) is second. Over both frames
# "b" = 0.35*0.6 + 0.35*0.4 + 0.2*0.6 = 0.47 beats "ab" = 0.27 and "a" = 0.18. A beam of 1
# keeps only "a" and ends in "ab"; a beam of 2 keeps "b" (0.35 + 0 from the pruned "").
NARROW_OR_WIDE = emissions({"a": 0.45, "b": 0.35}, {"b": 0.6})


def decode(lp: np.ndarray, *flags: str) -> str:
    """The text ``asr transcribe x.wav FLAGS`` would decode ``lp`` to."""
    args = build_parser().parse_args(["transcribe", "x.wav", *flags])
    cfg = decoder_config_from_args(args, task_decoder_config("asr"))
    return make_decoder(cfg, ALPHABET).decode(lp).text


@pytest.fixture(scope="module")
def bat_lm(tmp_path_factory) -> str:
    """A word 2-gram that knows "a bat" and never saw "bad"."""
    path = tmp_path_factory.mktemp("lm") / "bat.arpa"
    return str(write_arpa(["a bat", "the bat", "bat", "a tab"] * 3, path, 2))


def test_without_flags_the_acoustics_decide():
    assert decode(BAD_OR_BAT) == "bad"
    assert decode(BAD_OR_BAT, "--decoder", "beam") == "bad"


def test_lm_flag_changes_the_decision(bat_lm):
    assert decode(BAD_OR_BAT, "--lm", bat_lm, "--alpha", "1", "--beta", "0") == "bat"
    # alpha 0 weighs the LM out: the acoustics decide again
    assert decode(BAD_OR_BAT, "--lm", bat_lm, "--alpha", "0", "--beta", "0") == "bad"


def test_char_lm_flag_changes_the_decision(tmp_path):
    lm = write_arpa(["a bat", "bat", "tab bat"] * 3, tmp_path / "c.arpa", 4, unit="char")
    flags = ("--lm", str(lm), "--lm-unit", "char", "--alpha", "1", "--beta", "0")
    assert decode(BAD_OR_BAT, *flags) == "bat"


def test_lexicon_flag_allows_only_its_words(tmp_path):
    (tmp_path / "words.txt").write_text("bat\ntab\n")
    assert decode(BAD_OR_BAT, "--lexicon", str(tmp_path / "words.txt")) == "bat"


def test_hotword_flag_boosts_its_word():
    assert decode(BAD_OR_BAT, "--hotword", "bat") == "bat"
    assert decode(BAD_OR_BAT, "--hotword", "bat:0.01") == "bad"  # a tiny boost is not enough


def test_merge_flag_picks_the_best_alignment_or_the_most_probable_text():
    assert decode(SUM_OR_MAX) == "b"  # greedy: the best path
    assert decode(SUM_OR_MAX, "--merge", "max") == "b"
    assert decode(SUM_OR_MAX, "--merge", "sum") == "a"


def test_beam_size_flag_limits_the_search():
    assert decode(NARROW_OR_WIDE, "--beam-size", "1") == "ab"
    assert decode(NARROW_OR_WIDE, "--beam-size", "2") == "b"
    assert decode(NARROW_OR_WIDE, "--beam-size", "64") == "b"


def test_nbest_flag_gives_distinct_alternatives_best_first():
    args = build_parser().parse_args(["transcribe", "x.wav", "--nbest", "3"])
    cfg = decoder_config_from_args(args, task_decoder_config("asr"))
    hyps = make_decoder(cfg, ALPHABET).decode_nbest(SUM_OR_MAX, cfg.nbest)
    # summed probabilities (worked out above): "a" 0.40, "b" 0.2925, "ba" 0.18
    assert [h.text for h in hyps] == ["a", "b", "ba"]
    assert [h.score for h in hyps] == pytest.approx(np.log([0.40, 0.2925, 0.18]), abs=1e-3)
