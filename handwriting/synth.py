"""Synthetic online handwriting, written as IAM-OnDB: the ``handwriting synth`` command.

A writer (``handwriting.writer_styles``) is a glyph source (a Hershey font or a
handwriting outline font traced into centre lines, ``handwriting.glyph_sources``)
plus a style seed. A text line flows: glyphs -> the writer's habits per letter
(stroke order and direction, deformation, proportions, ``handwriting.pen_habits``)
-> words (cursive ligatures, dots and crosses delayed to the word's end, per-word
slant and size) -> line geometry (slant, wavy, tilted and bowed baseline) ->
Chaikin-rounded corners -> pen kinematics (sigma-lognormal speed at the writer's
sampling rate, hooks, ``handwriting.kinematics``) -> digitiser noise and integer
whiteboard coordinates. ``SynthLevers`` switches each family of effects off.

``synthesize_corpus`` writes the IAM-OnDB layout exactly (see
``handwriting.readers.iam_ondb``): ``lineStrokes/w01/w01-000/w01-000u-01.xml``,
``ascii/w01/w01-000/w01-000u.txt`` (with ``OCR:`` and ``CSR:`` sections),
``trainset.txt`` (training writers), ``testset_v.txt`` (a few forms of training
writers, kept out of ``trainset``), ``testset_f.txt`` (held-out writers, whose
fonts and style seeds are disjoint from the training writers') and
``forms.txt`` (form -> writer), so the real reader reads it.
"""

from __future__ import annotations

import argparse
import importlib.resources
import math
import os
import shutil
import string
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from common.fileio import write_bytes_atomic
from handwriting.glyph_sources import BASELINE, Glyph, glyph_table
from handwriting.ink import Ink
from handwriting.kinematics import add_hooks, bell_samples, lognormal_samples
from handwriting.pen_habits import (
    apply_habits,
    deform,
    delayed_stroke,
    habit_rng,
    is_dot,
    ligature,
    raise_cross,
    reproportion,
)
from handwriting.writer_styles import (
    TEST_FONTS,
    TRAIN_FONTS,
    SynthError,
    SynthLevers,
    WriterStyle,
    known_sources,
    make_writers,
)
from handwriting.writers import write_iam_ondb_line

DRAWABLE = frozenset(string.ascii_letters + string.digits + " .,;:!?'\"-()")
MAX_LINE_CHARS = 40
LINES_PER_FORM = 6
LINES_PER_WRITER = 24
SAMPLE_RATE = 100.0  # Hz
JOIN_GAP = 3.5  # glyph units: polylines whose ends are this close are drawn without lifting
INNER_JOIN = 8.0  # glyph units: a joining writer links strokes of one letter this close
ALL_LEVERS = SynthLevers()
FALLBACK_FONT = "futural"  # for the few characters an outline font lacks
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2014": "-"})


def clean_text(text: str) -> str:
    """``text`` with plain quotes, undrawable characters made spaces, spaces collapsed."""
    text = text.translate(_QUOTES)
    return " ".join("".join(c if c in DRAWABLE else " " for c in text).split())


def wrap_lines(sentence: str, max_chars: int = MAX_LINE_CHARS) -> list[str]:
    """Greedy word wrap of a cleaned ``sentence`` into lines of at most ``max_chars``."""
    lines, line = [], ""
    for word in clean_text(sentence).split():
        while len(word) > max_chars:  # a word longer than a line is cut
            lines.extend([line, word[:max_chars]] if line else [word[:max_chars]])
            line, word = "", word[max_chars:]
        if line and len(line) + 1 + len(word) > max_chars:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])


def _letter(
    char: str, style: WriterStyle, levers: SynthLevers, rng: np.random.Generator
) -> tuple[list[np.ndarray], list[np.ndarray], float]:
    """One instance of ``char`` by ``style``: plain strokes (the writer's habits applied,
    for join decisions), drawn strokes (deformed) and the glyph's advance."""
    font = style.font
    if (
        levers.glyph_variety
        and habit_rng(style.seed, char, "allograph").random() < style.p_allograph
    ):
        font = style.alt_font
    glyph = _find_glyph(char, (font, style.font, style.alt_font, FALLBACK_FONT))
    plain = list(glyph.strokes)
    if levers.stroke_order:
        plain = apply_habits(
            glyph.strokes, style.seed, char, style.p_split, style.p_reorder, style.p_reverse
        )
    drawn = deform(plain, style.elastic, rng) if levers.glyph_variety else plain
    if levers.proportions:
        cross = delayed_stroke(char, plain) if char == "t" else None
        if cross is not None:
            drawn = raise_cross(drawn, cross, style.t_cross)
        lift = rng.normal(0.0, style.bounce)
        drawn = reproportion(drawn, style.x_ratio, style.ascender, style.descender, lift)
    return plain, drawn, glyph.advance


def _find_glyph(char: str, fonts: Sequence[str]) -> Glyph:
    """``char`` from the first of ``fonts`` that has it (outline fonts may lack punctuation)."""
    for font in fonts:
        glyph = glyph_table(font).get(char)
        if glyph is not None:
            return glyph
    raise SynthError(f"no glyph for {char!r} in {', '.join(fonts)}")


def _word_strokes(
    word: str, x: float, style: WriterStyle, levers: SynthLevers, rng: np.random.Generator
) -> tuple[list[np.ndarray], float]:
    """Pen-down polylines of one word starting at ``x`` (glyph units, y down) and the end x.

    Strokes whose ends touch in the writer's own letter forms (script fonts'
    joins) are merged; with the cursive lever other letter pairs are joined by a
    ligature at the writer's rate; delayed dots and crosses come after the word.
    """
    strokes: list[np.ndarray] = []
    delayed: list[np.ndarray] = []
    last_plain_end, x_plain, prev = None, x, ""
    for char in word:
        plain, drawn, advance = _letter(char, style, levers, rng)
        joined = levers.cursive and char.isalpha() and rng.random() < style.cursive
        plain = [s + [x_plain, 0.0] for s in plain]
        drawn = [s * [style.width, 1.0] + [x, 0.0] for s in drawn]
        late = delayed_stroke(char, plain) if levers.delayed_strokes else None
        if late is not None and rng.random() < style.p_delay:
            delayed.append(drawn.pop(late))
            plain.pop(late)
        for j, (p, d) in enumerate(zip(plain, drawn, strict=True)):
            # a joining writer links a letter to the one before by a ligature, and a
            # letter's own strokes when the next one starts near where the last ended
            gap = np.inf if last_plain_end is None else np.hypot(*(p[0] - last_plain_end))
            joins = joined and not is_dot(p) and (gap <= INNER_JOIN if j else prev.isalpha())
            if gap <= JOIN_GAP or (joins and j):
                strokes[-1] = np.vstack([strokes[-1], d])
            elif joins and strokes:
                bridge = ligature(strokes[-1][-1], d[0], rng)
                strokes[-1] = np.vstack([strokes[-1], bridge, d])
            else:
                strokes.append(d)
            last_plain_end = None if is_dot(p) else p[-1]
        x += advance * style.width + style.letter_spacing
        x_plain, prev = x_plain + advance, char
    return strokes + delayed, x


def _word_geometry(
    strokes: list[np.ndarray], x0: float, style: WriterStyle, rng: np.random.Generator
) -> tuple[list[np.ndarray], float]:
    """One word's own slant and size change around its start on the baseline, and the scale."""
    shear = math.tan(math.radians(rng.normal(0.0, style.word_slant)))
    scale = math.exp(rng.normal(0.0, style.word_size))
    anchor = np.array([x0, BASELINE])
    out = []
    for s in strokes:
        local = (s - anchor) * scale
        local[:, 0] -= local[:, 1] * shear
        out.append(local + anchor)
    return out, scale


def _glyph_polylines(
    text: str, style: WriterStyle, levers: SynthLevers, rng: np.random.Generator
) -> list[np.ndarray]:
    """Pen-down polylines of ``text`` in glyph units (y down), in writing order."""
    space = _find_glyph(" ", (style.font, FALLBACK_FONT)).advance
    polylines: list[np.ndarray] = []
    x = 0.0
    for word in text.split(" "):
        strokes, end = _word_strokes(word, x, style, levers, rng)
        gap = space * style.width * style.word_spacing
        if levers.line_geometry:
            strokes, scale = _word_geometry(strokes, x, style, rng)
            end = x + (end - x) * scale
            gap *= style.space_scale * max(0.4, 1.0 + rng.normal(0.0, style.space_jitter))
        polylines += strokes
        x = end + gap
    return polylines


def _chaikin(polyline: np.ndarray, iterations: int = 2) -> np.ndarray:
    """Round the corners of ``polyline`` (N, 2), keeping its end points."""
    for _ in range(iterations):
        if len(polyline) < 3:
            return polyline
        q = 0.75 * polyline[:-1] + 0.25 * polyline[1:]  # (N - 1, 2)
        r = 0.25 * polyline[:-1] + 0.75 * polyline[1:]
        inner = np.stack([q, r], axis=1).reshape(-1, 2)[1:-1]  # (2N - 4, 2)
        polyline = np.vstack([polyline[:1], inner, polyline[-1:]])
    return polyline


def _smooth_noise(rng: np.random.Generator, n: int, std: float) -> np.ndarray:
    """(n, 2) Gaussian noise low-pass filtered over ~5 samples, of roughly ``std``."""
    noise = rng.normal(0.0, std * np.sqrt(5), (n + 4, 2))
    kernel = np.ones(5) / 5
    return np.column_stack([np.convolve(noise[:, k], kernel, mode="valid") for k in range(2)])


def _line_geometry(
    polylines: list[np.ndarray], style: WriterStyle, levers: SynthLevers, rng: np.random.Generator
) -> list[np.ndarray]:
    """Slant, a wavy and tilted baseline, and (line_geometry lever) a bowed one."""
    shear, skew = math.tan(math.radians(style.slant_deg)), math.tan(math.radians(rng.normal(0, 1)))
    period, phase = rng.uniform(150, 400), rng.uniform(0, 2 * np.pi)
    length = max(float(max(p[:, 0].max() for p in polylines)), 1.0)
    bow = style.bow * rng.uniform(0.5, 1.0) if levers.line_geometry else 0.0
    out = []
    for p in polylines:
        x, y = p[:, 0], p[:, 1]
        y = y + style.drift * np.sin(2 * np.pi * x / period + phase) + x * skew
        y = y + bow * (1.0 - (2.0 * x / length - 1.0) ** 2)
        out.append(np.column_stack([x - (y - BASELINE) * shear, y]))
    return out


def _pen_samples(
    polyline: np.ndarray, style: WriterStyle, levers: SynthLevers, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Timed pen positions of one stroke: sigma-lognormal at the writer's rate, with hooks
    (kinematics lever), or one bell-shaped profile at 100 Hz."""
    if not levers.kinematics:
        return bell_samples(polyline, style.speed, SAMPLE_RATE)
    xy, times = lognormal_samples(polyline, style.speed, style.rate, style.sigma, rng)
    if rng.random() < style.p_hook:
        xy, times = add_hooks(xy, times, style.hook, style.rate, rng)
    return xy, times


def synthesize_line(
    text: str,
    style: WriterStyle,
    rng: np.random.Generator,
    origin: tuple[float, float] = (600.0, 1000.0),
    t0: float = 0.0,
    levers: SynthLevers = ALL_LEVERS,
) -> Ink:
    """Draw ``text`` as ``style`` writes it: whiteboard units, y down, times in seconds.

    Args:
        text: characters of ``DRAWABLE`` only.
        style: the writer.
        rng: randomness of this particular line (instances, drift phase, jitter, pauses).
        origin: where the line's baseline starts.
        t0: time of the first point.
        levers: which human-like effects to apply (all by default).

    Raises:
        SynthError: undrawable characters or nothing to draw.
    """
    bad = sorted(set(text) - DRAWABLE)
    if bad:
        raise SynthError(f"cannot draw characters {''.join(bad)!r}")
    polylines = [_chaikin(p) for p in _glyph_polylines(text, style, levers, rng)]
    if not polylines:
        raise SynthError(f"nothing to draw in {text!r}")
    polylines = _line_geometry(polylines, style, levers, rng)
    noise = style.noise if levers.kinematics else 0.0
    rate = style.rate if levers.kinematics else SAMPLE_RATE
    strokes, t, previous_end = [], t0, None
    for polyline in polylines:
        xy, times = _pen_samples(polyline, style, levers, rng)
        xy = xy + _smooth_noise(rng, len(xy), style.jitter)
        if previous_end is not None:
            jump = np.hypot(*(xy[0] - previous_end))
            t += style.pause * rng.uniform(0.5, 1.5) + jump / (2 * style.speed)
        device = xy * style.size + origin - [0.0, BASELINE * style.size]
        if noise > 0:  # digitiser noise (kinematics lever)
            device = device + rng.normal(0.0, noise, xy.shape)
        strokes.append(np.column_stack([np.rint(device), np.round(t + times, 3)]))
        t, previous_end = t + times[-1] + 1.0 / rate, xy[-1]
    return Ink(tuple(strokes), text=text)


def load_sentences(path: str | None = None) -> list[str]:
    """Sentences of a UTF-8 file (one a line, ``#`` lines skipped); the packaged ones if None."""
    if path is None:
        resource = importlib.resources.files("handwriting") / "resources" / "sentences.txt"
        content = resource.read_text(encoding="utf-8")
    elif Path(path).is_file():
        content = Path(path).read_text(encoding="utf-8", errors="replace")
    else:
        raise SynthError(f"no such sentence file: {path}")
    sentences = [s.strip() for s in content.splitlines() if clean_text(s) and s[:1] != "#"]
    if not sentences:
        raise SynthError(f"no drawable sentences in {path or 'the packaged sentences'}")
    return sentences


def _text_lines(sentences: list[str], n_lines: int, rng: np.random.Generator) -> list[str]:
    """``n_lines`` wrapped lines from the sentences in random order (recycled if needed)."""
    lines: list[str] = []
    while len(lines) < n_lines:
        for i in rng.permutation(len(sentences)):
            lines.extend(wrap_lines(sentences[i]))
    return lines[:n_lines]


def _write_form(
    root: Path, form_id: str, style: WriterStyle, lines: list[str], seed: int, levers: SynthLevers
) -> None:
    """Ink files of one form's lines, stacked down the whiteboard, and its transcript file."""
    group, form_dir = form_id.split("-")[0], form_id[:-1]
    rng = np.random.default_rng([style.seed, seed, int(form_dir.split("-")[1])])
    t = float(rng.uniform(100, 5000))
    for number, text in enumerate(lines, start=1):
        origin = (rng.uniform(400, 800), 1000 + number * 40 * style.size)
        ink = synthesize_line(text, style, rng, origin=origin, t0=t, levers=levers)
        t = float(ink.points[-1, 2]) + rng.uniform(1.0, 3.0)
        write_iam_ondb_line(
            ink, root / "lineStrokes" / group / form_dir / f"{form_id}-{number:02d}.xml"
        )
    off = [name for name in SynthLevers.names() if not getattr(levers, name)]
    header = (
        f"Synthetic form {form_id}, writer {style.writer} (glyphs {style.font}, {style.alt_font})"
    )
    header += f"; levers off: {', '.join(off)}" if off else ""
    body = "\n".join(lines)
    transcript = f"{header}\n\nOCR:\n\n{body}\n\nCSR:\n\n{body}\n"
    write_bytes_atomic(root / "ascii" / group / form_dir / f"{form_id}.txt", transcript.encode())


Form = tuple[str, WriterStyle, list[str]]  # form id, writer, text lines


def _plan_forms(lines: list[str], writers: list[WriterStyle]) -> list[Form]:
    """Deal ``lines`` to ``writers`` in equal shares, cut into forms of LINES_PER_FORM."""
    forms = []
    for w, style in enumerate(writers):
        share = lines[w :: len(writers)]
        for k, start in enumerate(range(0, len(share), LINES_PER_FORM)):
            forms.append((f"{style.writer}-{k:03d}u", style, share[start : start + LINES_PER_FORM]))
    return forms


def plan_corpus(
    lines: list[str],
    seed: int,
    test_fraction: float,
    train_fonts: Sequence[str] = TRAIN_FONTS,
    test_fonts: Sequence[str] = TEST_FONTS,
) -> tuple[list[Form], dict[str, list[str]]]:
    """Writers and forms for ``lines``, and the form ids of each split.

    The first ``test_fraction`` of the lines go to held-out writers
    (``testset_f``); about 5% of the training forms (at least one when there
    are two) make ``testset_v``; the rest is ``trainset``.
    """
    n_test = min(round(test_fraction * len(lines)), len(lines) - 1)
    n_train_writers = math.ceil((len(lines) - n_test) / LINES_PER_WRITER)
    train_writers, test_writers = make_writers(
        n_train_writers, math.ceil(n_test / LINES_PER_WRITER), seed, train_fonts, test_fonts
    )
    train_forms = _plan_forms(lines[n_test:], train_writers)
    test_forms = _plan_forms(lines[:n_test], test_writers) if n_test else []
    n_valid = round(0.05 * len(train_forms)) or (1 if len(train_forms) > 1 else 0)
    rng = np.random.default_rng([seed, len(lines)])
    valid = {train_forms[i][0] for i in rng.choice(len(train_forms), n_valid, replace=False)}
    splits = {
        "trainset": [f for f, _, _ in train_forms if f not in valid],
        "testset_v": [f for f, _, _ in train_forms if f in valid],
        "testset_f": [f for f, _, _ in test_forms],
    }
    return train_forms + test_forms, splits


def _write_corpus(
    out: Path, forms: list[Form], splits: dict, seed: int, progress: bool, levers: SynthLevers
) -> None:
    """All files of the corpus, built in a temporary directory then renamed to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        for form_id, style, form_lines in tqdm(forms, desc="synth forms", disable=not progress):
            _write_form(tmp, form_id, style, form_lines, seed, levers)
        for name, ids in splits.items():
            write_bytes_atomic(tmp / f"{name}.txt", "".join(f"{i}\n" for i in ids).encode())
        table = "".join(f"{form_id} {style.writer}\n" for form_id, style, _ in forms)
        write_bytes_atomic(tmp / "forms.txt", table.encode())
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def synthesize_corpus(
    out_dir: str | os.PathLike,
    sentences: list[str],
    n_lines: int,
    seed: int = 0,
    test_fraction: float = 0.15,
    progress: bool = True,
    train_fonts: Sequence[str] = TRAIN_FONTS,
    test_fonts: Sequence[str] = TEST_FONTS,
    levers: SynthLevers = ALL_LEVERS,
) -> dict:
    """Write a synthetic IAM-OnDB corpus of ``n_lines`` lines to ``out_dir``, atomically.

    The corpus is built in a temporary directory beside ``out_dir`` and renamed
    into place at the end, so ``out_dir`` is either complete or absent.

    Args:
        out_dir: directory to create (it may exist only if empty).
        sentences: source text, wrapped into lines of at most ``MAX_LINE_CHARS``.
        n_lines: number of text lines to draw.
        seed: seed of the whole corpus.
        test_fraction: share of lines written by held-out writers (``testset_f``).
        progress: show a progress bar.
        train_fonts: Hershey fonts of the training writers (cycled over writers).
        test_fonts: Hershey fonts of the held-out writers; disjoint from ``train_fonts``.
        levers: which human-like effects to apply (``SynthLevers``; all by default).

    Returns:
        Summary: path, number of lines, forms per split, writers and fonts per side.

    Raises:
        SynthError: bad arguments, no drawable text, or a non-empty ``out_dir``.
    """
    out = Path(out_dir)
    if n_lines < 1 or not 0 <= test_fraction < 1:
        raise SynthError(
            f"need lines >= 1 and 0 <= test fraction < 1, got {n_lines}, {test_fraction}"
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise SynthError(f"output exists and is not an empty directory: {out}")
    drawable = [s for s in sentences if clean_text(s)]
    if not drawable:
        raise SynthError("no drawable text in the sentences")
    lines = _text_lines(drawable, n_lines, np.random.default_rng(seed))
    forms, splits = plan_corpus(lines, seed, test_fraction, train_fonts, test_fonts)
    _write_corpus(out, forms, splits, seed, progress, levers)
    held_out = set(splits["testset_f"])
    sides = {"train": [f for f in forms if f[0] not in held_out]}
    sides["test"] = [f for f in forms if f[0] in held_out]
    return {
        "path": str(out),
        "lines": n_lines,
        "forms": {name: len(ids) for name, ids in splits.items()},
        "writers": {k: sorted({f[1].writer for f in v}) for k, v in sides.items()},
        "fonts": {k: sorted({f[1].font for f in v}) for k, v in sides.items()},
    }


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``synth OUT --lines N ...`` on a CLI's subparsers."""
    parser = subparsers.add_parser(
        "synth",
        help="write a synthetic online-handwriting corpus in IAM-OnDB layout",
        description="Draw text lines as synthetic writers would (Hershey and handwriting fonts, "
        "human-like stroke order, cursive, delayed strokes, pen kinematics; see --without) and "
        "write them as an IAM-OnDB corpus (lineStrokes/, ascii/, trainset.txt, testset_v.txt, "
        "testset_f.txt, forms.txt). Held-out writers (testset_f) use fonts and style seeds "
        "that no training writer uses.",
    )
    add = parser.add_argument
    add("out", metavar="OUT", help="directory to create (must not exist, or be empty)")
    add("--lines", type=int, default=2000, metavar="N", help="text lines to draw (default 2000)")
    add("--sentences", metavar="FILE", help="sentences, one a line (default: packaged LJSpeech)")
    add("--seed", type=int, default=0, help="seed of the whole corpus (default 0)")
    add(
        "--test-fraction",
        type=float,
        default=0.15,
        metavar="F",
        help="share of lines by held-out writers, listed in testset_f.txt (default 0.15)",
    )
    add(
        "--train-fonts",
        type=_font_list,
        default=TRAIN_FONTS,
        metavar="F1,F2",
        help=f"glyph sources of training writers (default {','.join(TRAIN_FONTS)}; "
        f"choose from {', '.join(known_sources())})",
    )
    add(
        "--test-fonts",
        type=_font_list,
        default=TEST_FONTS,
        metavar="F1,F2",
        help=f"glyph sources of held-out writers, none of them a training one "
        f"(default {','.join(TEST_FONTS)})",
    )
    add(
        "--without",
        type=_font_list,
        default=(),
        metavar="L1,L2",
        help="switch off these human-like effects, for ablations (choose from "
        f"{', '.join(SynthLevers.names())}; default: all on)",
    )
    add("--no-progress", action="store_true", help="do not show a progress bar")
    parser.set_defaults(func=run)
    return parser


def _font_list(text: str) -> tuple[str, ...]:
    return tuple(f.strip() for f in text.split(",") if f.strip())


def run(args: argparse.Namespace) -> int:
    """Run the ``synth`` subcommand; 0 on success, 1 with a one-line error otherwise."""
    try:
        summary = synthesize_corpus(
            args.out,
            load_sentences(args.sentences),
            args.lines,
            seed=args.seed,
            test_fraction=args.test_fraction,
            progress=not args.no_progress,
            train_fonts=args.train_fonts,
            test_fonts=args.test_fonts,
            levers=SynthLevers.without(args.without),
        )
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    forms = ", ".join(f"{k} {v}" for k, v in summary["forms"].items())
    print(f"wrote {summary['lines']} lines to {summary['path']} (forms: {forms})")
    return 0
