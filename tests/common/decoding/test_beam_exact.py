"""The beam search against exact enumeration on tiny inputs, and against greedy decoding.

The reference enumerates every label sequence and sums its CTC paths with the
forward algorithm (Graves 2006); for ``merge="max"`` it enumerates every
alignment and keeps each label sequence's best.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.alphabet import Alphabet
from common.decoding import CTCBeamDecoder, greedy_decode

LABELS = ["<blank>", " ", "a", "b"]


def ctc_log_prob(lp: np.ndarray, tokens: tuple[int, ...]) -> float:
    """ln P(tokens | lp) by the CTC forward algorithm (Graves 2006), blank = 0."""
    n_frames = len(lp)
    if n_frames == 0:
        return 0.0 if not tokens else -np.inf
    ext = [0]
    for tok in tokens:
        ext += [tok, 0]
    alpha = np.full(len(ext), -np.inf)
    alpha[0] = lp[0, 0]
    if len(ext) > 1:
        alpha[1] = lp[0, ext[1]]
    for t in range(1, n_frames):
        new = np.full(len(ext), -np.inf)
        for s, label in enumerate(ext):
            terms = [alpha[s]]
            if s >= 1:
                terms.append(alpha[s - 1])
            if s >= 2 and label != 0 and ext[s - 2] != label:
                terms.append(alpha[s - 2])
            new[s] = np.logaddexp.reduce(terms) + lp[t, label]
        alpha = new
    return float(np.logaddexp.reduce(alpha[-2:]) if len(ext) > 1 else alpha[-1])


def all_sequences(n_frames: int, n_labels: int) -> list[tuple[int, ...]]:
    """Every label sequence (non-blank ids) of length 0..n_frames."""
    symbols = range(1, n_labels)
    return [seq for n in range(n_frames + 1) for seq in itertools.product(symbols, repeat=n)]


def ranked(lp: np.ndarray, score_extra=lambda seq: 0.0) -> list[tuple[float, tuple[int, ...]]]:
    """(total score, sequence) for every feasible sequence, best first."""
    rows = []
    for seq in all_sequences(len(lp), lp.shape[1]):
        acoustic = ctc_log_prob(lp, seq)
        if acoustic > -np.inf:
            rows.append((acoustic + score_extra(seq), seq))
    return sorted(rows, key=lambda r: -r[0])


def viterbi_ranked(
    lp: np.ndarray, score_extra=lambda seq: 0.0
) -> list[tuple[float, tuple[int, ...]]]:
    """(best alignment score + extra, sequence) for every sequence, best first."""
    best: dict[tuple[int, ...], float] = {}
    for path in itertools.product(range(lp.shape[1]), repeat=len(lp)):
        seq = tuple(k for i, k in enumerate(path) if k != 0 and (i == 0 or path[i - 1] != k))
        score = float(lp[np.arange(len(lp)), list(path)].sum())
        best[seq] = max(best.get(seq, -np.inf), score)
    return sorted(((s + score_extra(q), q) for q, s in best.items()), key=lambda r: -r[0])


def random_log_probs(rng: np.random.Generator, n_frames: int, n_labels: int, scale: float):
    """(T, V) float32 log-softmax of Gaussian logits."""
    x = rng.normal(scale=scale, size=(n_frames, n_labels))
    lp = x - np.logaddexp.reduce(x, axis=1, keepdims=True)
    return lp.astype(np.float32).reshape(n_frames, n_labels)


def exhaustive(labels: list[str], **kw) -> CTCBeamDecoder:
    """A decoder that keeps every prefix of up to 5 frames and prunes nothing."""
    return CTCBeamDecoder(
        labels,
        beam_size=400,
        token_min_logp=-np.inf,
        blank_skip_threshold=1.0,
        beam_threshold=np.inf,
        **kw,
    )


emissions = st.tuples(
    st.integers(0, 5), st.integers(2, 4), st.floats(0.1, 6.0), st.integers(0, 2**32 - 1)
).map(lambda a: random_log_probs(np.random.default_rng(a[3]), a[0], a[1], a[2]))


@settings(max_examples=60, deadline=None)
@given(emissions)
def test_best_equals_brute_force(lp):
    labels = LABELS[: lp.shape[1]]
    hyp = exhaustive(labels).decode(lp)
    best_score, _ = ranked(lp)[0]
    assert hyp.score == pytest.approx(best_score, abs=1e-4)
    assert hyp.acoustic_score == pytest.approx(best_score, abs=1e-4)
    assert hyp.text == "".join(labels[t] for t in hyp.tokens)


@settings(max_examples=40, deadline=None)
@given(emissions, st.integers(1, 6))
def test_nbest_scores_are_sequence_probabilities(lp, k):
    labels = LABELS[: lp.shape[1]]
    truth = ranked(lp)
    exact = dict((seq, score) for score, seq in truth)
    nbest = exhaustive(labels).decode_nbest(lp, k)
    assert len(nbest) == min(k, len(truth))
    for hyp, (score, _) in zip(nbest, truth, strict=False):
        assert hyp.acoustic_score == pytest.approx(exact[hyp.tokens], abs=1e-4)
        assert hyp.score == pytest.approx(score, abs=1e-4)  # the k best, in order
    assert len({h.tokens for h in nbest}) == len(nbest)


@settings(max_examples=40, deadline=None)
@given(emissions, st.integers(1, 4))
def test_max_merge_nbest_equals_best_alignments(lp, k):
    labels = LABELS[: lp.shape[1]]
    truth = viterbi_ranked(lp)
    nbest = exhaustive(labels, merge="max").decode_nbest(lp, k)
    assert len(nbest) == min(k, len(truth))
    for hyp, (score, _) in zip(nbest, truth, strict=False):
        assert hyp.acoustic_score == pytest.approx(score, abs=1e-4)
        assert hyp.score == pytest.approx(score, abs=1e-4)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.floats(0.5, 4.0), st.integers(1, 16), st.integers(0, 2**32 - 1))
def test_max_merge_without_lm_equals_greedy_at_any_beam(n_frames, scale, beam, seed):
    """The greedy path's prefix holds the best alignment score at every frame, so it is
    never pruned: Viterbi beam search without an LM is greedy decoding."""
    alphabet = Alphabet.from_chars(" abcde")
    lp = random_log_probs(np.random.default_rng(seed), n_frames, len(alphabet), scale)
    hyp = CTCBeamDecoder(list(alphabet.tokens), beam_size=beam, merge="max").decode(lp)
    greedy = greedy_decode(lp, alphabet)
    assert hyp.text == greedy.text
    assert hyp.acoustic_score == pytest.approx(greedy.score, abs=1e-3)


def test_empty_input_gives_empty_hypothesis():
    hyp = exhaustive(LABELS).decode(np.zeros((0, 4), dtype=np.float32))
    assert (hyp.text, hyp.tokens, hyp.score, hyp.words) == ("", (), 0.0, ())


def peaky(rng: np.random.Generator, n_frames: int, n_labels: int) -> np.ndarray:
    """Log-probs whose best label per frame has probability above 0.9."""
    x = rng.normal(size=(n_frames, n_labels))
    x[np.arange(n_frames), rng.integers(0, n_labels, n_frames)] += 8.0
    return (x - np.logaddexp.reduce(x, axis=1, keepdims=True)).astype(np.float32)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.integers(0, 2**32 - 1))
def test_beam_one_equals_greedy(n_frames, seed):
    alphabet = Alphabet.from_chars(" abcde")
    lp = peaky(np.random.default_rng(seed), n_frames, len(alphabet))
    beam = CTCBeamDecoder(list(alphabet.tokens), beam_size=1).decode(lp)
    greedy = greedy_decode(lp, alphabet)
    assert beam.text == greedy.text
    assert beam.token_frames == greedy.token_frames
    assert beam.token_end_frames == greedy.token_end_frames


def test_token_frames_follow_the_best_path():
    lp = np.log(
        np.array(
            [[0.1, 0.0, 0.9, 0.0], [0.1, 0.0, 0.9, 0.0], [0.9, 0.0, 0.0, 0.1], [0.1, 0.0, 0.0, 0.9]]
        )
        + 1e-9
    ).astype(np.float32)
    lp -= np.logaddexp.reduce(lp, axis=1, keepdims=True)
    hyp = CTCBeamDecoder(LABELS, beam_size=8).decode(lp)
    assert hyp.text == "ab"
    assert hyp.token_frames == (0, 3)
    assert hyp.token_end_frames == (2, 4)
    assert [(w.word, w.start_frame, w.end_frame) for w in hyp.words] == [("ab", 0, 4)]


def test_batch_equals_one_by_one():
    rng = np.random.default_rng(3)
    batch = [random_log_probs(rng, n, 4, 2.0) for n in (7, 0, 12)]
    decoder = CTCBeamDecoder(LABELS, beam_size=4)
    assert decoder.decode_batch(batch) == [decoder.decode(lp) for lp in batch]


def test_torch_input_is_accepted():
    torch = pytest.importorskip("torch")
    lp = random_log_probs(np.random.default_rng(1), 9, 4, 3.0)
    decoder = CTCBeamDecoder(LABELS, beam_size=4)
    assert decoder.decode(torch.from_numpy(lp)) == decoder.decode(lp)


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((3, 5), dtype=np.float32), r"expected \(T, 4\)"),
        (np.full((3, 4), np.nan, dtype=np.float32), "NaN"),
        (np.zeros((3, 4), dtype=np.float32), "log_softmax"),
    ],
)
def test_bad_emissions_raise(array, message):
    with pytest.raises(ValueError, match=message):
        CTCBeamDecoder(LABELS).decode(array)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"beam_size": 0}, "beam size"),
        ({"token_topk": -1}, "token_topk"),
        ({"blank_skip_threshold": 0.0}, "blank_skip_threshold"),
        ({"merge": "mean"}, "sum|max"),
    ],
)
def test_bad_settings_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CTCBeamDecoder(LABELS, **kwargs)


LN10 = np.log(10.0)
CORPUS = ["a b", "ab ab", "b a a", "ba", "a ab b", "b"]


@pytest.fixture(scope="module")
def char_arpa(tmp_path_factory):
    from common.lm import write_arpa

    return write_arpa(CORPUS, tmp_path_factory.mktemp("lm") / "char.arpa", 3, unit="char")


@pytest.fixture(scope="module")
def word_arpa(tmp_path_factory):
    from common.lm import write_arpa

    return write_arpa(CORPUS, tmp_path_factory.mktemp("lm") / "word.arpa", 2, unit="word")


def char_lm_extra(model, alpha: float, beta: float):
    """alpha * ln P_charLM(text </s>) + beta per character, scored by KenLM itself."""

    def extra(seq: tuple[int, ...]) -> float:
        tokens = " ".join("<sp>" if LABELS[t] == " " else LABELS[t] for t in seq)
        return alpha * LN10 * model.score(tokens, bos=True, eos=True) + beta * len(seq)

    return extra


def word_lm_extra(model, alpha: float, beta: float):
    """alpha * ln P_wordLM(words </s>) + beta per word, scored by KenLM itself."""

    def extra(seq: tuple[int, ...]) -> float:
        words = "".join(LABELS[t] for t in seq).split()
        return alpha * LN10 * model.score(" ".join(words), bos=True, eos=True) + beta * len(words)

    return extra


lm_emissions = st.tuples(st.integers(0, 5), st.floats(0.1, 4.0), st.integers(0, 2**32 - 1)).map(
    lambda a: random_log_probs(np.random.default_rng(a[2]), a[0], 4, a[1])
)


@settings(max_examples=30, deadline=None)
@given(lm_emissions, st.floats(0.0, 2.0), st.floats(-2.0, 2.0))
def test_char_lm_nbest_equals_brute_force(char_arpa, lp, alpha, beta):
    import kenlm

    from common.decoding.char_lm import CharLM

    decoder = exhaustive(LABELS, lm=CharLM.load(char_arpa), alpha=alpha, beta=beta)
    truth = ranked(lp, char_lm_extra(kenlm.Model(str(char_arpa)), alpha, beta))
    for hyp, (score, seq) in zip(decoder.decode_nbest(lp, 3), truth, strict=False):
        assert hyp.score == pytest.approx(score, abs=1e-3), (hyp.tokens, seq)


@settings(max_examples=30, deadline=None)
@given(lm_emissions, st.floats(0.0, 2.0), st.floats(-2.0, 2.0))
def test_char_lm_with_max_merge_equals_best_alignments(char_arpa, lp, alpha, beta):
    import kenlm

    from common.decoding.char_lm import CharLM

    decoder = exhaustive(LABELS, lm=CharLM.load(char_arpa), alpha=alpha, beta=beta, merge="max")
    truth = viterbi_ranked(lp, char_lm_extra(kenlm.Model(str(char_arpa)), alpha, beta))
    for hyp, (score, seq) in zip(decoder.decode_nbest(lp, 3), truth, strict=False):
        assert hyp.score == pytest.approx(score, abs=1e-3), (hyp.tokens, seq)


@settings(max_examples=30, deadline=None)
@given(lm_emissions, st.floats(0.0, 2.0), st.floats(-2.0, 2.0))
def test_word_lm_nbest_equals_brute_force(word_arpa, lp, alpha, beta):
    import kenlm

    from common.decoding.lm import KenLMWordLM as WordLM

    model = kenlm.Model(str(word_arpa))
    decoder = exhaustive(LABELS, lm=WordLM(model), alpha=alpha, beta=beta)
    truth = ranked(lp, word_lm_extra(model, alpha, beta))
    for hyp, (score, seq) in zip(decoder.decode_nbest(lp, 3), truth, strict=False):
        assert hyp.score == pytest.approx(score, abs=1e-3), (hyp.tokens, seq)


def vocabulary_extra(model, vocab: set[str], alpha: float, beta: float):
    """Word-LM score plus alpha * the decoder's penalty for each word outside ``vocab``."""
    from common.decoding.tables import UNK_WORD_PENALTY

    lm_part = word_lm_extra(model, alpha, beta)

    def extra(seq: tuple[int, ...]) -> float:
        words = "".join(LABELS[t] for t in seq).split()
        return lm_part(seq) + alpha * UNK_WORD_PENALTY * sum(w not in vocab for w in words)

    return extra


@settings(max_examples=30, deadline=None)
@given(lm_emissions, st.floats(0.0, 2.0), st.floats(-2.0, 2.0))
def test_arpa_word_lm_nbest_equals_brute_force(word_arpa, lp, alpha, beta):
    import kenlm

    from common.decoding.lm import ArpaWordLM

    lm = ArpaWordLM.load(word_arpa)
    decoder = exhaustive(LABELS, lm=lm, alpha=alpha, beta=beta)
    truth = ranked(lp, vocabulary_extra(kenlm.Model(str(word_arpa)), lm.vocabulary, alpha, beta))
    for hyp, (score, seq) in zip(decoder.decode_nbest(lp, 3), truth, strict=False):
        assert hyp.score == pytest.approx(score, abs=1e-3), (hyp.tokens, seq)


@settings(max_examples=30, deadline=None)
@given(lm_emissions)
def test_lexicon_nbest_equals_brute_force_over_lexicon_sequences(lp):
    lexicon = {"a", "ab", "bab"}

    def extra(seq: tuple[int, ...]) -> float:
        words = "".join(LABELS[t] for t in seq).split()
        return 0.0 if set(words) <= lexicon else -np.inf

    truth = [row for row in ranked(lp, extra) if row[0] > -np.inf]
    nbest = exhaustive(LABELS, lexicon=sorted(lexicon)).decode_nbest(lp, 3)
    if not truth:  # no sequence of lexicon words fits: the decoder falls back to its best
        return
    assert len(nbest) == min(3, len(truth))
    for hyp, (score, _) in zip(nbest, truth, strict=False):
        assert hyp.score == pytest.approx(score, abs=1e-4)


def test_multi_character_labels_are_refused():
    with pytest.raises(ValueError, match="single characters"):
        CTCBeamDecoder(["<blank>", "ab", "c"])
