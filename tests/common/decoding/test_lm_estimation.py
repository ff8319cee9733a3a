"""Modified Kneser-Ney estimation (common.lm): ARPA validity, normalisation, oracle perplexity."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import kenlm
import pytest

from common.lm import build_arpa, estimate, normalize_sentence, sentence_tokens, write_arpa
from common.lm.kneser_ney import FALLBACK_DISCOUNTS, modified_discounts

TRAIN = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat and a dog",
    "the cat saw the dog",
    "a dog sat",
    "on the mat the cat sat",
    "the log and the mat",
    "a cat sat on a dog",
]
HELD_OUT = ["the cat sat on the log", "a bird sat on the mat", "the dog and the cat"]


def test_unigram_model_by_hand():
    # counts a:2 b:1 </s>:2 -> fallback discounts (0.5, 1, 1.5), total 5, gamma 0.5, |V| = 4
    arpa = build_arpa(["a b", "a"], order=1)
    probs = {line.split("\t")[1]: float(line.split("\t")[0]) for line in arpa.splitlines()[4:9]}
    assert probs["a"] == pytest.approx(math.log10(0.325), abs=1e-6)
    assert probs["b"] == pytest.approx(math.log10(0.225), abs=1e-6)
    assert probs["</s>"] == pytest.approx(math.log10(0.325), abs=1e-6)
    assert probs["<unk>"] == pytest.approx(math.log10(0.125), abs=1e-6)
    assert probs["<s>"] == -99


def test_discounts_from_count_of_counts():
    counts = Counter({("a",): 1, ("b",): 1, ("c",): 1, ("d",): 2, ("e",): 3, ("f",): 4})
    y = 3 / (3 + 2 * 1)
    assert modified_discounts(counts) == pytest.approx(
        (1 - 2 * y * 1 / 3, 2 - 3 * y * 1 / 1, 3 - 4 * y * 1 / 1)
    )
    assert modified_discounts(Counter({("a",): 1})) == FALLBACK_DISCOUNTS


@pytest.fixture(scope="module")
def trigram(tmp_path_factory):
    path = tmp_path_factory.mktemp("lm") / "tri.arpa"
    write_arpa(TRAIN, path, order=3)
    return kenlm.Model(str(path))


def _state_after(model: kenlm.Model, context: tuple[str, ...]) -> kenlm.State:
    state = kenlm.State()
    if context and context[0] == "<s>":
        model.BeginSentenceWrite(state)
        context = context[1:]
    else:
        model.NullContextWrite(state)
    for word in context:
        out = kenlm.State()
        model.BaseScore(state, word, out)
        state = out
    return state


def test_every_context_sums_to_one(trigram):
    model = estimate([s.split() for s in TRAIN], 3)
    vocab = [w for (w,) in model.probs[0]]  # every word, </s> and <unk>; <s> is never predicted
    contexts = {()} | {g for level in model.probs[:2] for g in level} | {("<s>",)}
    for context in contexts:
        state = _state_after(trigram, context)
        total = sum(10 ** trigram.BaseScore(state, w, kenlm.State()) for w in vocab)
        assert total == pytest.approx(1.0, abs=1e-4), context


def kn_reference(sentences: list[list[str]], order: int):
    """Interpolated modified Kneser-Ney written out directly from its definition."""
    padded = [["<s>", *s, "</s>"] for s in sentences]
    grams = [set() for _ in range(order + 1)]
    raw = Counter()
    for s in padded:
        for n in range(1, order + 1):
            for i in range(len(s) - n + 1):
                grams[n].add(tuple(s[i : i + n]))
                raw[tuple(s[i : i + n])] += 1

    def count(g):  # adjusted count
        if len(g) == order or g[0] == "<s>":
            return raw[g]
        return len({h for h in grams[len(g) + 1] if h[1:] == g})

    def discounts(n):
        cc = Counter(count(g) for g in grams[n] if g != ("<s>",))
        if min(cc[1], cc[2], cc[3], cc[4]) == 0:
            return (0.5, 1.0, 1.5)
        y = cc[1] / (cc[1] + 2 * cc[2])
        return tuple(k - (k + 1) * y * cc[k + 1] / cc[k] for k in (1, 2, 3))

    disc = {n: discounts(n) for n in range(1, order + 1)}
    followers = defaultdict(list)
    for n in range(1, order + 1):
        for g in grams[n]:
            if g != ("<s>",):
                followers[g[:-1]].append(g)
    vocab_size = len({g for g in grams[1] if g != ("<s>",)} | {("<unk>",)})

    def prob(word, history):
        if not history:
            base = 1.0 / vocab_size
        else:
            base = prob(word, history[1:])
        seen = followers.get(history)
        if not seen:
            return base
        d = disc[len(history) + 1]
        total = sum(count(g) for g in seen)
        gamma = sum(d[min(count(g), 3) - 1] for g in seen) / total
        a = count(history + (word,)) if history + (word,) in grams[len(history) + 1] else 0
        return max(a - d[min(a, 3) - 1], 0) / total * (a > 0) + gamma * base

    return prob


def test_perplexity_matches_a_direct_calculation(trigram):
    prob = kn_reference([s.split() for s in TRAIN], 3)
    vocab = {w for s in TRAIN for w in s.split()}
    log_sum, n_tokens = 0.0, 0
    for sentence in HELD_OUT:
        words = [w if w in vocab else "<unk>" for w in sentence.split()] + ["</s>"]
        history = ("<s>",)
        for w in words:
            log_sum += math.log10(prob(w, history[-2:]))
            history = (*history, w)
        n_tokens += len(words)
    expected = 10 ** (-log_sum / n_tokens)
    got = 10 ** (-sum(trigram.score(s) for s in HELD_OUT) / n_tokens)
    assert got == pytest.approx(expected, rel=1e-4)


def test_char_units_use_space_token(tmp_path):
    assert sentence_tokens("ab c", "char") == ["a", "b", "<sp>", "c"]
    path = write_arpa(["ab c", "c ab"], tmp_path / "c.arpa", order=3, unit="char")
    model = kenlm.Model(str(path))
    assert model.order == 3
    assert model.score("a b <sp> c") > model.score("c c c c")


def test_normalisation_keeps_apostrophes():
    assert normalize_sentence("  It's   WELL-known, (really)! ") == "it's well known really"


@pytest.mark.parametrize(
    ("sentences", "order", "unit", "message"),
    [
        ([], 3, "word", "no text"),
        (["...", "  "], 3, "word", "no text"),
        (["a b"], 0, "word", "at least 1"),
        (["a b"], 2, "bpe", "word|char"),
    ],
)
def test_bad_input_raises(sentences, order, unit, message):
    with pytest.raises(ValueError, match=message):
        build_arpa(sentences, order, unit)
