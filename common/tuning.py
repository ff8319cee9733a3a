"""Grid search of LM weight (alpha) and word bonus (beta) on emissions computed once."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from tqdm import tqdm

from common.alphabet import Alphabet
from common.config import DecoderConfig
from common.decoding.factory import make_decoder
from common.scoring import EmissionSet, score


def grid_search(
    emission_set: EmissionSet,
    alphabet: Alphabet,
    base: DecoderConfig,
    alphas: list[float],
    betas: list[float],
    metric: str = "wer",
    progress: bool = True,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score every (alpha, beta); returns the best row and all rows (sorted by ``metric``)."""
    if base.kind != "beam" or not base.lm:
        raise ValueError("LM tuning needs --decoder beam and --lm FILE")
    rows = []
    grid = list(itertools.product(alphas, betas))
    for alpha, beta in tqdm(grid, desc="alpha/beta grid", disable=not progress):
        decoder = make_decoder(replace(base, alpha=alpha, beta=beta), alphabet)
        result = score(emission_set, decoder)
        rows.append({"alpha": alpha, "beta": beta, "wer": result["wer"], "cer": result["cer"]})
    rows.sort(key=lambda r: (r[metric], r["cer"] if metric == "wer" else r["wer"]))
    return rows[0], rows


def parse_grid(text: str) -> list[float]:
    """``"0.3,0.5,0.7"`` or ``"0:2:0.5"`` (start:stop:step, stop included) -> floats."""
    if ":" in text:
        start, stop, step = (float(x) for x in text.split(":"))
        if step <= 0:
            raise ValueError(f"grid step must be positive in {text!r}")
        n = int(round((stop - start) / step)) + 1
        return [round(start + i * step, 6) for i in range(max(0, n))]
    return [float(x) for x in text.split(",") if x.strip()]
