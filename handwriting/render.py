"""``handwriting render``: ink files -> images (png, jpg, svg, pdf), optionally with recognition.

The command line of ``handwriting.plot.plot_ink``: reader -> (optionally the
recognizer of ``handwriting.api`` for text and character spans) -> image. One
input may be written to ``-o FILE.<png|jpg|svg|pdf>``; several go to ``-o DIR``
as ``<name>.<--image-format>`` (JSON results of ``recognize`` found in folders are
skipped). A bad input is reported on one line, the
others still drawn; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common.cli_util import UserError, expand_inputs, report_error
from handwriting.recognize import is_recognition_output

INK_SUFFIXES = {".xml", ".inkml", ".json"}
IMAGE_TYPES = ("png", "jpg", "svg", "pdf")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``render FILE|DIR... -o OUT [--text TEXT] [--model NAME|PATH]``."""
    parser = subparsers.add_parser(
        "render",
        help="draw ink files as images (png, jpg, svg, pdf)",
        description="Draw ink files (.xml IAM-OnDB line, .inkml, .json; folders are searched) "
        "as images. With one input, -o may name the image (its suffix picks the type: "
        "png, jpg, svg, pdf); otherwise -o is a folder receiving <name>.<--image-format>.",
    )
    parser.add_argument("inputs", nargs="+", metavar="FILE|DIR", help="ink files or folders")
    parser.add_argument(
        "-o", "--output", required=True, type=Path, metavar="IMAGE|DIR", help="where to draw"
    )
    parser.add_argument(
        "--image-format",
        choices=IMAGE_TYPES,
        default="png",
        help="image type of files written into a folder (default: png)",
    )
    parser.add_argument("--text", default=None, help="title (default: the file's transcript)")
    parser.add_argument("--y-up", action="store_true", help="the ink's y axis points up")
    parser.add_argument(
        "--model",
        default=None,
        metavar="NAME|PATH",
        help="recognise the ink with this model (e.g. ink-synthetic) and draw the recognised "
        "text and character spans",
    )
    parser.add_argument("--device", default="auto", help="where --model runs (default: auto)")
    parser.set_defaults(func=run)
    return parser


def _targets(files: list[Path], output: Path, image_type: str) -> dict[Path, Path]:
    """Input -> image path; one input may name its image, several need a folder."""
    from common.cli_output import output_stems
    from handwriting.plot import image_format

    if len(files) == 1 and output.suffix and not output.is_dir():
        image_format(output)  # refuse an unknown suffix before drawing anything
        return {files[0]: output}
    if output.suffix and not output.is_dir():
        raise UserError(f"{len(files)} inputs need -o DIR, not the file name {output}")
    return {
        src: stem.with_name(f"{stem.name}.{image_type}")
        for src, stem in output_stems(files, output).items()
    }


def run(args: argparse.Namespace) -> int:
    """Draw every input; 0 when all were drawn, 1 when some failed (each named on one line)."""
    from handwriting.api import to_ink
    from handwriting.plot import plot_ink

    files = expand_inputs(args.inputs, INK_SUFFIXES, skip=is_recognition_output)
    targets = _targets(files, args.output, args.image_format)
    recognizer = None
    if args.model is not None:
        from handwriting.api import load

        recognizer = load(args.model, args.device)
    failed = 0
    for src, image in targets.items():
        try:
            ink = to_ink(src, args.y_up)
            title = args.text if args.text is not None else ink.text
            spans = None
            if recognizer is not None:
                rec = recognizer.recognize(ink)
                title, spans = rec.text, [(c.text, c.start, c.end) for c in rec.chars]
            print(f"wrote {plot_ink(ink, image, text=title, spans=spans)}")
        except (ValueError, OSError) as err:
            report_error(f"{src}: {err}" if str(src) not in str(err) else str(err))
            failed += 1
    return 1 if failed else 0
