"""Atomic output helpers."""

import pytest

from common.fileio import write_bytes_atomic, write_text_atomic


def test_atomic_write_replaces_and_cleans_up(tmp_path):
    path = tmp_path / "sub" / "f.txt"
    write_bytes_atomic(path, b"one")
    write_text_atomic(path, "two")
    assert path.read_bytes() == b"two"
    assert [p.name for p in path.parent.iterdir()] == ["f.txt"]
    assert path.stat().st_mode & 0o044  # readable by others, like a normally created file


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    import common.fileio as fileio

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fileio, "publish", boom)
    with pytest.raises(OSError):
        write_text_atomic(tmp_path / "out.txt", "x")
    assert list(tmp_path.iterdir()) == []
