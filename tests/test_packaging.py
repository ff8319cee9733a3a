"""What pyproject.toml ships, the licence, and CLIs that answer --help/--version without torch."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import tomllib
from setuptools import find_namespace_packages

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
HEAVY = ("torch", "torchaudio", "numba", "librosa", "matplotlib", "hydra")


def test_every_package_of_the_tree_is_shipped() -> None:
    """The package list is explicit (for the conf/models mapping): it must not miss one."""
    tool = PYPROJECT["tool"]["setuptools"]
    found = {
        p
        for p in find_namespace_packages(str(REPO), include=["common*", "asr*", "handwriting*"])
        if "__pycache__" not in p
    }
    mapped = set(tool["package-dir"])
    assert mapped == {"common.conf", "common.models"}
    assert set(tool["packages"]) - mapped == found


def test_package_data_globs_cover_conf_and_models() -> None:
    data = PYPROJECT["tool"]["setuptools"]["package-data"]
    conf = {p.relative_to(REPO / "conf") for p in (REPO / "conf").rglob("*.yaml")}
    globbed = {p for pattern in data["common.conf"] for p in _glob(REPO / "conf", pattern)}
    assert conf and globbed == conf
    models = {p for pattern in data["common.models"] for p in _glob(REPO / "models", pattern)}
    assert {Path("an4.pt"), Path("ink-synthetic.pt"), Path("models.json")} <= models


def test_package_data_covers_every_data_file_of_a_package() -> None:
    """A non-Python file beside a module (web assets, word lists) must reach the wheel."""
    tool = PYPROJECT["tool"]["setuptools"]
    for package in set(tool["packages"]) - set(tool["package-dir"]):
        folder = REPO / package.replace(".", "/")
        data = {p.relative_to(folder) for p in folder.iterdir() if p.is_file()}
        data = {p for p in data if p.suffix not in (".py", ".pyc")}
        globbed = {p for g in tool["package-data"].get(package, []) for p in _glob(folder, g)}
        assert data <= globbed, f"{package}: {sorted(map(str, data - globbed))} not shipped"


def _glob(root: Path, pattern: str) -> set[Path]:
    return {p.relative_to(root) for p in root.glob(pattern) if p.is_file()}


def test_licence_is_the_apache_2_text_pyproject_names() -> None:
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and len(text.splitlines()) == 202


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_building_the_parsers_imports_no_heavy_module() -> None:
    """``asr --help`` / ``handwriting --help`` / ``models`` / ``--version`` need no torch."""
    out = _run(
        "import sys, asr.cli, handwriting.cli\n"
        "asr.cli.build_parser(); handwriting.cli.build_parser()\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert out.strip() == "[]"


def test_version_comes_from_the_installed_metadata() -> None:
    out = _run("from asr.cli import main; main(['--version'])")
    assert out.strip() == f"asr (inkspeech) {metadata.version('inkspeech')}"
