"""Decoder options of a request -> the task's ``DecoderConfig``.

Clients choose greedy or beam search, the beam width, how many alternatives to
return, hotwords and whether to use the language model the server was started with.
They never name files: the LM is the server's (``--ink-lm`` / ``--asr-lm``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Literal

from common.config import DecoderConfig, task_decoder_config
from common.serve.errors import ApiError

DecoderKind = Literal["greedy", "beam"]
MAX_HOTWORDS = 100


def decoder_config(
    task: str,
    kind: DecoderKind,
    beam_size: int | None,
    nbest: int,
    lm: Path | None,
    hotwords: str = "",
) -> DecoderConfig:
    """The task's default decoder with the request's choices.

    Beam search is implied by ``nbest > 1``, an LM or hotwords (greedy search has one
    answer and no way to add scores).

    Raises:
        ApiError: 422 for too many hotwords.
    """
    words = [w.strip() for w in hotwords.split(",") if w.strip()]
    if len(words) > MAX_HOTWORDS:
        raise ApiError(422, f"at most {MAX_HOTWORDS} hotwords, got {len(words)}")
    base = task_decoder_config(task)
    if kind == "beam" or nbest > 1 or lm is not None or words:
        kind = "beam"
    cfg = replace(base, kind=kind, nbest=nbest, hotwords=words)
    if beam_size is not None:
        cfg = replace(cfg, beam_size=max(beam_size, nbest))
    if lm is not None:
        cfg = replace(cfg, lm=str(lm))
    return cfg


def requested_lm(wanted: bool, available: Path | None, task: str) -> Path | None:
    """The server's LM for ``task`` when the request asks for one.

    Raises:
        ApiError: 422 when asked for but this server has none.
    """
    if not wanted:
        return None
    if available is None:
        raise ApiError(422, f"this server was started without a {task} language model")
    return available
