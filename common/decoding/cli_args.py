"""The decoding flags every command (transcribe, evaluate, recognize, ...) shares.

Flags left out keep the values of the base ``DecoderConfig`` the command passes
in. Beam-only flags (``--lm``, ``--lexicon``, ``--hotword``, ``--beam-size``,
``--nbest`` above 1) switch a greedy base to beam search unless ``--decoder greedy`` is given, which
is then an error.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from common.cli_util import finite_float, positive_int
from common.config import DecoderConfig

# The choices of common.decoding.factory / .beam, repeated here so that building a
# parser (``--help``) does not import torch; tests pin them to the originals.
KINDS = ("greedy", "beam")
LM_UNITS = ("word", "char")
MERGES = ("sum", "max")

_BEAM_ONLY = {
    "lm": "--lm",
    "lexicon": "--lexicon",
    "hotword": "--hotword",
    "beam_size": "--beam-size",
    "merge": "--merge",
    "nbest": "--nbest > 1",
}


def add_decoder_arguments(
    parser: argparse.ArgumentParser, defaults: DecoderConfig | None = None
) -> None:
    """Add the decoding flags (``--decoder``, ``--beam-size``, ``--lm``, ... ``--nbest``);
    ``defaults`` (the command's base config) are quoted in the help."""
    d = defaults or DecoderConfig()
    g = parser.add_argument_group(
        "decoding",
        f"Flags left out keep the command's decoder settings (by default: {d.kind}; for beam "
        f"search: beam size {d.beam_size}, alpha {d.alpha}, beta {d.beta}, {d.lm_unit} LM, "
        f"merge {d.merge}, n-best {d.nbest}). Beam-only flags select the beam decoder.",
    )
    g.add_argument(
        "--decoder",
        choices=KINDS,
        default=None,
        help="greedy: best path, fastest; beam: prefix beam search (needed for --lm, "
        "--lexicon, --hotword, --nbest > 1)",
    )
    g.add_argument(
        "--beam-size",
        type=positive_int,
        default=None,
        metavar="N",
        help="prefixes kept per frame by beam search (wider: slower, sometimes more accurate)",
    )
    g.add_argument(
        "--lm",
        default=None,
        metavar="FILE",
        help="n-gram language model: KenLM ARPA or binary (word LM), or char-level ARPA "
        "with --lm-unit char; build one with the `lm build` command",
    )
    g.add_argument(
        "--lm-unit",
        choices=LM_UNITS,
        default=None,
        help="whether --lm is a word or a character n-gram model",
    )
    g.add_argument(
        "--alpha",
        type=finite_float,
        default=None,
        metavar="A",
        help="LM weight: beam score = ln P_ctc + A * ln P_lm + B * words (tune with tune-lm)",
    )
    g.add_argument(
        "--beta",
        type=finite_float,
        default=None,
        metavar="B",
        help="bonus per word (word LM) or per character (char LM) against short outputs",
    )
    g.add_argument(
        "--lexicon",
        default=None,
        metavar="FILE",
        help="allowed words, one per line (first field); nothing else is ever output",
    )
    g.add_argument(
        "--hotword",
        action="append",
        default=None,
        metavar="WORD[:BOOST]",
        help="boost a word or phrase ('new york:8' adds up to 8 per word); repeatable",
    )
    g.add_argument(
        "--merge",
        choices=MERGES,
        default=None,
        help="sum: a text scores the summed probability of its alignments (the most "
        "probable text); max: its best alignment (Viterbi; without --lm this is greedy)",
    )
    g.add_argument(
        "--nbest",
        type=positive_int,
        default=None,
        metavar="K",
        help="also report the K best hypotheses with acoustic, LM and total scores",
    )


def decoder_config_from_args(args: argparse.Namespace, base: DecoderConfig) -> DecoderConfig:
    """``base`` with the decoding flags given on the command line applied.

    ``args.nbest`` is set to the resulting ``nbest`` so callers can read it either way.

    Raises:
        ValueError: beam-only flags together with ``--decoder greedy``.
    """
    given = [name for name in _BEAM_ONLY if getattr(args, name) is not None]
    if args.nbest == 1:
        given.remove("nbest")
    kind = args.decoder or base.kind
    if given and kind == "greedy":
        if args.decoder == "greedy":
            flags = ", ".join(_BEAM_ONLY[name] for name in given)
            verb = "requires" if len(given) == 1 else "require"
            raise ValueError(f"{flags} {verb} --decoder beam")
        kind = "beam"
    updates = {
        "beam_size": args.beam_size,
        "lm": args.lm,
        "lm_unit": args.lm_unit,
        "alpha": args.alpha,
        "beta": args.beta,
        "lexicon": args.lexicon,
        "hotwords": list(args.hotword) if args.hotword else None,
        "merge": args.merge,
        "nbest": args.nbest,
    }
    cfg = replace(base, kind=kind, **{k: v for k, v in updates.items() if v is not None})
    args.nbest = cfg.nbest
    return cfg
