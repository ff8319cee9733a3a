"""Hostile-input audit of every parser: seeded cases, each in a forked child under caps.

For each parser (audio, IAM-OnDB XML, InkML, JSON ink, manifests, ARPA word and
char LMs, checkpoints) ``bench/fuzz_cases.py`` writes hand-made cases (one per
defect of issue #12) plus seeded mutations of valid files. A server process
imports the pipeline once and forks one child per case; the child runs the
real loading path (reader -> features, LM -> decoder, checkpoint -> model ->
feature config) under ``RLIMIT_AS`` (default 7 GiB) and, for every
``--cli-every``-th case, the real command line too (``asr`` / ``handwriting``
``main()``). A case ends as one of:

* ok: a result, or the parser's one clean error type (exit 0/1/2 for the CLI);
* traceback: any other exception, or a crash (signal);
* hang: still running after ``--timeout`` seconds (killed);
* memory blow-up: MemoryError / a failed allocation under the cap, or a peak
  RSS more than ``--rss-gib`` above the server's.

    python bench/fuzz.py                 # 300 cases per parser, prints the table
    python bench/fuzz.py --cases 40      # a quick check
    python bench/fuzz.py --parsers arpa,checkpoints --json runs/fuzz.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402 (after the path set-up, so the script runs from anywhere)

from asr.audio import AudioError, audio_duration, read_audio  # noqa: E402
from asr.cli import main as asr_main  # noqa: E402
from asr.features import AudioFeatureConfig, featurize  # noqa: E402
from asr.modality import ASR  # noqa: E402
from asr.readers import DataError, read_manifest  # noqa: E402
from asr.segment import SegmentConfig, segment_chunks  # noqa: E402
from common.alphabet import Alphabet  # noqa: E402
from common.checkpoint import CheckpointError, feature_config_of, load_model  # noqa: E402
from common.config import DecoderConfig  # noqa: E402
from common.decoding.arpa import LMError  # noqa: E402
from common.decoding.factory import DecoderSetupError, make_decoder  # noqa: E402
from handwriting.cli import main as handwriting_main  # noqa: E402
from handwriting.features import InkFeatureConfig  # noqa: E402
from handwriting.features import featurize as ink_featurize  # noqa: E402
from handwriting.ink import InkError  # noqa: E402
from handwriting.modality import HANDWRITING  # noqa: E402
from handwriting.readers import read_ink, read_ink_manifest  # noqa: E402

ROW_NAMES = {"audio": "audio", "iam_xml": "IAM-OnDB XML", "inkml": "InkML", "json_ink": "JSON ink",
             "manifests": "manifests (asr + ink)", "arpa": "ARPA (word + char)",
             "checkpoints": "checkpoints"}  # fmt: skip
CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE}


def _attempt(fn, clean) -> None:
    """Run ``fn``; the parser's clean errors count as a correct refusal."""
    try:
        fn()
    except clean:
        pass


_CLI_EXITS: list[object] = []  # exit statuses of the command lines a child ran


def _cli(main, argv: list[str]) -> None:
    """The real command line; any exit code is fine, an escaping exception is a traceback."""
    try:
        _CLI_EXITS.append(main(argv))
    except SystemExit as exc:
        _CLI_EXITS.append(exc.code)


class Targets:
    """The loading path of each parser, as the commands run it."""

    def __init__(self, sample_dir: Path) -> None:
        self.wav, self.ink = str(sample_dir / "a.wav"), str(sample_dir / "a.json")
        self.an4, self.ink_model = (
            str(ROOT / "models/an4.pt"),
            str(ROOT / "models/ink-synthetic.pt"),
        )
        self.alphabet = Alphabet.from_chars("abcdefghijklmnopqrstuvwxyz' ")
        rng = np.random.default_rng(0)
        self.log_probs = np.log(rng.dirichlet(np.ones(len(self.alphabet)), 60)).astype(np.float32)
        self.ink_cfgs = (InkFeatureConfig(kind="offsets"), InkFeatureConfig(kind="bezier"))

    def audio(self, path: Path, cli: bool) -> None:
        cfg = AudioFeatureConfig()
        _attempt(lambda: featurize(read_audio(path, 16000), cfg, False, None), AudioError)
        _attempt(
            lambda: [c.keep for c in segment_chunks(path, cfg, 2, SegmentConfig())], AudioError
        )
        _attempt(lambda: audio_duration(path), AudioError)
        if cli:
            _cli(asr_main, ["transcribe", "--model", self.an4, "--no-progress", str(path)])

    def ink_file(self, path: Path, cli: bool) -> None:
        def read() -> None:
            ink = read_ink(path)
            for cfg in self.ink_cfgs:
                ink_featurize(ink, cfg, False, None)

        _attempt(read, InkError)
        if cli:
            _cli(handwriting_main, ["recognize", "--model", self.ink_model, str(path)])

    iam_xml = inkml = json_ink = ink_file

    def manifests(self, path: Path, cli: bool) -> None:
        if "-asr-" in path.name:
            audio = lambda: [read_audio(e.path, 16000) for e in read_manifest(path)]  # noqa: E731
            _attempt(audio, (DataError, AudioError))
            main, model = asr_main, self.an4
        else:
            _attempt(lambda: [read_ink(e.path) for e in read_ink_manifest(path)], InkError)
            main, model = handwriting_main, self.ink_model
        if cli:
            _cli(main, ["evaluate", "--model", model, "--no-progress", str(path)])

    def arpa(self, path: Path, cli: bool) -> None:
        unit = "char" if "-char-" in path.name else "word"
        cfg = DecoderConfig(kind="beam", beam_size=16, lm=str(path), lm_unit=unit)
        decode = lambda: make_decoder(cfg, self.alphabet).decode(self.log_probs)  # noqa: E731
        _attempt(decode, (LMError, DecoderSetupError))
        if cli:
            argv = ["transcribe", "--model", self.an4, "--decoder", "beam", "--lm", str(path)]
            _cli(asr_main, [*argv, "--lm-unit", unit, "--no-progress", self.wav])

    def checkpoints(self, path: Path, cli: bool) -> None:
        asr = "-asr-" in path.name
        modality = ASR if asr else HANDWRITING
        _attempt(lambda: feature_config_of(load_model(path), modality), CheckpointError)
        if cli and asr:
            _cli(asr_main, ["transcribe", "--model", str(path), "--no-progress", self.wav])
        elif cli:
            _cli(handwriting_main, ["recognize", "--model", str(path), self.ink])


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def _child(target, path: Path, cli: bool, cap_bytes: int, pipe: int) -> None:
    """Run one case with stdout/stderr silenced under the address-space cap; never returns."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))
    code, message = 0, ""
    try:
        import torch

        torch.set_num_threads(1)
        target(path, cli)
        message = f"cli exit {_CLI_EXITS[0]}" if _CLI_EXITS else ""
    except MemoryError:
        code, message = 4, "MemoryError"
    except BaseException as exc:  # noqa: BLE001 - every escaping exception is a finding
        text = f"{type(exc).__name__}: {exc}"
        memory = any(w in text.lower() for w in ("alloc", "out of memory", "cannot allocate"))
        where = traceback.extract_tb(exc.__traceback__)[-1]
        code, message = (4 if memory else 3), f"{text[:300]} at {where.filename}:{where.lineno}"
    os.write(pipe, message.encode()[:4000])
    os._exit(code)


def run_case(target, path: Path, cli: bool, timeout: float, cap_bytes: int, rss_gib: float) -> dict:
    """Fork, run, classify: ok | traceback | hang | memory."""
    read, write = os.pipe()
    base = _rss_kib()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        _child(target, path, cli, cap_bytes, write)
    os.close(write)
    hang = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > timeout:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            hang = True
            break
        time.sleep(0.005)
    with os.fdopen(read, "rb") as f:
        message = f.read().decode(errors="replace")
    seconds, peak_gib = time.monotonic() - start, usage.ru_maxrss / 2**20
    if hang:
        outcome = "hang"
    elif os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        outcome = "traceback" if sig in CRASH_SIGNALS else "memory"
        message = f"killed by signal {signal.Signals(sig).name}"
    else:
        outcome = {0: "ok", 3: "traceback", 4: "memory"}.get(os.WEXITSTATUS(status), "traceback")
    if outcome == "ok" and peak_gib > base / 2**20 + rss_gib:
        outcome, message = (
            "memory",
            f"peak RSS {peak_gib:.1f} GiB ({rss_gib:g} GiB over the server)",
        )
    return {"outcome": outcome, "seconds": round(seconds, 3), "peak_gib": round(peak_gib, 3),
            "message": message}  # fmt: skip


def serve(args: argparse.Namespace) -> None:
    """Read cases (JSON lines) on stdin, answer one result line each on stdout."""
    targets = Targets(Path(args.sample_dir))
    cap = int(args.memory_gib * 2**30)
    for line in sys.stdin:
        case = json.loads(line)
        target = getattr(targets, case["parser"])
        path = Path(case["path"])
        result = run_case(target, path, case["cli"], args.timeout, cap, args.rss_gib)
        print(json.dumps({**case, **result}), flush=True)


def print_table(results: list[dict], timeout: float, memory_gib: float) -> None:
    print(f"| parser | cases | via CLI | tracebacks | hangs > {timeout:g} s | "
          f"memory blow-ups (> {memory_gib:g} GiB cap) | slowest s |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for parser, row in ROW_NAMES.items():
        rows = [r for r in results if r["parser"] == parser]
        if not rows:
            continue
        count = {k: sum(r["outcome"] == k for r in rows) for k in ("traceback", "hang", "memory")}
        slowest = max(r["seconds"] for r in rows)
        print(f"| {row} | {len(rows)} | {sum(r['cli'] for r in rows)} | {count['traceback']} | "
              f"{count['hang']} | {count['memory']} | {slowest:.1f} |")  # fmt: skip
    bad = [r for r in results if r["outcome"] != "ok"]
    for r in bad[:40]:
        print(f"  {r['outcome']}: {r['parser']}/{r['name']} (cli={r['cli']}): {r['message'][:200]}")


def _collect(args: argparse.Namespace, root: Path) -> list[dict]:
    from fuzz_cases import write_cases

    cases = []
    for parser in args.parsers.split(","):
        for i, (name, path) in enumerate(write_cases(root, parser, args.cases, args.seed)):
            cli = args.cli_every > 0 and i % args.cli_every == 0
            cases.append({"parser": parser, "name": name, "path": str(path), "cli": cli})
    return cases


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=300, help="cases per parser (default: 300)")
    p.add_argument("--parsers", default=",".join(ROW_NAMES), help="comma-separated subset")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per case (default: 20)")
    p.add_argument("--memory-gib", type=float, default=7.0, help="RLIMIT_AS per case (default: 7)")
    p.add_argument("--rss-gib", type=float, default=2.0, help="RSS growth that counts as blow-up")
    p.add_argument("--cli-every", type=int, default=10, help="run every Nth case through the CLI")
    p.add_argument("--json", help="also write every case's result to this JSON file")
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--sample-dir", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args)
        return 0
    with tempfile.TemporaryDirectory(prefix="inkspeech-fuzz-") as tmp:
        root = Path(tmp)
        cases = _collect(args, root)
        sample_dir = root / args.parsers.split(",")[0]
        argv = [sys.executable, __file__, "--serve", "--sample-dir", str(sample_dir),
                "--timeout", str(args.timeout), "--memory-gib", str(args.memory_gib),
                "--rss-gib", str(args.rss_gib)]  # fmt: skip
        server = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        results, start = [], time.monotonic()
        for i, case in enumerate(cases, 1):
            server.stdin.write(json.dumps(case) + "\n")
            server.stdin.flush()
            results.append(json.loads(server.stdout.readline()))
            if i % 50 == 0 or i == len(cases):
                elapsed = time.monotonic() - start
                print(f"{i}/{len(cases)} cases, {elapsed:.0f} s", file=sys.stderr, flush=True)
        server.stdin.close()
        server.wait()
    print_table(results, args.timeout, args.memory_gib)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 1 if any(r["outcome"] != "ok" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
