"""Dump a model's CTC log-probabilities on a speech data set, for `bench/decoder.py`.

    python bench/emissions.py --model models/an4.pt --data ../shared/data/an4 \
        --holdout-speakers 10 -o runs/bench/an4-heldout.npz

Writes ``log_probs_<i>`` (T, V) float32 arrays, ``labels`` (labels[0] is the
blank) and ``references`` (normalised transcripts) into one ``.npz``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from asr.audio import read_audio
from asr.features import featurize
from asr.modality import ASR
from asr.readers import DataSpec, load_data, load_spec
from common.checkpoint import load_model
from common.scoring import compute_emissions

RNG = np.random.default_rng(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/an4.pt")
    parser.add_argument("--data", required=True, help="AN4 root, LibriSpeech folder, manifest")
    parser.add_argument(
        "--holdout-speakers",
        type=int,
        default=0,
        help="AN4 only: keep the N held-out validation speakers of the recipe",
    )
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    loaded = load_model(args.model)
    cfg = ASR.feature_config(loaded.features)
    if args.holdout_speakers:
        spec = DataSpec(
            kind="an4", path=args.data, holdout_speakers=args.holdout_speakers, holdout="keep"
        )
        examples = load_spec(spec)
    else:
        examples = load_data(args.data)
    result = compute_emissions(
        loaded,
        examples,
        lambda ex: featurize(read_audio(ex.path, cfg.sample_rate), cfg, False, RNG),
    )
    arrays = {f"log_probs_{i}": lp.astype(np.float32) for i, lp in enumerate(result.log_probs)}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.output,
        labels=np.array(loaded.alphabet.tokens),
        references=np.array(result.references),
        **arrays,
    )
    print(f"wrote {len(result.log_probs)} utterances to {args.output}")


if __name__ == "__main__":
    main()
