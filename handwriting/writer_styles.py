"""Synthetic writers: a Hershey font plus a style seed that draws slant, size,
spacing, baseline drift, jitter and pen speed. Training and held-out writers
never share a font or a seed (see ``make_writers``); ``handwriting.synth``
draws their lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np

# Hershey fonts that draw Latin letters (the others map ASCII to Greek, Cyrillic or symbols).
LATIN_FONTS = (
    "cursive", "futural", "futuram", "gothgbt", "gothgrt", "gothiceng", "gothicger", "gothicita",
    "gothitt", "rowmand", "rowmans", "rowmant", "scriptc", "scripts", "timesi", "timesib",
    "timesr", "timesrb",
)  # fmt: skip
# Held-out fonts are other designs of families seen in training (script, sans, serif),
# as a new writer has their own hand but writes letters the reader has seen before.
TRAIN_FONTS = (
    "cursive",
    "futural",
    "timesi",
    "scriptc",
    "rowmand",
    "rowmant",
    "futuram",
    "timesib",
)
TEST_FONTS = ("scripts", "rowmans", "timesr")


class SynthError(ValueError):
    """Bad synthesis request (arguments, sentences or output directory)."""


def _drawn(low: float, high: float):
    """A style field drawn uniformly from [low, high] by ``make_style``."""
    return field(metadata={"range": (low, high)})


@dataclass(frozen=True)
class WriterStyle:
    """One synthetic writer. Lengths are in glyph units (cap height 21)."""

    writer: str
    font: str
    seed: int
    slant_deg: float = _drawn(-8.0, 22.0)  # positive leans right
    size: float = _drawn(8.0, 14.0)  # whiteboard units per glyph unit
    width: float = _drawn(0.85, 1.2)  # horizontal stretch of glyphs
    letter_spacing: float = _drawn(-0.5, 2.5)  # extra space after each glyph
    word_spacing: float = _drawn(0.8, 1.6)  # factor on the font's space width
    drift: float = _drawn(0.0, 2.5)  # amplitude of the wavy baseline
    jitter: float = _drawn(0.05, 0.25)  # std of the smooth pen wobble
    speed: float = _drawn(150.0, 260.0)  # peak pen speed, glyph units per second
    pause: float = _drawn(0.05, 0.25)  # mean pen-up pause, seconds


def make_style(writer: str, font: str, seed: int) -> WriterStyle:
    """The style a seed gives a writer of ``font``."""
    rng = np.random.default_rng(seed)
    ranges = {f.name: f.metadata["range"] for f in fields(WriterStyle) if "range" in f.metadata}
    drawn = {name: float(rng.uniform(*bounds)) for name, bounds in ranges.items()}
    return WriterStyle(writer=writer, font=font, seed=seed, **drawn)


def check_fonts(train_fonts: Sequence[str], test_fonts: Sequence[str]) -> None:
    """Raise ``SynthError`` unless both font lists are non-empty, Latin and disjoint."""
    if not train_fonts or not test_fonts:
        raise SynthError("need at least one training font and one held-out font")
    unknown = sorted((set(train_fonts) | set(test_fonts)) - set(LATIN_FONTS))
    if unknown:
        raise SynthError(
            f"unknown fonts {', '.join(unknown)}; choose from {', '.join(LATIN_FONTS)}"
        )
    shared = sorted(set(train_fonts) & set(test_fonts))
    if shared:
        raise SynthError(f"fonts both in training and held out: {', '.join(shared)}")


def make_writers(
    n_train: int,
    n_test: int,
    seed: int,
    train_fonts: Sequence[str] = TRAIN_FONTS,
    test_fonts: Sequence[str] = TEST_FONTS,
) -> tuple[list[WriterStyle], list[WriterStyle]]:
    """Training and held-out writers; fonts and style seeds never shared between the two."""
    check_fonts(train_fonts, test_fonts)
    seeds = np.random.default_rng(seed).choice(10**9, size=n_train + n_test, replace=False)
    fonts = [train_fonts[i % len(train_fonts)] for i in range(n_train)]
    fonts += [test_fonts[i % len(test_fonts)] for i in range(n_test)]
    styles = [make_style(f"w{i + 1:02d}", f, int(seeds[i])) for i, f in enumerate(fonts)]
    return styles[:n_train], styles[n_train:]
