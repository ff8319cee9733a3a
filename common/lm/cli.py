"""The ``lm`` subcommand shared by the ``asr`` and ``handwriting`` command lines.

Text -> the task's normaliser (the model's alphabet and text settings) -> tokens
-> Kneser-Ney estimation -> ARPA file (``common.lm.arpa_writer``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from common.fileio import write_text_atomic
from common.lm.arpa_writer import LMBuildError, build_arpa
from common.lm.text import SPACE_TOKEN, UNITS, alphabet_normalizer, normalize_sentence

DEFAULT_ORDER = {"word": 3, "char": 6}

_BUILD_DESCRIPTION = f"""\
Estimate an n-gram language model with interpolated modified Kneser-Ney
smoothing and write it in ARPA format (readable by KenLM and by
`--lm FILE` of the decoding commands).

Text is read one sentence per line and normalised the way the model's own
transcripts were (its alphabet and text settings, from --model): the speech
models lowercase and strip punctuation except apostrophes, the ink models keep
capitals and punctuation. Words with characters outside the model's alphabet
are left out (the decoder could never write them). With --unit char every
character is a token and the word boundary is written as {SPACE_TOKEN} (decode
with a char LM: DecoderConfig.lm_unit=char / --lm-unit char).
"""


def add_lm_parser(
    subparsers: argparse._SubParsersAction,
    default_unit: str = "word",
    task: str | None = None,
    packaged_text: Callable[[], list[str]] | None = None,
) -> None:
    """Register ``lm build [TEXT...] -o LM.arpa --order N --unit word|char [--model M]``.

    Args:
        subparsers: the ``add_subparsers()`` object of the program's parser.
        default_unit: ``--unit`` default (``"word"`` for speech, ``"char"`` for handwriting).
        task: ``asr`` or ``handwriting``: ``--model`` defaults to its shipped model. Without
            a task and without ``--model``, text is lowercased and stripped of punctuation.
        packaged_text: the sentences the package ships for this task; given, ``lm build``
            offers ``--packaged-text`` to use them (with or instead of TEXT files).
    """
    if default_unit not in UNITS:
        raise ValueError(f"default_unit must be one of {'|'.join(UNITS)}, not {default_unit!r}")
    lm = subparsers.add_parser(
        "lm",
        help="build n-gram language models for beam search",
        description="Language-model tools for the beam-search decoder.",
    )
    lm_sub = lm.add_subparsers(dest="lm_command", metavar="LM_COMMAND", required=True)
    build = lm_sub.add_parser(
        "build",
        help="estimate a Kneser-Ney n-gram LM from text and write it as ARPA",
        description=_BUILD_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument(
        "text",
        nargs="+" if packaged_text is None else "*",
        type=Path,
        metavar="TEXT",
        help="plain-text file(s), one sentence a line",
    )
    if packaged_text is not None:
        build.add_argument(
            "--packaged-text",
            action="store_true",
            help="also use the English sentences shipped with the package (the text `synth` "
            "draws); enough for a first LM without any TEXT file",
        )
    build.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="LM.arpa",
        help="where to write the ARPA model (written atomically; folders are created)",
    )
    build.add_argument(
        "--order",
        type=int,
        default=None,
        metavar="N",
        help="highest n-gram order (default: 3 for word units, 6 for char units)",
    )
    build.add_argument(
        "--unit",
        choices=UNITS,
        default=default_unit,
        help=f"LM tokens: words, or characters with {SPACE_TOKEN} between words "
        f"(default: {default_unit})",
    )
    _add_model_argument(build, task)
    build.set_defaults(func=run, task=task, packaged=packaged_text)


def _add_model_argument(build: argparse.ArgumentParser, task: str | None) -> None:
    """``--model``: whose alphabet and text settings normalise the text (the task's model)."""
    default_model = None
    if task is not None:
        from common.resources import default_model_name

        default_model = default_model_name(task)
    build.add_argument(
        "--model",
        default=default_model,
        metavar="NAME|PATH",
        help="normalise the text with this model's alphabet and text settings "
        f"(default: {default_model or 'lowercase, no punctuation'})",
    )


def _read_sentences(paths: list[Path]) -> list[str]:
    """All lines of ``paths``; a clear error for a missing or unreadable file."""
    lines: list[str] = []
    for path in paths:
        if not path.is_file():
            raise LMBuildError(f"text file not found: {path}")
        try:
            lines.extend(path.read_text(encoding="utf-8").splitlines())
        except UnicodeDecodeError as err:
            raise LMBuildError(f"{path} is not UTF-8 text ({err.reason})") from None
    return lines


def _normalizer(model: str | None, task: str | None):
    """The sentence normaliser of ``model``'s checkpoint (alphabet + text settings)."""
    if model is None:
        return normalize_sentence
    from common.alphabet import TextNormalizerConfig
    from common.checkpoint import load_checkpoint
    from common.resources import resolve_model

    payload = load_checkpoint(resolve_model(model, task))
    return alphabet_normalizer(payload["alphabet"], TextNormalizerConfig(**payload["text"]))


def run(args: argparse.Namespace) -> int:
    """``lm build``: read the text, estimate, write the ARPA file; returns the exit status."""
    order = args.order if args.order is not None else DEFAULT_ORDER[args.unit]
    use_packaged = getattr(args, "packaged_text", False)
    if not args.text and not use_packaged:
        raise LMBuildError("no text: give TEXT file(s) or --packaged-text")
    sentences = _read_sentences(args.text)
    if use_packaged:
        sentences.extend(args.packaged())
    if not any(line.strip() for line in sentences):
        raise LMBuildError(f"no text in {', '.join(str(p) for p in args.text)}")
    arpa = build_arpa(sentences, order, args.unit, _normalizer(args.model, args.task))
    write_text_atomic(args.output, arpa)
    unigrams = arpa.split("\n", 2)[1].split("=")[1]
    print(f"wrote {args.output}: {args.unit} {order}-gram, {unigrams} unigrams")
    return 0
