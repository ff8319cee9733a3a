"""A built wheel, installed into a fresh venv, works from any directory (slow: ~30-60 s).

The wheel is built from a copy of the tree (so no stale ``build/`` is packed), installed
with ``--no-deps`` into a venv that sees this environment's packages through a ``.pth``
line (torch and friends are reused; this environment's editable ``inkspeech`` finder is
not loaded, as ``.pth`` files in a path added that way are not processed). Every command
runs from an empty temporary directory, so nothing can come from the source tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
TOP_NOT_COPIED = {
    ".git", ".venv", "runs", "build", "dist", "outputs", "multirun", "data", ".devdata", ".whl",
    ".pytest_cache", ".ruff_cache", ".hypothesis",
}  # fmt: skip
SAMPLE = "an4-cen7-fash-b.flac"
SAMPLE_TRUTH = "two six eight four four one eight"  # AN4 etc/an4_train.transcription
INK_TRUTH = "pack my box with five dozen jugs"


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """``copytree`` filter: local state at the top, caches and build metadata anywhere."""
    top = TOP_NOT_COPIED if Path(folder) == REPO else set()
    return {n for n in names if n in top or n == "__pycache__" or n.endswith(".egg-info")}


def _cer(hypothesis: str, truth: str) -> float:
    return Levenshtein.distance(hypothesis.strip().lower(), truth) / len(truth)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh venv holding only the wheel of this tree (dependencies reused by a .pth)."""
    root = tmp_path_factory.mktemp("install")
    shutil.copytree(REPO, root / "src", ignore=_not_copied)
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip_wheel, str(root / "src"), "-w", str(root / "dist")], check=True)
    (wheel,) = (root / "dist").glob("inkspeech-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    site = _python(root / "venv", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    deps = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    (Path(site.strip()) / "_inkspeech_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    pip_install = ["-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed"]
    subprocess.run([root / "venv" / "bin" / "python", *pip_install, str(wheel)], check=True)
    return root / "venv"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """An empty working directory outside the tree."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    return cwd


def _run(venv: Path, program: str, *args: str, cwd: Path | None = None) -> str:
    """Run a program of the venv; numba's cache goes beside it, not to the user's."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(venv.parent / "numba")}
    done = subprocess.run(
        [str(venv / "bin" / program), *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd or venv.parent,
        env=env,
    )
    assert done.returncode == 0, f"{program} {' '.join(args)}: {done.stderr[-2000:]}"
    return done.stdout


def _python(venv: Path, code: str, cwd: Path | None = None) -> str:
    return _run(venv, "python", "-c", code, cwd=cwd)


def _site(venv: Path) -> Path:
    return Path(_python(venv, "import common; print(common.__file__)").strip()).parent.parent


def test_packages_and_data_come_from_the_venv(venv: Path, elsewhere: Path) -> None:
    out = _python(
        venv,
        "import asr, handwriting, common.resources as r\n"
        "print(asr.__file__, handwriting.__file__, r.conf_dir(), r.models_dir())",
        cwd=elsewhere,
    )
    paths = [Path(p) for p in out.split()]
    assert all(p.is_relative_to(venv) for p in paths), out
    conf, models = paths[2], paths[3]
    assert (conf / "asr" / "decoder" / "beam.yaml").is_file()
    assert (models / "an4.pt").is_file() and (models / "samples" / SAMPLE).is_file()


def test_version_and_models(venv: Path, elsewhere: Path) -> None:
    assert _run(venv, "asr", "--version", cwd=elsewhere).strip() == "asr (inkspeech) 0.1.0"
    listed = json.loads(_run(venv, "handwriting", "models", "--json", cwd=elsewhere))
    assert [m["name"] for m in listed] == ["ink-synthetic"]
    assert Path(listed[0]["path"]).is_relative_to(venv)
    assert "an4  (asr, default" in _run(venv, "asr", "models", cwd=elsewhere)


def test_transcribe_with_the_default_model(venv: Path, elsewhere: Path) -> None:
    sample = _site(venv) / "common" / "models" / "samples" / SAMPLE
    text = _run(venv, "asr", "transcribe", str(sample), cwd=elsewhere)
    assert _cer(text, SAMPLE_TRUTH) <= 0.2, text


@pytest.fixture
def ink_file(elsewhere: Path) -> Path:
    """Synthetic ink of ``INK_TRUTH`` in a font no training writer used (strokes only)."""
    from handwriting.synth import synthesize_line
    from handwriting.writer_styles import make_style

    ink = synthesize_line(INK_TRUTH, make_style("test", "rowmans", 3), np.random.default_rng(3))
    strokes = [s.tolist() for s in ink.strokes]
    path = elsewhere / "line.json"
    path.write_text(json.dumps({"strokes": strokes}), encoding="utf-8")
    return path


def test_recognize_with_the_default_model(venv: Path, ink_file: Path) -> None:
    text = _run(venv, "handwriting", "recognize", ink_file.name, cwd=ink_file.parent)
    assert _cer(text, INK_TRUTH) <= 0.15, text


@pytest.mark.parametrize("task", ["asr", "handwriting"])
def test_train_composes_the_packaged_config(venv: Path, elsewhere: Path, task: str) -> None:
    job = _run(venv, task, "train", "--cfg", "job", cwd=elsewhere)
    assert "trainer:" in job and "model:" in job and "decoder:" in job
    searchpath = _run(venv, task, "train", "--info", "searchpath", cwd=elsewhere)
    assert str(_site(venv) / "common" / "conf" / task) in searchpath


def test_python_api(venv: Path, ink_file: Path) -> None:
    sample = _site(venv) / "common" / "models" / "samples" / SAMPLE
    out = _python(
        venv,
        "import json, asr, handwriting\n"
        f"t = asr.load().transcribe({str(sample)!r})\n"
        f"r = handwriting.load().recognize({ink_file.name!r})\n"
        "print(json.dumps({'speech': t.to_dict(), 'ink': r.to_dict()}))",
        cwd=ink_file.parent,
    )
    result = json.loads(out.splitlines()[-1])
    speech, ink = result["speech"], result["ink"]
    assert _cer(speech["text"], SAMPLE_TRUTH) <= 0.2
    assert 0 < speech["words"][0]["start"] < speech["words"][-1]["end"] <= speech["duration"]
    assert _cer(ink["text"], INK_TRUTH) <= 0.15
