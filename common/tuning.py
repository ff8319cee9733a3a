"""Grid search of LM weight (alpha) and word bonus (beta) on emissions computed once.

After the model in the flow: ``common.scoring.compute_emissions`` runs the model
once; every grid point only re-runs the beam decoder on those emissions.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from common.alphabet import Alphabet
from common.config import DecoderConfig

if TYPE_CHECKING:
    from common.scoring import EmissionSet


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
    from common.decoding.factory import make_decoder
    from common.scoring import score

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


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number: {text!r} in {where!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r} in {where!r}")
    return value


def parse_grid(text: str) -> list[float]:
    """``"0.3,0.5,0.7"`` or ``"0:2:0.5"`` (start:stop:step, stop included) -> floats.

    Raises:
        ValueError: malformed or non-finite values, or a step that is not positive.
    """
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise ValueError(f"a range is start:stop:step, not {text!r}")
        start, stop, step = (_number(x, text) for x in parts)
        if step <= 0:
            raise ValueError(f"grid step must be positive in {text!r}")
        n = int(round((stop - start) / step)) + 1
        return [round(start + i * step, 6) for i in range(max(0, n))]
    return [_number(x, text) for x in text.split(",") if x.strip()]
