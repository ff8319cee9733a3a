"""Fixtures of the web server tests: the shipped models loaded once, app clients, a live
``inkspeech serve`` process, headless Chromium, and synthetic ink and speech inputs."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from common.serve.config import ServeConfig

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HELLO = "hello world"
ARTIFACTS_ENV = "INKSPEECH_TEST_ARTIFACTS"  # also copy screenshots here when set


@pytest.fixture(scope="session")
def served_models():
    """The shipped models (an4, ink-synthetic) and the built-in char LM, loaded once."""
    from common.serve.models import load_models

    return load_models(ServeConfig())


@pytest.fixture
def make_client(served_models) -> Iterator[Callable[..., object]]:
    """``make_client(**ServeConfig overrides)`` -> a TestClient over the shared models."""
    from fastapi.testclient import TestClient

    from common.serve.app import create_app

    clients = []

    def make(models=None, **overrides) -> TestClient:
        app = create_app(ServeConfig(**overrides), served_models if models is None else models)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture(scope="session")
def hello_ink():
    """'hello world' in a held-out synthetic hand (font and seed no training writer has)."""
    from handwriting.synth import synthesize_line
    from handwriting.writer_styles import make_style

    return synthesize_line(HELLO, make_style("w", "scripts", 1), np.random.default_rng(1))


@pytest.fixture(scope="session")
def hello_json(hello_ink) -> dict:
    """``hello_ink`` in the project's JSON ink format."""
    return {"strokes": [s.tolist() for s in hello_ink.strokes]}


@pytest.fixture(scope="session")
def an4_sample() -> Path:
    """A shipped AN4 recording (the speaker spells 'pittsburgh')."""
    from common.resources import samples_dir

    path = samples_dir() / "an4-cen5-fash-b.flac"
    if not path.is_file():
        pytest.skip(f"{path} is not shipped in this checkout")
    return path


@pytest.fixture(scope="session")
def spoken_flac(tmp_path_factory) -> Path:
    """A short utterance synthesised with espeak-ng (asr.synth), 16 kHz FLAC."""
    from asr.synth import Job, SynthError, espeak_binary, synthesize_one

    try:
        binary = espeak_binary()
    except SynthError as err:
        pytest.skip(str(err))
    root = tmp_path_factory.mktemp("spoken")
    job = Job("test", "1", "en-us", "u1", "a b c one two", 120, 50, "spoken.flac")
    synthesize_one(binary, job, root, 16000)
    return root / "spoken.flac"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 180.0) -> None:
    """Poll ``url/healthz`` until it answers; fail with the server's output if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"inkspeech serve exited with {proc.returncode}:\n{out[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"inkspeech serve did not answer within {timeout:.0f} s")


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """A real ``inkspeech serve`` process on a free loopback port; yields its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "common.serve.cli", "serve", "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def ensure_chromium() -> str | None:
    """Path of Debian's chromium, installing it with apt-get when missing; None if impossible."""
    if CHROMIUM.is_file():
        return str(CHROMIUM)
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

    def apt(*args: str) -> None:
        subprocess.run(["apt-get", *args], env=env, capture_output=True, timeout=900, check=False)

    apt("install", "-y", "-q", "chromium")
    if not CHROMIUM.is_file():  # stale package lists: refresh them once
        apt("update", "-q")
        apt("install", "-y", "-q", "chromium")
    return str(CHROMIUM) if CHROMIUM.is_file() else None


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's headless Chromium (installed here when missing, as root); skip if impossible."""
    path = ensure_chromium()
    if path is None:
        pytest.skip("Debian's chromium is not installed and could not be installed with apt-get")
    return path


@pytest.fixture(scope="module")
def launch(chromium) -> Iterator[Callable[..., object]]:
    """``launch(*extra_args)`` -> a Playwright browser on the system Chromium (Playwright
    downloads nothing). Module-scoped: Playwright's sync API holds an event loop on this
    thread while it runs, which later ``asyncio.run`` calls must not meet."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        browsers = []

        def start(*extra_args: str):
            args = [*CHROMIUM_ARGS, *extra_args]
            browsers.append(p.chromium.launch(executable_path=chromium, args=args))
            return browsers[-1]

        yield start
        for b in browsers:
            b.close()


@pytest.fixture(scope="module")
def browser(launch):
    """A headless Chromium shared by the browser tests."""
    return launch()


@pytest.fixture
def save_screenshot(tmp_path) -> Callable[[object, str], Path]:
    """``save_screenshot(page, name)``: a PNG in tmp_path (and in $INKSPEECH_TEST_ARTIFACTS)."""

    def save(page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if os.environ.get(ARTIFACTS_ENV):
            out = Path(os.environ[ARTIFACTS_ENV])
            out.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, out / path.name)
        return path

    return save
