import numpy as np

from common.alphabet import Alphabet
from common.data import bucketed_batches
from common.decoding import greedy_decode
from common.metrics import cer, char_errors, wer, word_errors


def test_word_and_char_errors():
    assert word_errors("the cat sat", "the bat sat down").errors == 2
    assert char_errors("abc", "abd").errors == 1
    assert wer(["a b", "c d"], ["a b", "c"]) == 0.25
    assert cer(["ab"], [""]) == 1.0


def test_greedy_collapses_repeats_and_blanks_with_frames():
    alphabet = Alphabet.from_chars(" ab")
    path = [2, 3, 0, 3, 1, 2, 2, 0]  # a b _ b ' ' a a _ (space=1, a=2, b=3)
    lp = np.full((len(path), 4), -10.0, dtype=np.float32)
    lp[np.arange(len(path)), path] = 0.0
    hyp = greedy_decode(lp, alphabet)
    assert hyp.text == "abb a"
    assert hyp.token_frames == (0, 1, 3, 4, 5)
    assert hyp.token_end_frames == (1, 2, 4, 5, 7)
    assert [(w.word, w.start_frame, w.end_frame) for w in hyp.words] == [("abb", 0, 4), ("a", 5, 7)]


def test_bucketed_batches_cover_all_once_and_respect_limits():
    lengths = [float(x) for x in np.random.default_rng(0).integers(1, 20, size=103)]
    batches = bucketed_batches(lengths, batch_size=8, max_batch_length=60, seed=1, epoch=0)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(103))
    for b in batches:
        assert len(b) <= 8
        assert len(b) == 1 or max(lengths[i] for i in b) * len(b) <= 60
    assert batches == bucketed_batches(lengths, 8, 60, seed=1, epoch=0)
    assert batches != bucketed_batches(lengths, 8, 60, seed=1, epoch=1)
