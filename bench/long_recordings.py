"""Long recordings vs the same utterances one by one: WER/CER and their ratio.

    python bench/long_recordings.py --data ../shared/data/an4 --holdout-speakers 10

Joins the held-out AN4 utterances (in corpus order) into recordings of about
``--join-seconds`` with ``--gap`` seconds of digital silence between them (0 =
end to end), writes them as FLAC, and transcribes both the single files and the
joined ones with ``asr.load(model).transcribe`` — the code ``asr transcribe`` runs.
The target of issue #11: the joined recordings score within 1.1x of one by one.
``--segment-seconds`` is the longest segment ``transcribe`` hands the model (its
``--segment-seconds``); ``--json`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

import asr
from asr.audio import read_audio
from asr.readers import DataSpec, load_spec
from asr.segment import SegmentConfig
from common.alphabet import normalize_text
from common.metrics import cer, wer


def join(waves: list[np.ndarray], rate: int, gap: float, join_seconds: float) -> list[list[int]]:
    """Groups of consecutive utterance indices, each about ``join_seconds`` long with gaps."""
    groups: list[list[int]] = [[]]
    length = 0.0
    for i, wave in enumerate(waves):
        if groups[-1] and length + len(wave) / rate > join_seconds:
            groups.append([])
            length = 0.0
        groups[-1].append(i)
        length += len(wave) / rate + gap
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="an4", help="model name or checkpoint")
    parser.add_argument("--data", required=True, help="AN4 root (native layout)")
    parser.add_argument("--holdout-speakers", type=int, default=10)
    parser.add_argument("--gap", type=float, nargs="+", default=[0.5, 0.0], help="seconds")
    parser.add_argument("--join-seconds", type=float, default=30.0)
    parser.add_argument("--segment-seconds", type=float, default=SegmentConfig.max_seconds)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    parser.add_argument("--json", help="write the figures to this JSON file")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    rec = asr.load(args.model, device="cpu")
    seg = args.segment_seconds
    spec = DataSpec(
        kind="an4", path=args.data, holdout_speakers=args.holdout_speakers, holdout="keep"
    )
    examples = load_spec(spec)
    refs = [normalize_text(e.text, rec.loaded.alphabet, rec.loaded.text_cfg) for e in examples]
    rate = rec.sample_rate
    waves = [read_audio(e.path, rate) for e in examples]
    t0 = time.perf_counter()
    single = [rec.transcribe(w, sample_rate=rate, segment_seconds=seg).text for w in waves]
    w1, c1 = wer(refs, single), cer(refs, single)
    print(f"{len(waves)} utterances one by one: WER {w1:.1%} CER {c1:.1%} "
          f"({time.perf_counter() - t0:.0f} s)")  # fmt: skip
    figures = {"model": args.model, "segment_seconds": seg, "wer": w1, "cer": c1, "joined": []}
    with tempfile.TemporaryDirectory() as tmp:
        for gap in args.gap:
            silence = np.zeros(int(gap * rate), dtype=np.float32)
            groups = join(waves, rate, gap, args.join_seconds)
            joined_refs, hyps, seconds = [], [], 0.0
            for k, group in enumerate(groups):
                audio = np.concatenate([np.concatenate([waves[i], silence]) for i in group])
                path = Path(tmp) / f"joined-{k}.flac"
                sf.write(path, audio, rate)
                seconds += len(audio) / rate
                joined_refs.append(" ".join(refs[i] for i in group))
                hyps.append(rec.transcribe(path, segment_seconds=seg).text)
            w, c = wer(joined_refs, hyps), cer(joined_refs, hyps)
            print(f"joined, gap {gap:.1f} s ({len(groups)} recordings, {seconds:.0f} s): "
                  f"WER {w:.1%} ({w / w1:.2f}x) CER {c:.1%} ({c / c1:.2f}x)")  # fmt: skip
            figures["joined"].append({"gap": gap, "wer": w, "cer": c, "ratio": w / w1})
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
