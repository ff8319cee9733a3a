"""Command options at the edges the promise tests leave: each found by a surviving mutant
of ``bench/mutate.py`` (ids in brackets) and checked here against what the help promises.

Decoder setup (``common.decoding``): a greedy config never drops an LM silently [D8];
beta adds its bonus per word [D3];
``--decoder beam`` alone selects beam search [D16]. Inputs (``common.cli_util``): a
folder's ``.WAV``/``.XML`` files are found like lower-case ones [A12].
"""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from common.alphabet import Alphabet
from common.cli_util import expand_inputs
from common.config import DecoderConfig
from common.decoding.cli_args import add_decoder_arguments, decoder_config_from_args
from common.decoding.factory import DecoderSetupError, make_decoder
from common.lm import write_arpa

ALPHABET = Alphabet.from_chars(" abt")


def test_a_greedy_config_with_an_lm_is_refused_not_decoded_without_it(tmp_path):
    """[D8] The LM would be ignored: say so instead of decoding as if it were not there."""
    lm = write_arpa(["a bat"], tmp_path / "w.arpa", 2)
    for unit in ("word", "char"):
        with pytest.raises(DecoderSetupError, match="need the beam decoder"):
            make_decoder(DecoderConfig(kind="greedy", lm=str(lm), lm_unit=unit), ALPHABET)


def flags(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_decoder_arguments(parser)
    return parser.parse_args(argv)


def test_decoder_beam_alone_selects_beam_search_with_the_base_settings():
    """[D16] ``--decoder beam`` with no other flag: beam search, the base's beam size."""
    base = DecoderConfig(kind="greedy", beam_size=12, alpha=0.3)
    cfg = decoder_config_from_args(flags("--decoder", "beam"), base)
    assert (cfg.kind, cfg.beam_size, cfg.alpha) == ("beam", 12, 0.3)
    assert decoder_config_from_args(flags(), base).kind == "greedy"
    beam_base = DecoderConfig(kind="beam")
    assert decoder_config_from_args(flags("--decoder", "greedy"), beam_base).kind == "greedy"


def test_folders_are_searched_for_suffixes_in_any_case(tmp_path):
    """[A12] Recorders and scanners write ``.WAV`` and ``.XML``: found like ``.wav``."""
    for name in ("a.wav", "b.WAV", "deep/c.Flac", "notes.txt", "d.wav.bak"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    found = expand_inputs([str(tmp_path)], {".wav", ".flac"})
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.wav", "b.WAV", "deep/c.Flac"]


def spelled(text: str, p: float = 0.9) -> np.ndarray:
    """(T, V) log-probabilities spelling ``text`` one character per frame, blanks between."""
    frames = []
    for c in text:
        frames += [ALPHABET.index()[c], 0]
    lp = np.full((len(frames), len(ALPHABET)), np.log((1 - p) / (len(ALPHABET) - 1)))
    lp[np.arange(len(frames)), frames] = np.log(p)
    return lp.astype(np.float32)


def test_word_bonus_beta_adds_to_the_score_per_word(tmp_path):
    """[D3] The help's formula: score = ln P_ctc + alpha ln P_lm + beta * words."""
    lm = write_arpa(["a bat", "bat a tab"], tmp_path / "w.arpa", 2)
    lp = spelled("a bat")
    scores = {}
    for beta in (0.0, 2.0):
        cfg = DecoderConfig(kind="beam", beam_size=8, lm=str(lm), alpha=0.5, beta=beta)
        hyp = make_decoder(cfg, ALPHABET).decode(lp)
        assert hyp.text == "a bat"
        scores[beta] = hyp.score
    assert scores[2.0] - scores[0.0] == pytest.approx(2.0 * 2, abs=1e-3)  # float32 sums
