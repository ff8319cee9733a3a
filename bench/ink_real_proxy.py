"""Real-pen accuracy proxy: lines of words written with Omniglot's human letter drawings.

No real handwritten lines are available here, so this composes them: each
line (20-35 characters of lowercase words from the packaged sentences) is
written by ONE Omniglot drawer, each letter being that drawer's own pen
trajectory (``handwriting.readers.omniglot``), scaled into the vertical band a
person gives that letter (x-height letters 0..1, ascenders to ~1.8,
descenders down to -0.8), placed left to right with small seeded gaps and
timed continuously. The recognizer (reader -> features -> model -> decoder)
then reads them; CER/WER come from ``common.metrics``, for all lines and for
each half of the drawers: choose among models (checkpoints, epochs) on the
odd-numbered drawers' lines and report the even-numbered drawers' figure, which
played no part in the choice. Isolated-letter
accuracy (all 520 drawings alone, same normalisation) is the second figure.

    python bench/ink_real_proxy.py [--model ink-synthetic] [--lines 200] [--seed 0]
        [--out DIR] [--png lines.png] [--decoder beam --lm FILE ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.cli_util import positive_int, report_error
from common.config import task_decoder_config
from common.decoding.cli_args import add_decoder_arguments, decoder_config_from_args
from common.fileio import write_text_atomic
from common.metrics import ErrorRates
from handwriting.ink import Ink
from handwriting.readers.omniglot import LATIN_LETTERS, read_omniglot_latin
from handwriting.synth import load_sentences

DEFAULT_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "omniglot-latin"
X_HEIGHT = 60.0  # output units per x-height
ORIGIN = (100.0, 300.0)  # (x, baseline y) of a line, y down
MAX_WIDTH = 1.6  # widest letter, x-heights (aspect cap)
MAX_PAUSE = 0.5  # seconds: longer pauses inside a drawing are shortened to this
LINE_CHARS = (20, 35)

# (bottom, top) of each letter in x-heights above the baseline
BANDS = {c: (0.0, 1.0) for c in "acemnorsuvwxz"}
BANDS.update({c: (0.0, 1.8) for c in "bdhklf"})
BANDS.update({"t": (0.0, 1.5), "i": (0.0, 1.5), "j": (-0.8, 1.5)})
BANDS.update({c: (-0.8, 1.0) for c in "gpqy"})


@dataclass(frozen=True)
class Layout:
    """Seeded spacing of a composed line, in x-heights (pen-up gaps in seconds)."""

    letter_gap: tuple[float, float] = (0.2, 0.35)
    word_gap: tuple[float, float] = (0.7, 1.0)
    baseline_jitter: float = 0.04
    pen_up: tuple[float, float] = (0.15, 0.35)


def _retime(t: np.ndarray) -> np.ndarray:
    """Times from 0, keeping each step but shortening pauses over ``MAX_PAUSE``."""
    steps = np.minimum(np.diff(t, prepend=t[0]), MAX_PAUSE)
    return np.cumsum(steps)


def normalise_letter(ink: Ink, letter: str, x_height: float = X_HEIGHT) -> list[np.ndarray]:
    """``ink``'s strokes scaled into ``letter``'s band: baseline y = 0 (y down), x from 0.

    The height fills the band and the aspect ratio is kept, except that the
    width is capped at ``MAX_WIDTH`` x-heights. Times start at 0 (``_retime``).
    """
    points = ink.points  # (P, 3)
    bottom, top = BANDS[letter]
    x0, y0 = points[:, :2].min(axis=0)
    x1, y1 = points[:, :2].max(axis=0)
    scale = (top - bottom) * x_height / max(y1 - y0, 1e-9)
    x_scale = min(scale, MAX_WIDTH * x_height / max(x1 - x0, 1e-9))
    times = np.split(_retime(points[:, 2]), np.cumsum([len(s) for s in ink.strokes])[:-1])
    out = []
    for stroke, t in zip(ink.strokes, times, strict=True):
        x = (stroke[:, 0] - x0) * x_scale
        y = -bottom * x_height - (y1 - stroke[:, 1]) * scale  # bbox bottom -> -bottom
        out.append(np.column_stack([x, y, t]))  # (N,) x 3 -> (N, 3)
    return out


def compose_line(
    text: str,
    drawings: dict[str, Ink],
    rng: np.random.Generator,
    layout: Layout | None = None,
    x_height: float = X_HEIGHT,
) -> Ink:
    """``text`` (lowercase words, single spaces) written with one drawer's ``drawings``.

    Returns:
        An ink in integer y-down units (x-height ``x_height``), ``text`` as transcript.
    """
    layout = layout or Layout()
    strokes: list[np.ndarray] = []
    cursor, clock = ORIGIN[0], 0.0
    for w, word in enumerate(text.split(" ")):
        if w:
            cursor += rng.uniform(*layout.word_gap) * x_height
        for i, letter in enumerate(word):
            if i:
                cursor += rng.uniform(*layout.letter_gap) * x_height
            shift = np.array(
                [cursor, ORIGIN[1] + rng.normal(0, layout.baseline_jitter) * x_height, clock]
            )
            placed = [s + shift for s in normalise_letter(drawings[letter], letter, x_height)]
            strokes.extend(placed)
            cursor = max(s[:, 0].max() for s in placed)
            clock = placed[-1][-1, 2] + rng.uniform(*layout.pen_up)
    rounded = [np.column_stack([np.rint(s[:, :2]), np.round(s[:, 2], 3)]) for s in strokes]
    return Ink(tuple(rounded), text=text)


def letter_ink(ink: Ink, letter: str, x_height: float = X_HEIGHT) -> Ink:
    """One drawing alone, placed as ``compose_line`` places a letter."""
    return compose_line(letter, {letter: ink}, np.random.default_rng(0), Layout(), x_height)


def latin_words(sentences: list[str]) -> list[str]:
    """Words of ``sentences``, lowercased, stripped of punctuation, only those all a-z."""
    words = (w.strip(".,;:!?\"'()-").lower() for s in sentences for w in s.split())
    return [w for w in words if w and all(c in LATIN_LETTERS for c in w)]


def line_texts(words: list[str], n: int, rng: np.random.Generator) -> list[str]:
    """``n`` lines of consecutive ``words`` (from a seeded start), each 20-35 characters."""
    texts, k = [], int(rng.integers(len(words)))
    while len(texts) < n:
        target, line = int(rng.integers(LINE_CHARS[0], LINE_CHARS[1] + 1)), ""
        while len(line) < target:
            word = words[k % len(words)]
            k += 1
            if len(word) > LINE_CHARS[1]:
                continue
            if line and len(line) + 1 + len(word) > LINE_CHARS[1]:
                break
            line = f"{line} {word}" if line else word
        if len(line) >= LINE_CHARS[0]:
            texts.append(line)
    return texts


def proxy_lines(
    omniglot: dict[str, dict[str, Ink]], n: int, seed: int = 0, sentences: list[str] | None = None
) -> list[tuple[str, Ink]]:
    """``n`` (drawer, line ink) pairs; drawers taken in turn from a seeded start.

    Each line's layout has its own seed, so the first k lines do not depend on ``n``.
    """
    rng = np.random.default_rng(seed)
    drawers = sorted(set.intersection(*(set(d) for d in omniglot.values())))
    if not drawers:
        raise ValueError("no drawer drew all 26 letters")
    words = latin_words(sentences if sentences is not None else load_sentences())
    if not words:
        raise ValueError("no a-z words in the sentences")
    first = int(rng.integers(len(drawers)))
    out = []
    for i, text in enumerate(line_texts(words, n, rng)):
        drawer = drawers[(first + i) % len(drawers)]
        drawings = {c: omniglot[c][drawer] for c in LATIN_LETTERS}
        ink = compose_line(text, drawings, np.random.default_rng([seed, i]))
        out.append((drawer, Ink(ink.strokes, text=text, id=f"omniglot-line-{i:04d}-d{drawer}")))
    return out


def write_lines(out: Path, lines: list[tuple[str, Ink]]) -> Path:
    """Each line as a JSON ink file plus ``manifest.jsonl`` for ``handwriting evaluate``."""
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for drawer, ink in lines:
        strokes = [s.tolist() for s in ink.strokes]
        data = {"strokes": strokes, "text": ink.text, "id": ink.id}
        write_text_atomic(out / f"{ink.id}.json", json.dumps(data))
        row = {"ink_filepath": f"{ink.id}.json", "text": ink.text, "id": ink.id}
        rows.append(json.dumps({**row, "speaker": f"omniglot-{drawer}"}))
    return write_text_atomic(out / "manifest.jsonl", "\n".join(rows) + "\n")


def stacked(inks: list[Ink], spacing: float = 4 * X_HEIGHT) -> tuple[Ink, list[int]]:
    """``inks`` one under the other in one ink, and each one's first point index."""
    strokes, starts, total = [], [], 0
    for row, ink in enumerate(inks):
        starts.append(total)
        strokes.extend(s + np.array([0.0, row * spacing, 0.0]) for s in ink.strokes)
        total += ink.num_points
    return Ink(tuple(strokes)), starts


def draw_png(path: Path, inks: list[Ink], hypotheses: list[str]) -> Path:
    """The lines one under another, each labelled ``truth -> hypothesis``."""
    from handwriting.plot import plot_ink

    ink, starts = stacked(inks)
    ends = [*starts[1:], ink.num_points]
    spans = [
        (f"{i.text}  ->  {h}", a, b)
        for i, h, a, b in zip(inks, hypotheses, starts, ends, strict=True)
    ]
    return plot_ink(ink, path, text="Omniglot real-pen proxy lines", spans=spans)


def score(truths: list[str], hyps: list[str]) -> dict[str, float]:
    """Corpus CER, WER (case-sensitive) and case-insensitive CER, in percent."""
    exact, folded = ErrorRates.empty(), ErrorRates.empty()
    for t, h in zip(truths, hyps, strict=True):
        exact.update(t, h)
        folded.update(t.lower(), h.lower())
    return {"cer": 100 * exact.cer, "wer": 100 * exact.wer, "cer_nocase": 100 * folded.cer}


def drawer_halves(
    lines: list[tuple[str, Ink]], hyps: list[str]
) -> dict[str, tuple[int, dict[str, float]]]:
    """Line count and ``score`` of the odd-numbered drawers' lines (for choosing among
    models) and of the even-numbered drawers' lines (to report, unused in the choice)."""
    out = {}
    for half, parity in (("odd drawers (for choosing among models)", 1), ("even (to report)", 0)):
        pick = [i for i, (drawer, _) in enumerate(lines) if int(drawer) % 2 == parity]
        out[half] = (len(pick), score([lines[i][1].text for i in pick], [hyps[i] for i in pick]))
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ink-synthetic", help="shipped name or checkpoint")
    parser.add_argument("--data", default=str(DEFAULT_ROOT), help="omniglot-latin folder")
    parser.add_argument("--lines", type=positive_int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--sentences",
        default=None,
        help="text of the lines, one sentence a line (default: the packaged sentences, which "
        "are also the synthesis text; give text no model or LM saw for a clean test)",
    )
    parser.add_argument("--examples", type=int, default=8, help="truth/hypothesis pairs shown")
    parser.add_argument("--out", type=Path, default=None, help="write JSON inks + manifest")
    parser.add_argument("--png", type=Path, default=None, help="draw the first lines here")
    parser.add_argument("--png-lines", type=positive_int, default=4)
    parser.add_argument("--batch-size", type=positive_int, default=32)
    add_decoder_arguments(parser, task_decoder_config("handwriting"))
    return parser


def run(args: argparse.Namespace) -> int:
    """Compose, recognise and score; print the figures."""
    import handwriting

    decoder = decoder_config_from_args(args, task_decoder_config("handwriting"))
    omniglot = read_omniglot_latin(args.data)
    sentences = load_sentences(args.sentences) if args.sentences else None
    lines = proxy_lines(omniglot, args.lines, args.seed, sentences)
    if args.out is not None:
        print(f"wrote {write_lines(args.out, lines)}")
    rec = handwriting.load(args.model)
    inks = [ink for _, ink in lines]
    hyps = [r.text for r in rec.recognize_many(inks, decoder=decoder, batch_size=args.batch_size)]
    figures = score([i.text for i in inks], hyps)
    letters = [(c, letter_ink(ink, c)) for c in LATIN_LETTERS for ink in omniglot[c].values()]
    found = rec.recognize_many([i for _, i in letters], decoder=decoder, batch_size=64)
    correct = sum(r.text == c for (c, _), r in zip(letters, found, strict=True))
    folded = sum(r.text.lower() == c for (c, _), r in zip(letters, found, strict=True))
    chars = sum(len(i.text) for i in inks)
    print(f"model {args.model}, decoder {decoder.kind}, seed {args.seed}")
    print(f"{len(inks)} lines ({chars} characters, 20 Omniglot drawers):")
    print(
        f"  CER {figures['cer']:.1f}%  WER {figures['wer']:.1f}%  "
        f"CER case-insensitive {figures['cer_nocase']:.1f}%"
    )
    for half, (n, part) in drawer_halves(lines, hyps).items():
        print(f"  {half}: {n} lines, CER {part['cer']:.1f}%  WER {part['wer']:.1f}%")
    print(
        f"isolated letters: {correct}/{len(letters)} = {100 * correct / len(letters):.1f}% "
        f"({100 * folded / len(letters):.1f}% case-insensitive)"
    )
    for ink, hyp in list(zip(inks, hyps, strict=True))[: args.examples]:
        print(f"  truth: {ink.text}\n  hyp:   {hyp}")
    if args.png is not None:
        n = args.png_lines
        print(f"drew {draw_png(args.png, inks[:n], hyps[:n])}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (ValueError, OSError) as err:  # InkError, model and decoder errors are ValueErrors
        report_error(str(err))
        return 2


if __name__ == "__main__":
    sys.exit(main())
