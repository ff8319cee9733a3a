"""The decoder kernels' numba cache folder and the one-line notice on a cold cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.decoding import _jit


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    return tmp_path / "numba"


def test_cache_dir_prefers_numba_cache_dir_then_xdg(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert _jit.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _jit.cache_dir() == tmp_path / "xdg" / "inkspeech" / "numba"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert _jit.cache_dir() == Path.home() / ".cache" / "inkspeech" / "numba"


def test_kernels_use_the_configured_folder() -> None:
    """Importing common.decoding pointed numba at the folder before any kernel existed."""
    from common.decoding import _kernels

    assert _kernels.final_path.stats.cache_path.startswith(str(_jit.cache_dir()))


def test_notice_once_when_cold_then_silent_once_stamped(cache: Path, capsys) -> None:
    first = _jit.Kernels()
    first.announce()
    first.announce()
    assert capsys.readouterr().err == _jit.NOTICE + "\n"
    first.mark_ready()
    assert first.ready and (cache / _jit.STAMP_NAME).is_file()
    _jit.Kernels().announce()  # a later process: warm cache, nothing said
    assert capsys.readouterr().err == ""


def test_stale_stamp_counts_as_cold(cache: Path, capsys) -> None:
    cache.mkdir(parents=True)
    (cache / _jit.STAMP_NAME).write_text("numba 0.0\n", encoding="utf-8")
    assert not _jit.is_warm()
    _jit.Kernels().announce()
    assert _jit.NOTICE in capsys.readouterr().err


def test_fingerprint_covers_every_kernel_module() -> None:
    lines = _jit.fingerprint().splitlines()
    assert [line.split()[0] for line in lines[2:]] == list(_jit.KERNEL_MODULES)
    here = Path(_jit.__file__).parent
    uses_numba = sorted(p.stem for p in here.glob("*.py") if "nb.njit" in p.read_text())
    assert uses_numba == sorted(_jit.KERNEL_MODULES)
