"""Hostile ARPA files (word and char LMs): loaded and compiled, or refused with one ``LMError``,
quickly and in bounded memory (issue #12, defect 7)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from common.decoding.arpa import MAX_ORDER, LMError, read_arpa
from common.decoding.char_lm import CharLM
from common.decoding.lm import ArpaWordLM, load_word_lm
from common.lm.arpa_writer import build_arpa

SENTENCES = ["the cat sat", "a cat ran", "the dog sat on a mat", "a dog ran home"]
LABELS = ("<b>", " ", *"abcdefghijklmnopqrstuvwxyz'")
WORD = build_arpa(SENTENCES, 3, "word").encode()
CHAR = build_arpa(SENTENCES, 4, "char").encode()


def load_word(path):
    return ArpaWordLM(read_arpa(path))


def load_char(path):
    return CharLM.load(path).tables(LABELS)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("\\data\\\nngram 1=1\n\n\\0-grams:\n-1 a\n\\end\\\n", "order 0 outside"),
        ("\\data\\\n\\100000000-grams:\n\\end\\\n", f"outside 1..{MAX_ORDER}"),
        ("\\data\\\n\\1-grams:\n-1 a\n\\3-grams:\n-1 a b c\n\\end\\\n", "out of order"),
        ("\\data\\\n\\1-grams:\nnan a\n-1 </s>\n\\end\\\n", "non-finite"),
        ("\\data\\\n\\1-grams:\n-1 a inf\n\\end\\\n", "non-finite"),
        ("\\data\\\n\\1-grams:\n-1 a x\n\\end\\\n", "malformed"),
        ("\\data\\\n\\1-grams:\n-1 " + "a" * 100_000 + "\n\\end\\\n", "line longer"),
    ],
)
def test_impossible_arpa_files_are_lm_errors(tmp_path, bounded, body, message):
    path = tmp_path / "lm.arpa"
    path.write_text(body)
    out = bounded(lambda: read_arpa(path), LMError, seconds=1.0, megabytes=16)
    assert message in str(out.error)


def test_nan_log_probability_no_longer_changes_the_model(tmp_path):
    text = WORD.decode()
    line = next(x for x in text.splitlines() if x.split()[1:2] == ["cat"] and len(x.split()) < 4)
    (tmp_path / "nan.arpa").write_text(text.replace(line, "nan\t" + line.split("\t", 1)[1], 1))
    with pytest.raises(LMError, match="non-finite"):
        read_arpa(tmp_path / "nan.arpa")


def test_char_lm_with_a_huge_vocabulary_compiles_only_the_label_columns(tmp_path, bounded):
    symbols = [chr(0x4E00 + i) for i in range(15_000)]
    lines = ["\\data\\", f"ngram 1={len(symbols) + 3}", f"ngram 2={len(symbols)}", "", "\\1-grams:"]
    lines += ["-99\t<s>\t-0.3", "-1.5\t</s>", "-1.5\t<sp>\t-0.2", "-5\ta\t-0.1"]
    lines += [f"-5\t{s}\t-0.1" for s in symbols[1:]]
    lines += ["", "\\2-grams:"] + [f"-1\t{s}\t<sp>" for s in symbols[1:]] + ["-1\t<s>\ta"]
    path = tmp_path / "big.arpa"
    path.write_text("\n".join([*lines, "", "\\end\\", ""]))
    out = bounded(lambda: load_char(path), LMError, seconds=10.0, megabytes=300)
    assert out.error is None
    assert out.result.logp.shape == (1 + len(symbols) + 3, len(LABELS))  # root + unigrams


@pytest.mark.parametrize(("valid", "load"), [(WORD, load_word), (CHAR, load_char)])
def test_mutated_arpa_is_loaded_or_refused_cleanly(tmp_path_factory, bounded, mutated, valid, load):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "ok.arpa").write_bytes(valid)
    load(folder / "ok.arpa")

    @settings(
        max_examples=60,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated(valid))
    def check(data: bytes) -> None:
        path = folder / "m.arpa"
        path.write_bytes(data)
        bounded(lambda: load(path), LMError, seconds=5.0, megabytes=256)

    check()


def test_word_lm_that_is_neither_arpa_nor_utf8_is_an_lm_error(tmp_path):
    path = tmp_path / "lm.bin"
    path.write_bytes(b"\\dat\xa4\xff\n\\1-grams:\n-1 a\n")
    with pytest.raises(LMError, match="KenLM cannot read"):
        load_word_lm(path)
