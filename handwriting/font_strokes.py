"""Handwriting-style outline fonts turned into pen centre lines (``ttf:NAME`` glyph sources).

First stage of ``handwriting synth``, beside the Hershey fonts of
``handwriting.glyph_sources``: each character the font has is rendered large
(Pillow), binarised and skeletonised (scikit-image); the skeleton's pixel graph
is cut into chains between endpoints and junctions, spurs shorter than the
stroke width are pruned, and chains are joined into long pen strokes by going
straight on at junctions. Strokes are simplified lightly, put in writing order
(left to right, top first, unless a stroke continues where the last one ended;
each starts at its left/top end; closed loops start at the top and run
counter-clockwise) and scaled to Hershey glyph units:
y down, baseline y = 9, cap height 21 (the font's 'H'), x = 0 at the pen origin.
"""

from __future__ import annotations

import functools
import logging
import string
from pathlib import Path

import numpy as np

from handwriting.glyph_sources import BASELINE, CAP_TOP, Glyph, GlyphTable

DRAWABLE = frozenset(string.ascii_letters + string.digits + " .,;:!?'\"-()")  # = synth.DRAWABLE
CAP_PX = 100  # rendered cap height in pixels (more for fonts with thin strokes)
MIN_WIDTH_PX = 8.0  # fonts are rendered so large that strokes are at least this wide
INK_LEVEL = 96  # 0..255 coverage counted as ink (low: keeps hairlines of script fonts)
SIMPLIFY_PX = 0.6  # Douglas-Peucker tolerance, pixels
_BWHT = "/usr/share/fonts/opentype/bwht/BecauseWe{}-Regular.otf"

TTF_FONTS: dict[str, str] = {
    **{f"bwht-{h.lower()}": _BWHT.format(h) for h in ("Build", "Connect", "Learn", "Mentor")},
    "bwht-organize": _BWHT.format("Organize"),
    "dkg": "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
    "breip": "/usr/share/fonts/truetype/breip/breipfont.ttf",
    "ecolier": "/usr/share/fonts/truetype/ecolier-court/Ecolier-court.ttf",
    "dancing": "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf",
    "humor": "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf",
    # print hands: casual (Comic Neue), school/literacy (Andika, single-storey a and g),
    # pencil (Klee One), dyslexia-friendly (OpenDyslexic); brush and pen scripts
    "comic": "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf",
    "andika": "/usr/share/fonts/truetype/andika/Andika-Regular.ttf",
    "klee": "/usr/share/fonts/truetype/klee/KleeOne-Regular.ttf",
    "dyslexic": "/usr/share/fonts/opentype/opendyslexic/OpenDyslexic-Regular.otf",
    "kaushan": "/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf",
    "rufscript": "/usr/share/fonts/truetype/rufscript/Rufscript010.ttf",
}
# All-capitals hands: their lowercase letters are capital shapes, which would label a
# capital as a lowercase letter; their tables leave lowercase out (the synthesiser falls back).
CAPS_ONLY: frozenset[str] = frozenset({*(n for n in TTF_FONTS if n.startswith("bwht-")), "humor"})
_PACKAGES = {
    "bwht": "fonts-bwht",
    "fifthhorseman": "fonts-dkg-handwriting",
    "breip": "fonts-breip",
    "ecolier-court": "fonts-ecolier-court",
    "dancingscript": "fonts-dancingscript",
    "humor-sans": "fonts-humor-sans",
    "comic-neue": "fonts-comic-neue",
    "andika": "fonts-sil-andika",
    "klee": "fonts-klee",
    "opendyslexic": "fonts-opendyslexic",
    "kaushanscript": "fonts-kaushanscript",
    "rufscript": "fonts-rufscript",
}


# --- skeleton -> pen strokes (pixel units: x right, y down) ---------------------------

_NBRS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))
MAX_TURN_COS = 0.5  # at a junction a stroke goes on only if it turns by less than 60 degrees,
LAST_TURN_COS = -0.5  # or 120 degrees into the junction's last unused chain


def _neighbours(p: tuple[int, int], pixels: set) -> list[tuple[int, int]]:
    """The 8-connected skeleton neighbours of pixel ``p`` (row, col)."""
    return [q for dy, dx in _NBRS if (q := (p[0] + dy, p[1] + dx)) in pixels]


def _node_clusters(pixels: set, node_pixels: set) -> tuple[dict, list[np.ndarray]]:
    """Group 8-connected endpoint/junction pixels into nodes: (pixel -> node id, node centres)."""
    node_of, centres = {}, []
    for start in sorted(node_pixels):
        if start in node_of:
            continue
        node_of[start], stack, members = len(centres), [start], []
        while stack:
            p = stack.pop()
            members.append(p)
            for q in _neighbours(p, node_pixels):
                if q not in node_of:
                    node_of[q] = node_of[start]
                    stack.append(q)
        centres.append(np.mean(members, axis=0))
    return node_of, centres


def _walk(pixels: set, prev: tuple, cur: tuple, stop: set, seen: set) -> list[tuple]:
    """Follow a one-pixel-wide chain from ``prev`` -> ``cur`` until a ``stop`` pixel (included)."""
    chain = [cur]
    while cur not in stop:
        seen.add(cur)
        ahead = [q for q in _neighbours(cur, pixels) if q != prev and q not in seen]
        if not ahead:
            break
        prev, cur = cur, ahead[0]
        chain.append(cur)
    return chain


def skeleton_graph(skeleton: np.ndarray) -> tuple[list[np.ndarray], list[tuple[int, int]], int]:
    """Chains of a skeleton between its nodes (endpoints, junctions) and its closed loops.

    Returns:
        ``(paths, ends, n_nodes)``: each path an (N, 2) array of (x, y) pixel centres;
        ``ends[i]`` the nodes at either end of path i, ``(-1, -1)`` for a closed loop.
    """
    pixels = set(zip(*np.nonzero(skeleton), strict=True))
    node_pixels = {p for p in pixels if len(_neighbours(p, pixels)) != 2}
    node_of, centres = _node_clusters(pixels, node_pixels)
    paths, ends, seen, direct = [], [], set(), set()
    for p in sorted(node_pixels):
        for q in _neighbours(p, pixels):
            a = node_of[p]
            if q in node_pixels:  # two node clusters touching: a chain without interior
                b = node_of[q]
                if a != b and (min(a, b), max(a, b)) not in direct:
                    direct.add((min(a, b), max(a, b)))
                    paths.append([centres[a], centres[b]])
                    ends.append((a, b))
            elif q not in seen:
                chain = _walk(pixels, p, q, node_pixels, seen)
                b = node_of.get(chain[-1], a)
                paths.append([centres[a], *chain[:-1], centres[b]])
                ends.append((a, b))
    for p in sorted(pixels - node_pixels - seen):  # loops without any node
        if p not in seen:
            chain = _walk(pixels, p, _neighbours(p, pixels)[0], {p}, seen)
            paths.append([p, *chain])
            ends.append((-1, -1))
    for a, centre in enumerate(centres):  # dots: a node with no chain
        if all(a not in e for e in ends):
            paths.append([centre])
            ends.append((a, a))
    xy = [np.asarray(path, dtype=np.float64)[:, ::-1] + 0.5 for path in paths]
    return xy, ends, len(centres)


def _length(path: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())


def _degrees(ends: list[tuple[int, int]], n_nodes: int) -> np.ndarray:
    degree = np.zeros(n_nodes + 1, dtype=int)  # index -1 collects closed loops
    for a, b in ends:
        degree[a] += 1
        degree[b] += 1
    return degree


def prune_spurs(paths: list, ends: list, n_nodes: int, min_length: float) -> tuple[list, list]:
    """Drop chains from a junction to a free end shorter than ``min_length``, shortest first.

    A junction keeps at least two chains, so a blob's skeleton (a dot) never vanishes.
    """
    degree = _degrees(ends, n_nodes)
    dropped = set()
    for i in sorted(range(len(paths)), key=lambda i: _length(paths[i])):
        a, b = ends[i]
        if a == b or _length(paths[i]) >= min_length:
            continue
        free, junction = (a, b) if degree[a] == 1 else (b, a)
        if degree[free] == 1 and degree[junction] >= 3:
            dropped.add(i)
            degree[[a, b]] -= 1
    keep = [i for i in range(len(paths)) if i not in dropped]
    return [paths[i] for i in keep], [ends[i] for i in keep]


def _heading(path: np.ndarray, reach: float) -> np.ndarray:
    """Unit direction in which ``path`` leaves its first point, over about ``reach`` pixels."""
    steps = np.linalg.norm(path - path[0], axis=1)
    far = path[min(int(np.searchsorted(steps, reach)), len(path) - 1)]
    vector = far - path[0]
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def _extend(stroke, node, unused, paths, ends, degree, reach) -> np.ndarray:
    """Continue ``stroke`` (ending at ``node``) along the straightest unused chain, repeatedly."""
    while node >= 0:
        options = [(i, False) for i in unused if ends[i][0] == node]
        options += [(i, True) for i in unused if ends[i][1] == node]
        if not options:
            break
        arriving = -_heading(stroke[::-1], reach)
        oriented = [(i, paths[i][::-1] if flip else paths[i], flip) for i, flip in options]
        i, path, flip = max(oriented, key=lambda o: float(_heading(o[1], reach) @ arriving))
        turn = float(_heading(path, reach) @ arriving)
        if degree[node] > 2 and turn < (LAST_TURN_COS if len(options) == 1 else MAX_TURN_COS):
            break
        unused.discard(i)
        stroke = np.concatenate([stroke, path[1:]])
        node = ends[i][0] if flip else ends[i][1]
    return stroke


def join_chains(paths: list, ends: list, n_nodes: int, reach: float) -> list[np.ndarray]:
    """Pen strokes: from the longest unused chain, go on straight through junctions both ways."""
    degree = _degrees(ends, n_nodes)
    unused = set(range(len(paths)))
    strokes = []
    while unused:
        seed = max(unused, key=lambda i: (_length(paths[i]), -i))
        unused.discard(seed)
        a, b = ends[seed]
        stroke = _extend(paths[seed], b, unused, paths, ends, degree, reach)
        strokes.append(_extend(stroke[::-1], a, unused, paths, ends, degree, reach))
    return strokes


def _writing_direction(stroke: np.ndarray) -> np.ndarray:
    """Open strokes start at their left/top end; closed ones at the top, counter-clockwise."""
    if len(stroke) > 2 and np.allclose(stroke[0], stroke[-1]):
        ring = stroke[:-1]
        x, y = ring[:, 0], ring[:, 1]
        if float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)) > 0:  # clockwise on screen
            ring = ring[::-1]
        ring = np.roll(ring, -int(np.argmin(ring[:, 1])), axis=0)
        return np.concatenate([ring, ring[:1]])
    return stroke[::-1] if stroke[-1].sum() < stroke[0].sum() else stroke


def skeleton_strokes(mask: np.ndarray, tolerance: float) -> list[np.ndarray]:
    """Centre-line pen strokes of an ink mask (pixel units), in writing order.

    Args:
        mask: bool (H, W) ink image, rows down.
        tolerance: Douglas-Peucker tolerance in pixels.

    Returns:
        (N, 2) arrays of (x, y) pixel centres, x right, y down.
    """
    from skimage.measure import approximate_polygon
    from skimage.morphology import skeletonize

    skeleton = skeletonize(mask)
    if not skeleton.any():
        return []
    width = stroke_width(mask, skeleton)
    paths, ends, n_nodes = skeleton_graph(skeleton)
    paths, ends = prune_spurs(paths, ends, n_nodes, width)
    strokes = [_writing_direction(s) for s in join_chains(paths, ends, n_nodes, width)]
    strokes = [approximate_polygon(s, tolerance) if len(s) > 2 else s for s in strokes]
    return pen_order(strokes, width)


def pen_order(strokes: list[np.ndarray], reach: float) -> list[np.ndarray]:
    """Writing order: by left edge, then top; but a stroke that begins (or, reversed, ends)
    within ``reach`` of where the previous one ended comes next, so the pen runs on."""
    cell = 3.0 * reach  # strokes whose left edges are this close are taken top first
    rest = sorted(strokes, key=lambda s: (round(s[:, 0].min() / cell), s[:, 1].min()))
    ordered = [rest.pop(0)] if rest else []
    while rest:
        end = ordered[-1][-1]
        gaps = [
            (float(np.linalg.norm(t - end)), i, flip)
            for i, s in enumerate(rest)
            for t, flip in ((s[0], False), (s[-1], True))
            if not (flip and np.array_equal(s[0], s[-1]))  # a loop keeps its direction
        ]
        gap, i, flip = min(gaps, key=lambda g: g[0])
        stroke = rest.pop(i if gap <= reach else 0)
        ordered.append(stroke[::-1] if gap <= reach and flip else stroke)
    return ordered


def debian_package(name: str) -> str:
    """The Debian package that installs font ``name``."""
    return _PACKAGES[Path(TTF_FONTS[name]).parent.name]


def available_ttf_fonts() -> list[str]:
    """Names of the registered fonts whose files are installed."""
    return [name for name, path in TTF_FONTS.items() if Path(path).is_file()]


def font_path(name: str) -> str:
    """The installed file of font ``name``; ValueError (one line) when unknown or missing."""
    if name not in TTF_FONTS:
        raise ValueError(f"unknown ttf font {name!r}: choose from {', '.join(TTF_FONTS)}")
    path = TTF_FONTS[name]
    if not Path(path).is_file():
        raise ValueError(
            f"ttf font {name!r} is not installed: apt-get install {debian_package(name)}"
        )
    return path


class FontMetrics:
    """What the table needs from a font file (fontTools): cmap, advances, cap height, size."""

    def __init__(self, path: str) -> None:
        from fontTools.pens.boundsPen import BoundsPen
        from fontTools.ttLib import TTFont

        quirks = logging.getLogger("fontTools")  # warns about harmless quirks of old fonts
        level = quirks.level
        quirks.setLevel(logging.ERROR)
        try:
            font = TTFont(path, lazy=True)
            self.cmap: dict[int, str] = font.getBestCmap()
            self.units_per_em = font["head"].unitsPerEm
            self._hmtx = font["hmtx"]
        finally:
            quirks.setLevel(level)
        glyphs = font.getGlyphSet()
        pen = BoundsPen(glyphs)
        glyphs[self.cmap[ord("H")]].draw(pen)
        self.cap_height = pen.bounds[3]  # top of 'H', font units
        self.size = _legible_size(path, round(CAP_PX * self.units_per_em / self.cap_height))
        self.unit = (BASELINE - CAP_TOP) / self.cap_height  # glyph units per font unit

    def advance(self, char: str) -> float:
        """Advance width of ``char`` in glyph units."""
        return self._hmtx[self.cmap[ord(char)]][0] * self.unit

    def px_to_glyph(self, xy: np.ndarray) -> np.ndarray:
        """Pixel (x, y down) relative to the pen origin on the baseline -> glyph units."""
        return xy * (self.unit * self.units_per_em / self.size) + [0.0, BASELINE]


def render(path: str, char: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Ink mask of ``char`` at ``size`` px/em and the pixel position of its pen origin.

    Returns:
        ``(mask, origin)``: bool (H, W) array (True = ink, rows down) and ``[x, y]`` of
        the pen origin on the baseline in pixel units (pixel (r, c) has its centre at
        ``(c + 0.5, r + 0.5)``).
    """
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
    left, top, right, bottom = font.getbbox(char, anchor="ls")
    pad = 4
    origin = np.array([pad - left, pad - top], dtype=np.float64)
    image = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(image).text(tuple(origin), char, font=font, fill=255, anchor="ls")
    return np.asarray(image) >= INK_LEVEL, origin


def stroke_width(mask: np.ndarray, skeleton: np.ndarray) -> float:
    """Typical stroke width of an ink mask in pixels: twice the median depth of its skeleton."""
    from scipy.ndimage import distance_transform_edt

    return 2.0 * float(np.median(distance_transform_edt(mask)[skeleton]))


def _legible_size(path: str, size: int) -> int:
    """``size`` (px/em), enlarged (up to 4x) until the strokes of 'l', 'o', 'n' and 'e' are
    ``MIN_WIDTH_PX`` wide, so that binarising keeps a script font's hairlines whole."""
    from skimage.morphology import skeletonize

    widths = []
    for char in "lone":
        mask, _ = render(path, char, size)
        widths.append(stroke_width(mask, skeletonize(mask)))
    return round(size * float(np.clip(MIN_WIDTH_PX / np.median(widths), 1.0, 4.0)))


def glyph_centre_lines(path: str, char: str, metrics: FontMetrics) -> tuple[np.ndarray, ...]:
    """Centre-line strokes of ``char`` in glyph units, in writing order."""
    mask, origin = render(path, char, metrics.size)
    strokes = [metrics.px_to_glyph(s - origin) for s in skeleton_strokes(mask, SIMPLIFY_PX)]
    return tuple(s for s in strokes if _near_line(s))


def _near_line(stroke: np.ndarray) -> bool:
    """Whether a stroke comes within a cap height of the writing line (font defects such as
    a stray rule far under ecolier's 'W' do not)."""
    cap = BASELINE - CAP_TOP
    return bool(np.any((stroke[:, 1] > CAP_TOP - cap) & (stroke[:, 1] < BASELINE + cap)))


def _drawable(metrics: FontMetrics, caps_only: bool) -> list[str]:
    """The drawable characters the font really has (lowercase left out for all-caps hands)."""
    chars = sorted(c for c in DRAWABLE if ord(c) in metrics.cmap)
    return [c for c in chars if not (caps_only and c in string.ascii_lowercase)]


def build_table(name: str) -> GlyphTable:
    """Trace every drawable character of font ``name`` (no caching)."""
    path = font_path(name)
    metrics = FontMetrics(path)
    table = {}
    for char in _drawable(metrics, name in CAPS_ONLY):
        strokes = () if char == " " else glyph_centre_lines(path, char, metrics)
        if strokes or char == " ":  # a glyph that renders empty is not really there
            table[char] = Glyph(strokes=strokes, advance=metrics.advance(char))
    return table


@functools.cache
def ttf_table(name: str) -> GlyphTable:
    """Glyph table of the handwriting font ``name``, traced once per process (0.1-0.8 s).

    Raises:
        ValueError: ``name`` is not registered or its Debian package is not installed.
    """
    return build_table(name)
