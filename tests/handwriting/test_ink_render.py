"""Rendering ink to PNG, from Python and from the CLI."""

import argparse

import pytest

from handwriting import render
from handwriting.ink import InkError, make_ink
from handwriting.render import RenderError, render_ink
from handwriting.writers import write_json_ink

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def ink():
    return make_ink(
        [[[0, 0, 0], [10, 5, 1], [20, 0, 2]], [[30, 0, 3]], [[40, 0, 4], [50, 10, 5]]], text="hi"
    )


def test_render_writes_a_png_with_spans(tmp_path):
    path = render_ink(
        ink(), tmp_path / "out" / "a.png", text="hi", spans=[("h", 0, 3), ("i", 3, 6)]
    )
    assert path.read_bytes().startswith(PNG_MAGIC)
    assert [p.name for p in path.parent.iterdir()] == ["a.png"]  # no temporary left


def test_bad_spans_and_bad_ink_are_refused(tmp_path):
    with pytest.raises(RenderError, match="outside"):
        render_ink(ink(), tmp_path / "a.png", spans=[("x", 4, 9)])
    with pytest.raises(RenderError, match="outside"):
        render_ink(ink(), tmp_path / "a.png", spans=[("x", 2, 2)])
    with pytest.raises(InkError):
        render_ink(make_ink([[[0, 0, 0]]]), tmp_path / "b.png")
    assert list(tmp_path.iterdir()) == []


def run_cli(*argv):
    parser = argparse.ArgumentParser(prog="handwriting")
    render.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_renders_a_file_and_reports_errors(tmp_path, capsys):
    source = write_json_ink(ink(), tmp_path / "ink.json")
    out = tmp_path / "ink.png"
    assert run_cli("render", str(source), "-o", str(out), "--text", "hello") == 0
    assert out.read_bytes().startswith(PNG_MAGIC)
    (tmp_path / "notes.txt").write_text("not ink")
    assert run_cli("render", str(tmp_path / "notes.txt"), "-o", str(tmp_path / "x.png")) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "unsupported ink file type" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "x.png").exists()
