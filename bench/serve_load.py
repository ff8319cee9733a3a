"""Load test of ``inkspeech serve``: many concurrent requests to both recognition endpoints.

Starts a server on 127.0.0.1 (or targets ``--url``), sends ``--requests`` requests with
``--concurrency`` in flight, alternating handwriting (synthetic lines of held-out writers,
JSON ink) and speech (the shipped AN4 recordings, multipart upload), and prints p50/p99
latency per endpoint, the error count, how many ink answers equal the drawn text, and the
server's resident memory (after warm-up, peak, end) sampled from /proc. Bounded in count
and in time (``--deadline-s``); exits 1 if any request failed.

    python bench/serve_load.py [--requests 1000] [--concurrency 16] [--url http://...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
INK_URL, ASR_URL = "/v1/handwriting/recognize", "/v1/asr/transcribe"
LINES = ["hello world", "the quick brown fox", "web server", "pen and ink", "load test 16"]


@dataclass
class Tally:
    """Latencies (s) and failures of one endpoint."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    correct: int = 0

    def summary(self) -> dict:
        ms = sorted(1000 * x for x in self.latencies)

        def pct(q: float) -> float | None:
            return round(ms[min(len(ms) - 1, int(q * len(ms)))], 1) if ms else None

        mean = round(statistics.fmean(ms), 1) if ms else None
        return {
            "ok": len(ms),
            "errors": len(self.errors),
            "p50_ms": pct(0.5),
            "p99_ms": pct(0.99),
            "mean_ms": mean,
        }


def ink_bodies() -> list[tuple[str, bytes]]:
    """(text, JSON body) of synthetic lines in held-out fonts and styles."""
    from handwriting.synth import synthesize_line
    from handwriting.writer_styles import TEST_FONTS, make_style

    out = []
    for i, text in enumerate(LINES):
        style = make_style(f"w{i}", TEST_FONTS[i % len(TEST_FONTS)], 1000 + i)
        ink = synthesize_line(text, style, np.random.default_rng(i))
        out.append((text, json.dumps({"strokes": [s.tolist() for s in ink.strokes]}).encode()))
    return out


def audio_files() -> list[tuple[str, bytes]]:
    from common.resources import samples_dir

    files = sorted(samples_dir().glob("*.flac"))
    if not files:
        sys.exit("error: no sample recordings shipped (models/samples/*.flac)")
    return [(p.name, p.read_bytes()) for p in files]


class RssSampler(threading.Thread):
    """Resident set size (MB) of a process, from /proc, every ``period`` seconds."""

    def __init__(self, pid: int, period: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.period, self.samples = pid, period, []
        self._halt = threading.Event()

    def rss_mb(self) -> float | None:
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        return kb / 1024

    def run(self) -> None:
        while not self._halt.wait(self.period):
            value = self.rss_mb()
            if value is not None:
                self.samples.append(value)

    def stop(self) -> list[float]:
        self._halt.set()
        self.join()
        return self.samples


async def one(client, tallies, kind, item, sem) -> None:
    async with sem:
        start = time.perf_counter()
        try:
            if kind == "ink":
                text, body = item
                headers = {"Content-Type": "application/json"}
                response = await client.post(INK_URL, content=body, headers=headers)
            else:
                name, data = item
                response = await client.post(ASR_URL, files={"file": (name, data)})
            elapsed = time.perf_counter() - start
            if response.status_code != 200:
                tallies[kind].errors.append(f"{response.status_code} {response.text[:200]}")
                return
            tallies[kind].latencies.append(elapsed)
            if kind == "ink" and response.json()["text"] == text:
                tallies[kind].correct += 1
        except httpx.HTTPError as err:
            tallies[kind].errors.append(f"{type(err).__name__}: {err}")


async def run_load(url: str, n: int, concurrency: int, deadline: float) -> dict[str, Tally]:
    """Send ``n`` requests, ``concurrency`` at a time, alternating the two endpoints."""
    inks, audio = ink_bodies(), audio_files()
    jobs = [
        ("ink", inks[i // 2 % len(inks)]) if i % 2 == 0 else ("asr", audio[i // 2 % len(audio)])
        for i in range(n)
    ]
    tallies = {"ink": Tally(), "asr": Tally()}
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        tasks = [asyncio.ensure_future(one(client, tallies, k, item, sem)) for k, item in jobs]
        done, pending = await asyncio.wait(tasks, timeout=deadline)
        for task in pending:
            task.cancel()
        if pending:
            tallies["ink"].errors += [f"deadline of {deadline:.0f} s passed"] * len(pending)
    return tallies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(extra: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "common.serve.cli", "serve", "--port", str(port), *extra]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if proc.poll() is not None:
            sys.exit(f"error: the server exited: {proc.stderr.read().decode()[-500:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("error: the server did not start within 2 minutes")


def report(tallies: dict[str, Tally], wall: float, rss: dict, n: int, concurrency: int) -> dict:
    everything = Tally(
        latencies=tallies["ink"].latencies + tallies["asr"].latencies,
        errors=tallies["ink"].errors + tallies["asr"].errors,
    )
    out = {
        "requests": n,
        "concurrency": concurrency,
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(everything.latencies) / wall, 1),
        "all": everything.summary(),
        "handwriting": {**tallies["ink"].summary(), "text_correct": tallies["ink"].correct},
        "speech": tallies["asr"].summary(),
        "server_rss_mb": rss,
        "first_errors": everything.errors[:5],
    }
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--deadline-s", type=float, default=900.0, help="stop the run after this")
    p.add_argument("--url", help="an already running server (default: start one here)")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument("server_args", nargs="*", help="extra `inkspeech serve` flags (after --)")
    args = p.parse_args(argv)
    proc, url = (None, args.url) if args.url else start_server(args.server_args)
    try:
        warm = asyncio.run(run_load(url, 20, 4, 120))  # warm-up: first calls build caches
        if warm["ink"].errors or warm["asr"].errors:
            print("warm-up errors:", (warm["ink"].errors + warm["asr"].errors)[:3])
        sampler = RssSampler(proc.pid) if proc else None
        baseline = sampler.rss_mb() if sampler else None
        if sampler:
            sampler.start()
        start = time.perf_counter()
        tallies = asyncio.run(run_load(url, args.requests, args.concurrency, args.deadline_s))
        wall = time.perf_counter() - start
        samples = sampler.stop() if sampler else []
        end = sampler.rss_mb() if sampler else None
        rss = {"after_warmup": baseline, "peak": max(samples, default=None), "end": end}
        rss = {k: round(v, 1) if v is not None else None for k, v in rss.items()}
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
    out = report(tallies, wall, rss, args.requests, args.concurrency)
    print(json.dumps(out, indent=2))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 1 if out["all"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
