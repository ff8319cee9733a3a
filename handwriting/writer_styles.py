"""Synthetic writers: a glyph source plus a style seed that draws the writer's hand.

Part of ``handwriting synth`` (glyphs -> writer habits -> line geometry ->
kinematics -> ink). A ``WriterStyle`` holds everything one writer does the
same way on every line: slant, size, spacing, how often they lift the pen
inside a letter, reverse or reorder strokes, join letters, delay dots and
crosses, how much each letter instance varies, how their pen accelerates and
how their digitiser samples it. Training and held-out writers never share a
glyph source, a seed or a sampling rate (see ``make_writers``). ``SynthLevers``
switches each family of these effects on or off, for ablations.
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
# ``ttf:`` sources are handwriting outline fonts turned into centre lines
# (handwriting.font_strokes); held out: two of the six bwht hands, a script and a print hand.
# ``school:print`` (training only) is the ball-and-stick lowercase taught at school.
TRAIN_FONTS = (
    "cursive",
    "futural",
    "timesi",
    "scriptc",
    "rowmand",
    "rowmant",
    "futuram",
    "timesib",
    "ttf:dkg",
    "ttf:breip",
    "ttf:ecolier",
    "ttf:bwht-build",
    "ttf:bwht-connect",
    "ttf:bwht-learn",
    "ttf:humor",
    "ttf:comic",
    "ttf:andika",
    "ttf:klee",
    "ttf:kaushan",
    "ttf:rufscript",
    "school:print",
)
TEST_FONTS = (
    "scripts",
    "rowmans",
    "timesr",
    "ttf:dancing",
    "ttf:bwht-mentor",
    "ttf:bwht-organize",
    "ttf:dyslexic",
)
TRAIN_RATES = (80.0, 100.0, 200.0)  # Hz; digitisers differ
TEST_RATES = (130.0,)  # no training writer samples at this rate


@dataclass(frozen=True)
class SynthLevers:
    """Which families of human-like effects the synthesiser applies (all on by default)."""

    stroke_order: bool = True  # pen lifts inside letters, stroke order and direction habits
    cursive: bool = True  # letters of a word joined by ligatures (per-writer share)
    delayed_strokes: bool = True  # i/j dots and t/f/x crosses written after the word
    glyph_variety: bool = True  # per-instance elastic deformation and per-writer allographs
    kinematics: bool = True  # sigma-lognormal speed, writer sampling rates, hooks, sensor noise
    line_geometry: bool = True  # curved baselines, per-word slant/size drift, uneven spacing
    proportions: bool = True  # x-height, ascender, descender ratios, t-cross height, bounce

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def without(cls, names: Sequence[str]) -> SynthLevers:
        """All levers on except ``names``; ``SynthError`` names an unknown lever."""
        unknown = sorted(set(names) - set(cls.names()))
        if unknown:
            raise SynthError(
                f"unknown levers {', '.join(unknown)}; choose from {', '.join(cls.names())}"
            )
        return cls(**{n: n not in names for n in cls.names()})


class SynthError(ValueError):
    """Bad synthesis request (arguments, sentences or output directory)."""


def _drawn(low: float, high: float):
    """A style field drawn uniformly from [low, high] by ``make_style``."""
    return field(metadata={"range": (low, high)})


def _drawn_later(low: float, high: float):
    """A style field added after the first corpora: drawn from its own stream, so that
    the fields before it (and every earlier writer) stay as they were."""
    return field(metadata={"later_range": (low, high)})


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
    # stroke_order: habits per character (handwriting.pen_habits.apply_habits)
    p_split: float = _drawn(0.0, 0.5)  # a stroke is cut at its sharpest corner
    p_reorder: float = _drawn(0.0, 0.4)  # a letter's strokes are drawn in another order
    p_reverse: float = _drawn(0.0, 0.3)  # a stroke is drawn backwards
    # cursive: share of letter pairs within a word joined by a ligature
    cursive: float = _drawn(0.0, 1.0)  # redrawn by make_style: print, mixed or cursive writer
    p_delay: float = _drawn(0.2, 1.0)  # a dot or cross is written after the word
    # glyph_variety
    elastic: float = _drawn(0.2, 1.0)  # glyph units of per-instance warp
    p_allograph: float = _drawn(0.0, 0.3)  # a letter is written in the writer's second hand
    # kinematics
    sigma: float = _drawn(0.15, 0.35)  # log-time spread of lognormal components
    p_hook: float = _drawn(0.0, 0.6)  # a stroke gets a flick at pen-down or pen-up
    hook: float = _drawn(0.3, 1.5)  # flick length, glyph units
    noise: float = _drawn(0.0, 0.8)  # digitiser noise, device units
    # line_geometry
    bow: float = _drawn(-3.0, 3.0)  # baseline curvature: sag at mid-line, glyph units
    word_slant: float = _drawn(0.0, 5.0)  # std of per-word slant change, degrees
    word_size: float = _drawn(0.0, 0.08)  # std of per-word log size change
    space_jitter: float = _drawn(0.0, 0.3)  # std of word-space factor
    space_scale: float = _drawn(0.55, 1.1)  # factor on the word space (people write tighter)
    # proportions
    x_ratio: float = _drawn(0.75, 1.3)  # factor on the x-height zone
    ascender: float = _drawn(0.6, 1.2)  # factor on ascenders and capitals above x-height
    descender: float = _drawn(0.65, 1.3)  # factor on descenders
    bounce: float = _drawn(0.0, 1.2)  # std of each letter's offset from the baseline, glyph units
    t_cross: float = _drawn_later(0.0, 0.7)  # share of the way a t's cross is raised to its top
    alt_font: str = ""  # second glyph source (allographs); same side as ``font``
    rate: float = 100.0  # digitiser sampling rate, Hz


def _cursive_share(rng: np.random.Generator) -> float:
    """Print writers (40%), mixed (30%) and cursive writers (30%)."""
    kind = rng.random()
    if kind < 0.4:
        return 0.0
    return float(rng.uniform(0.3, 0.7) if kind < 0.7 else rng.uniform(0.85, 1.0))


def make_style(
    writer: str, font: str, seed: int, alt_font: str = "", held_out: bool = False
) -> WriterStyle:
    """The style a seed gives a writer of ``font``.

    Held-out writers sample at a rate and with a lognormal spread (sigma 0.35-0.45)
    that no training writer uses.
    """
    rng = np.random.default_rng(seed)
    ranges = {f.name: f.metadata["range"] for f in fields(WriterStyle) if "range" in f.metadata}
    drawn = {name: float(rng.uniform(*bounds)) for name, bounds in ranges.items()}
    drawn["cursive"] = _cursive_share(rng)
    rates = TEST_RATES if held_out else TRAIN_RATES
    drawn["rate"] = float(rates[rng.integers(len(rates))])
    if held_out:
        drawn["sigma"] = float(rng.uniform(0.35, 0.45))
    later = np.random.default_rng([seed, 1])
    for f in fields(WriterStyle):
        if "later_range" in f.metadata:
            drawn[f.name] = float(later.uniform(*f.metadata["later_range"]))
    return WriterStyle(writer=writer, font=font, seed=seed, alt_font=alt_font or font, **drawn)


def known_sources() -> tuple[str, ...]:
    """Hershey fonts and ``ttf:NAME`` handwriting fonts (``handwriting.font_strokes``)."""
    from handwriting.font_strokes import TTF_FONTS
    from handwriting.glyph_sources import SCHOOL_PRINT

    return LATIN_FONTS + tuple(f"ttf:{name}" for name in TTF_FONTS) + (SCHOOL_PRINT,)


def check_fonts(train_fonts: Sequence[str], test_fonts: Sequence[str]) -> None:
    """Raise ``SynthError`` unless both font lists are non-empty, Latin and disjoint."""
    if not train_fonts or not test_fonts:
        raise SynthError("need at least one training font and one held-out font")
    unknown = sorted((set(train_fonts) | set(test_fonts)) - set(known_sources()))
    if unknown:
        raise SynthError(
            f"unknown fonts {', '.join(unknown)}; choose from {', '.join(known_sources())}"
        )
    shared = sorted(set(train_fonts) & set(test_fonts))
    if shared:
        raise SynthError(f"fonts both in training and held out: {', '.join(shared)}")


def _has_lowercase(source: str) -> bool:
    from handwriting.glyph_sources import glyph_table

    return "a" in glyph_table(source)


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
    styles = []
    for i, font in enumerate(fonts):
        side = train_fonts if i < n_train else test_fonts
        # the second hand (allographs) comes from the same side; for a capitals-only font it
        # is also where lowercase comes from, so it must have lowercase
        alts = [f for f in side if f != font and (_has_lowercase(f) or _has_lowercase(font))]
        alt = alts[(i // len(side)) % len(alts)] if alts else font
        styles.append(make_style(f"w{i + 1:02d}", font, int(seeds[i]), alt, i >= n_train))
    return styles[:n_train], styles[n_train:]
