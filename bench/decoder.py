"""Speed and WER of our CTC beam decoder against pyctcdecode and flashlight on the same emissions.

Rows: beam 16 / 64 / 256 (``--beams``) x {no LM: ours, pyctcdecode, flashlight
lexicon-free; word 3-gram, lexicon-free: ours, pyctcdecode; word 3-gram with the
LM vocabulary as lexicon: ours, flashlight LexiconDecoder}, each under the merge
rule it shares with the peers: "sum" (a prefix scores the summed probability of
its alignments: ours by default, pyctcdecode, flashlight ``log_add=True``) and
"max" (its best alignment: ours ``merge="max"``, flashlight's default). "ratio" is
the peer's time over ours for the same beam, LM and merge setting (above 1: we
are faster).

Every decoder gets the same log-probabilities, alpha / beta (flashlight's LM
weight is alpha * ln 10 because it weights KenLM's log10 scores) and its own
default pruning: ours token_min_logp -12 and blank skip 0.999; pyctcdecode
token_min_logp -5 and beam_prune_logp -10; flashlight beam_threshold 50.
Decoders are built (and LMs loaded) before timing; times are CPU seconds of
this process (robust to other load on a shared machine), best of up to three
passes after a warm-up utterance. Peers are the optional ``bench`` extra
(``pip install pyctcdecode flashlight-text``); missing ones are skipped.

Usage:
    python bench/fake_emissions.py -o /tmp/fake.npz     # development only
    python bench/decoder.py --emissions /tmp/fake.npz [--lm LM.arpa] [--limit N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from an4_text import an4_sentences
from rapidfuzz.distance import Levenshtein

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.decoding import CTCBeamDecoder  # noqa: E402
from common.decoding.lm import ArpaWordLM  # noqa: E402
from common.lm import write_arpa  # noqa: E402

DATA = REPO.parent / "shared" / "data"
DEFAULT_LM = Path(tempfile.gettempdir()) / "inkspeech-bench" / "an4_ljspeech_3gram.arpa"
LN10 = float(np.log(10.0))
Decode = Callable[[np.ndarray], str]


def load_emissions(path: Path) -> tuple[list[np.ndarray], list[str], list[str]]:
    """(log-probs per utterance, labels with the blank first, reference texts)."""
    with np.load(path) as z:
        labels = [str(x) for x in z["labels"]]
        refs = [str(x) for x in z["references"]]
        lps = [np.asarray(z[f"log_probs_{i}"], dtype=np.float32) for i in range(len(refs))]
    return lps, labels, refs


def ensure_lm(path: Path, data: Path) -> Path:
    """The bench LM: word 3-gram from LJSpeech sentences + AN4 transcripts (built if missing)."""
    if path.is_file():
        return path
    if not data.is_dir():
        raise SystemExit(f"error: {path} does not exist and no data folder {data} to build it")
    sentences = (data / "text" / "ljspeech_sentences.txt").read_text().splitlines()
    sentences += an4_sentences(data / "an4" / "etc" / "an4_train.transcription")
    print(f"building {path} from {len(sentences)} sentences ...", flush=True)
    return write_arpa(sentences, path, order=3)


def wer(hyps: list[str], refs: list[str]) -> float:
    """Word error rate over the whole set."""
    pairs = zip(hyps, refs, strict=True)
    errors = sum(Levenshtein.distance(h.split(), r.split()) for h, r in pairs)
    return errors / max(1, sum(len(r.split()) for r in refs))


def ours(labels, beam, lm, lexicon, alpha, beta, merge) -> Decode:
    """Our CTCBeamDecoder with its default pruning."""
    decoder = CTCBeamDecoder(
        labels, beam_size=beam, lm=lm, alpha=alpha, beta=beta, lexicon=lexicon, merge=merge
    )
    return lambda lp: decoder.decode(lp).text


def pyctc(labels, beam, lm_path, vocab, alpha, beta) -> Decode:
    """pyctcdecode (blank written as ""), lexicon-free, with its unigram list."""
    from pyctcdecode import build_ctcdecoder

    decoder = build_ctcdecoder(
        ["", *labels[1:]], str(lm_path) if lm_path else None, vocab, alpha=alpha, beta=beta
    )
    return lambda lp: decoder.decode(lp, beam_width=beam)


def flashlight(labels, beam, lm_path, lexicon_path, alpha, beta, merge) -> Decode:
    """flashlight through torchaudio: LexiconFreeDecoder, or LexiconDecoder with a lexicon."""
    import torch
    from torchaudio.models.decoder import ctc_decoder

    tokens = ["-", *("|" if c == " " else c for c in labels[1:])]
    decoder = ctc_decoder(
        lexicon=str(lexicon_path) if lexicon_path else None, tokens=tokens,
        lm=str(lm_path) if lm_path else None, beam_size=beam, lm_weight=alpha * LN10,
        word_score=beta, sil_score=0.0, blank_token="-", sil_token="|", unk_word="<unk>",
        log_add=merge == "sum",
    )  # fmt: skip

    def decode(lp: np.ndarray) -> str:
        hyp = decoder(torch.from_numpy(lp)[None])[0][0]
        if lexicon_path:
            return " ".join(hyp.words)
        return " ".join("".join(decoder.idxs_to_tokens(hyp.tokens)).replace("|", " ").split())

    return decode


def timed(decode: Decode, lps: list[np.ndarray]) -> tuple[float, list[str]]:
    """(CPU seconds per utterance, hypotheses): best of up to 3 passes within ~5 s, after a
    warm-up utterance. CPU time of this process, so other load on the machine counts less."""
    decode(lps[0])
    best, spent, hyps = np.inf, 0.0, []
    for _ in range(3):
        start = time.process_time()
        hyps = [" ".join(decode(lp).split()) for lp in lps]
        seconds = time.process_time() - start
        best, spent = min(best, seconds / len(lps)), spent + seconds
        if spent > 5.0:
            break
    return best, hyps


def write_lexicon(words: list[str], labels: list[str], folder: Path) -> Path:
    """Flashlight lexicon ``word<TAB>w o r d`` of the words spellable with ``labels``."""
    allowed = set(labels[1:]) - {" "}
    lines = [f"{w}\t{' '.join(w)}" for w in words if set(w) <= allowed]
    path = folder / "lexicon.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def machine() -> str:
    """CPU model and core count."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{model}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"


def decoder_rows(labels, lm_path, alpha, beta, folder: Path) -> list[tuple[str, str, list]]:
    """Per (LM setting, merge rule), the (name, beam -> Decode) factories compared in it."""
    lm = ArpaWordLM.load(lm_path)
    vocab = sorted(lm.vocabulary)
    lexicon = write_lexicon(vocab, labels, folder)
    return [
        ("none", "sum", [
            ("ours", lambda b: ours(labels, b, None, None, alpha, beta, "sum")),
            ("pyctcdecode", lambda b: pyctc(labels, b, None, None, alpha, beta)),
            ("flashlight", lambda b: flashlight(labels, b, None, None, alpha, beta, "sum")),
        ]),
        ("none", "max", [
            ("ours", lambda b: ours(labels, b, None, None, alpha, beta, "max")),
            ("flashlight", lambda b: flashlight(labels, b, None, None, alpha, beta, "max")),
        ]),
        ("3-gram", "sum", [
            ("ours", lambda b: ours(labels, b, lm, None, alpha, beta, "sum")),
            ("pyctcdecode", lambda b: pyctc(labels, b, lm_path, vocab, alpha, beta)),
        ]),
        ("3-gram+lexicon", "sum", [
            ("ours", lambda b: ours(labels, b, lm, vocab, alpha, beta, "sum")),
            ("flashlight", lambda b: flashlight(labels, b, lm_path, lexicon, alpha, beta, "sum")),
        ]),
        ("3-gram+lexicon", "max", [
            ("ours", lambda b: ours(labels, b, lm, vocab, alpha, beta, "max")),
            ("flashlight", lambda b: flashlight(labels, b, lm_path, lexicon, alpha, beta, "max")),
        ]),
    ]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    lps, labels, refs = load_emissions(args.emissions)
    if args.limit:
        lps, refs = lps[: args.limit], refs[: args.limit]
    lm_path = ensure_lm(args.lm, args.data)
    frames = sum(len(lp) for lp in lps)
    print(f"machine: {machine()}")
    print(f"emissions: {args.emissions} ({len(lps)} utterances, {frames} frames, V={len(labels)})")
    print(f"LM: {lm_path}; alpha {args.alpha}, beta {args.beta}\n")
    print(
        f"{'decoder':<12} {'beam':>5} {'LM':<15} {'merge':<5} "
        f"{'CPU ms/utt':>10} {'ratio':>7} {'WER %':>7}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        rows = decoder_rows(labels, lm_path, args.alpha, args.beta, Path(tmp))
        for beam in args.beams:
            for setting, merge, decoders in rows:
                base = None
                for name, make in decoders:
                    try:
                        seconds, hyps = timed(make(beam), lps)
                    except (ImportError, RuntimeError) as err:
                        print(f"{name:<12} {beam:>5} {setting:<15} {merge:<5} skipped: {err}")
                        continue
                    base = seconds if base is None else base
                    print(
                        f"{name:<12} {beam:>5} {setting:<15} {merge:<5} {1e3 * seconds:10.2f} "
                        f"{seconds / base:7.2f} {100 * wer(hyps, refs):7.2f}",
                        flush=True,
                    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emissions", type=Path, required=True, help=".npz of log-probs")
    parser.add_argument(
        "--lm", type=Path, default=DEFAULT_LM,
        help=f"word 3-gram ARPA; built there from --data when missing (default: {DEFAULT_LM})",
    )  # fmt: skip
    parser.add_argument("--data", type=Path, default=DATA, help="shared data folder")
    parser.add_argument(
        "--beams", type=lambda s: [int(x) for x in s.split(",")], default=[16, 64, 256],
        help="beam sizes, comma separated (default: 16,64,256)",
    )  # fmt: skip
    parser.add_argument("--alpha", type=float, default=0.5, help="LM weight (default: 0.5)")
    parser.add_argument("--beta", type=float, default=1.0, help="word bonus (default: 1.0)")
    parser.add_argument("--limit", type=int, default=0, help="first N utterances only")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
