"""Drawing ink (handwriting.plot) and the ``render`` command: many files, type by suffix."""

import argparse

import pytest

from handwriting import render
from handwriting.ink import InkError, make_ink
from handwriting.plot import PlotError, plot_ink
from handwriting.writers import write_json_ink

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def ink():
    return make_ink(
        [[[0, 0, 0], [10, 5, 1], [20, 0, 2]], [[30, 0, 3]], [[40, 0, 4], [50, 10, 5]]], text="hi"
    )


def test_plot_writes_a_png_with_spans(tmp_path):
    path = plot_ink(ink(), tmp_path / "out" / "a.png", text="hi", spans=[("h", 0, 3), ("i", 3, 6)])
    assert path.read_bytes().startswith(PNG_MAGIC)
    assert [p.name for p in path.parent.iterdir()] == ["a.png"]  # no temporary left


def test_bad_spans_and_bad_ink_are_refused(tmp_path):
    with pytest.raises(PlotError, match="outside"):
        plot_ink(ink(), tmp_path / "a.png", spans=[("x", 4, 9)])
    with pytest.raises(PlotError, match="outside"):
        plot_ink(ink(), tmp_path / "a.png", spans=[("x", 2, 2)])
    with pytest.raises(InkError):
        plot_ink(make_ink([[[0, 0, 0], [float("nan"), 1, 1]]]), tmp_path / "b.png")
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


MAGIC = {"png": PNG_MAGIC, "jpg": b"\xff\xd8\xff", "pdf": b"%PDF", "svg": b"<?xml"}


@pytest.mark.parametrize("kind", ["png", "jpg", "svg", "pdf"])
def test_image_type_follows_the_suffix(tmp_path, kind):
    path = plot_ink(ink(), tmp_path / f"a.{kind}", text="hi")
    assert path.read_bytes().startswith(MAGIC[kind])


def test_unknown_suffix_is_refused_before_drawing(tmp_path):
    with pytest.raises(PlotError, match="gif"):
        plot_ink(ink(), tmp_path / "a.gif")
    assert list(tmp_path.iterdir()) == []


def test_cli_renders_many_files_into_a_folder(tmp_path, capsys):
    (tmp_path / "in" / "a").mkdir(parents=True)
    (tmp_path / "in" / "b").mkdir()
    write_json_ink(ink(), tmp_path / "in" / "a" / "x.json")
    write_json_ink(ink(), tmp_path / "in" / "b" / "x.json")
    write_json_ink(ink(), tmp_path / "in" / "b" / "y.json")
    out = tmp_path / "out"
    assert run_cli("render", str(tmp_path / "in"), "-o", str(out), "--image-format", "svg") == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.svg"))
    assert written == ["a/x.svg", "b/x.svg", "b/y.svg"]  # same names: folders mirrored
    assert capsys.readouterr().out.count("wrote") == 3


def test_cli_one_file_to_a_named_image_of_any_type(tmp_path):
    source = write_json_ink(ink(), tmp_path / "ink.json")
    assert run_cli("render", str(source), "-o", str(tmp_path / "ink.jpg")) == 0
    assert (tmp_path / "ink.jpg").read_bytes().startswith(MAGIC["jpg"])
    with pytest.raises(PlotError, match="gif"):
        run_cli("render", str(source), "-o", str(tmp_path / "ink.gif"))
    assert not (tmp_path / "ink.gif").exists()


def test_cli_y_up_draws_the_ink_mirrored(tmp_path):
    source = write_json_ink(ink(), tmp_path / "ink.json")
    assert run_cli("render", str(source), "-o", str(tmp_path / "down.svg")) == 0
    assert run_cli("render", str(source), "-o", str(tmp_path / "up.svg"), "--y-up") == 0
    assert (tmp_path / "down.svg").read_bytes() != (tmp_path / "up.svg").read_bytes()
