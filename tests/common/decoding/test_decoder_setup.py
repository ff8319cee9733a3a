"""make_decoder, the shared decoding flags and the ``lm build`` subcommand."""

from __future__ import annotations

import argparse
from dataclasses import replace

import kenlm
import numpy as np
import pytest

from common.alphabet import Alphabet
from common.config import DecoderConfig, task_decoder_config
from common.decoding import CTCBeamDecoder, greedy_decode
from common.decoding.cli_args import add_decoder_arguments, decoder_config_from_args
from common.decoding.factory import GreedyDecoder, make_decoder
from common.lm import add_lm_parser, write_arpa

ALPHABET = Alphabet.from_chars(" abt")


def log_probs(seed: int, n_frames: int = 12) -> np.ndarray:
    x = np.random.default_rng(seed).normal(scale=3.0, size=(n_frames, len(ALPHABET)))
    return (x - np.logaddexp.reduce(x, axis=1, keepdims=True)).astype(np.float32)


def test_greedy_config_gives_greedy_decoding():
    decoder = make_decoder(DecoderConfig(kind="greedy"), ALPHABET)
    lp = log_probs(0)
    assert isinstance(decoder, GreedyDecoder)
    assert decoder.decode(lp) == greedy_decode(lp, ALPHABET)
    assert decoder.decode_nbest(lp, 3) == [greedy_decode(lp, ALPHABET)]
    assert decoder.decode_batch([lp, lp[:3]]) == [decoder.decode(lp), decoder.decode(lp[:3])]


def test_beam_config_with_word_and_char_lms(tmp_path):
    word = write_arpa(["a bat", "bat a tab"], tmp_path / "w.arpa", 2)
    char = write_arpa(["a bat", "bat a tab"], tmp_path / "c.arpa", 3, unit="char")
    lp = log_probs(1)
    for path, unit in ((word, "word"), (char, "char")):
        cfg = DecoderConfig(kind="beam", beam_size=8, lm=str(path), lm_unit=unit, nbest=2)
        decoder = make_decoder(cfg, ALPHABET)
        assert isinstance(decoder, CTCBeamDecoder)
        nbest = decoder.decode_nbest(lp, 2)
        assert nbest[0].score >= nbest[1].score and nbest[0] == decoder.decode(lp)


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        (DecoderConfig(kind="viterbi"), "greedy|beam"),
        (DecoderConfig(kind="beam", merge="mean"), "sum|max"),
        (DecoderConfig(kind="beam", lm="missing.arpa"), "language model file not found"),
        (DecoderConfig(kind="beam", lexicon="missing.txt"), "lexicon file not found"),
        (DecoderConfig(kind="beam", lm="x.arpa", lm_unit="bpe"), "lm_unit"),
        (DecoderConfig(kind="greedy", hotwords=["bat"]), "need the beam decoder"),
        # pruning fields reach the decoder, which checks them
        (DecoderConfig(kind="beam", beam_threshold=0.0), "beam_threshold must be positive"),
        (DecoderConfig(kind="beam", blank_skip_threshold=0.0), "blank_skip_threshold"),
    ],
)
def test_bad_configs_raise(cfg, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.arpa").write_text("\\data\\\n")
    with pytest.raises(ValueError, match=message):
        make_decoder(cfg, ALPHABET)


def test_char_lm_given_as_word_lm_is_refused(tmp_path):
    char = write_arpa(["a bat"], tmp_path / "c.arpa", 3, unit="char")
    with pytest.raises(ValueError, match="char-level"):
        make_decoder(DecoderConfig(kind="beam", lm=str(char)), ALPHABET)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_decoder_arguments(parser)
    return parser.parse_args(list(argv))


def test_unset_flags_keep_the_base():
    base = DecoderConfig(kind="beam", beam_size=7, alpha=0.9, hotwords=["x"], nbest=2)
    args = parse()
    assert decoder_config_from_args(args, base) == base
    assert args.nbest == 2


def test_flags_override_and_imply_beam():
    args = parse(
        "--lm", "lm.arpa", "--alpha", "0.3", "--beta", "2", "--hotword", "new york:4",
        "--hotword", "cat", "--nbest", "3", "--lm-unit", "char", "--merge", "max",
    )  # fmt: skip
    cfg = decoder_config_from_args(args, DecoderConfig())
    assert (cfg.kind, cfg.lm, cfg.lm_unit, cfg.alpha, cfg.beta) == (
        "beam",
        "lm.arpa",
        "char",
        0.3,
        2.0,
    )
    assert (cfg.hotwords, cfg.nbest, cfg.beam_size) == (["new york:4", "cat"], 3, 64)
    assert cfg.merge == "max"
    viterbi = make_decoder(replace(cfg, lm=None, hotwords=[]), ALPHABET)  # max, no LM: greedy
    assert viterbi.decode(log_probs(5)).text == greedy_decode(log_probs(5), ALPHABET).text


def test_beam_flags_with_explicit_greedy_are_an_error():
    with pytest.raises(ValueError, match="--lexicon requires --decoder beam"):
        decoder_config_from_args(
            parse("--decoder", "greedy", "--lexicon", "w.txt"), DecoderConfig()
        )


def test_bad_beam_size_is_a_parse_error(capsys):
    with pytest.raises(SystemExit):
        parse("--beam-size", "0")
    assert "positive integer" in capsys.readouterr().err


def lm_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="asr")
    add_lm_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_lm_build_writes_a_kenlm_loadable_model(tmp_path):
    (tmp_path / "a.txt").write_text("The cat sat.\nA dog, barking!\n")
    (tmp_path / "b.txt").write_text("the cat's mat\n")
    out = tmp_path / "models" / "lm.arpa"
    assert (
        lm_cli(
            "lm",
            "build",
            str(tmp_path / "a.txt"),
            str(tmp_path / "b.txt"),
            "-o",
            str(out),
            "--order",
            "2",
        )
        == 0
    )
    model = kenlm.Model(str(out))
    assert model.order == 2
    assert model.score("the cat") > model.score("mat barking")
    assert "cat's" in out.read_text()
    assert [p.name for p in out.parent.iterdir()] == ["lm.arpa"]  # no temp file left


def test_lm_build_char_unit(tmp_path):
    (tmp_path / "t.txt").write_text("ab ba\n")
    out = tmp_path / "c.arpa"
    assert lm_cli("lm", "build", str(tmp_path / "t.txt"), "-o", str(out), "--unit", "char") == 0
    assert kenlm.Model(str(out)).order == 6
    assert "<sp>" in out.read_text()


@pytest.mark.parametrize(
    ("content", "message"), [(None, "text file not found"), ("\n  \n", "no text in")]
)
def test_lm_build_input_errors(tmp_path, content, message):
    if content is not None:
        (tmp_path / "t.txt").write_text(content)
    with pytest.raises(ValueError, match=message):
        lm_cli("lm", "build", str(tmp_path / "t.txt"), "-o", str(tmp_path / "o.arpa"))
    assert not (tmp_path / "o.arpa").exists()


def test_lm_help_texts(capsys):
    with pytest.raises(SystemExit):
        lm_cli("lm", "build", "--help")
    text = capsys.readouterr().out
    for flag in ("--order", "--unit", "-o", "Kneser-Ney", "<sp>"):
        assert flag in text


def test_commands_take_their_beam_defaults_from_the_task_yaml():
    asr, ink = task_decoder_config("asr"), task_decoder_config("handwriting")
    assert asr.kind == ink.kind == "greedy"
    assert (asr.lm_unit, asr.alpha, asr.beta) == ("word", 0.5, 1.0)
    assert (ink.lm_unit, ink.alpha, ink.beta, ink.beam_size) == ("char", 0.2, 1.0, 32)
    parser = argparse.ArgumentParser()
    add_decoder_arguments(parser, ink)
    cfg = decoder_config_from_args(parser.parse_args(["--lm", "chars.arpa"]), ink)
    assert (cfg.kind, cfg.lm, cfg.lm_unit, cfg.alpha) == ("beam", "chars.arpa", "char", 0.2)
