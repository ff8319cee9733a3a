"""Side-by-side picture of synthetic and real pen ink (``docs/img/ink_samples.png``).

One text, written by: the original synthesiser (Hershey fonts, every lever
off), today's synthesiser (training writers, then held-out writers whose glyph
sources, seeds and sampling rate no training writer has), and real people
(Omniglot drawers' letters, composed as ``bench/ink_real_proxy.py`` does).
Each stroke has its own colour so pen lifts, stroke order and delayed strokes
show.

    python bench/ink_samples.py docs/img/ink_samples.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ink_real_proxy import DEFAULT_ROOT, compose_line  # noqa: E402

from handwriting.ink import Ink  # noqa: E402
from handwriting.readers.omniglot import read_omniglot_latin  # noqa: E402
from handwriting.synth import synthesize_line  # noqa: E402
from handwriting.writer_styles import TEST_FONTS, TRAIN_FONTS, SynthLevers, make_writers  # noqa: E402

TEXT = "a move to stop mr gaitskell from"
CLASSIC = SynthLevers.without(SynthLevers.names())
HERSHEY = (("cursive", "futural", "timesi"), ("scripts", "rowmans"))


def rows(seed: int) -> list[tuple[str, Ink]]:
    """(label, ink) of every row of the picture."""
    out = []
    classic, _ = make_writers(3, 1, seed, *HERSHEY)
    for style in classic:
        ink = synthesize_line(TEXT, style, np.random.default_rng(seed), levers=CLASSIC)
        out.append((f"original synthesiser, Hershey {style.font}", ink))
    train, test = make_writers(len(TRAIN_FONTS), len(TEST_FONTS), seed)
    for style in train[8:14:2] + train[15:21:2] + train[20:21] + train[1:2]:
        ink = synthesize_line(TEXT, style, np.random.default_rng(seed))
        out.append((f"training writer, {style.font} ({_kind(style.cursive)})", ink))
    for style in test[3:] + test[:1]:
        ink = synthesize_line(TEXT, style, np.random.default_rng(seed))
        out.append((f"held-out writer, {style.font} ({_kind(style.cursive)})", ink))
    if DEFAULT_ROOT.is_dir():
        omniglot = read_omniglot_latin(DEFAULT_ROOT)
        for drawer in ("03", "11", "17"):
            drawings = {c: omniglot[c][drawer] for c in omniglot}
            ink = compose_line(TEXT, drawings, np.random.default_rng(seed))
            out.append((f"real pen: Omniglot drawer {drawer} (letters composed)", ink))
    return out


def _kind(cursive: float) -> str:
    return "print" if cursive == 0 else "cursive" if cursive > 0.8 else "mixed"


def draw(path: Path, seed: int) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = rows(seed)
    fig, axes = plt.subplots(len(table), 1, figsize=(9, 0.95 * len(table)))
    colours = plt.get_cmap("tab10").colors
    for ax, (label, ink) in zip(axes, table, strict=True):
        for k, stroke in enumerate(ink.strokes):
            ax.plot(stroke[:, 0], -stroke[:, 1], lw=1.0, color=colours[k % len(colours)])
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(label, fontsize=7, loc="left")
    fig.tight_layout(h_pad=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="PNG to write")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    print(draw(args.out, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
