"""Mutation testing over a curated list of realistic breaks (``bench/mutants.py``).

For each mutant: apply its edits to the source tree, run its tests (``pytest -x -q``),
put the original files back byte for byte (and their modification times, so no stale
bytecode survives), then call it *killed* (a test failed, or the run timed out) or
*survived* (every test passed). The files are restored in a ``finally`` block, on
Ctrl-C and SIGTERM too; a file someone else edited while a mutant was in place gets
only the mutated snippet put back. First the chosen mutants' tests run once without any
mutant (the baseline): they must pass, or a kill would mean nothing. The score and the
survivors (with why each is acceptable, ``mutants.ACCEPTED``) go to ``docs/mutation.md``,
regenerated on every full run.

    python bench/mutate.py                   # every mutant, in place (make mutate)
    python bench/mutate.py --copy            # in a temporary copy of the tree
    python bench/mutate.py --only I1,I4,O7   # some mutants; docs/mutation.md untouched
    python bench/mutate.py --sample 10       # every k-th mutant, 10 in all
    python bench/mutate.py --check           # each snippet occurs exactly once; no tests
    python bench/mutate.py --deselect NODE   # leave out a test that fails without mutants

Run it with the tree otherwise idle: while a mutant is in place, anything else that
imports the package from this tree sees it (``--copy`` avoids that).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from mutants import ACCEPTED, MUTANTS, Mutant  # noqa: E402

REPORT = Path("docs/mutation.md")
PYTEST = ["-x", "-q", "-p", "no:cacheprovider", "--no-header", "-W", "ignore"]
DESELECTED: list[str] = []  # --deselect: tests known to fail without any mutant


@dataclass(frozen=True)
class Outcome:
    """What one mutant's test run gave."""

    mutant: Mutant
    status: str  # killed | survived | timeout | error
    seconds: float
    detail: str = ""  # the first failing test, or why the run could not start


def check(mutants: list[Mutant], root: Path) -> list[str]:
    """Problems with the list: snippets missing or repeated, test files that do not exist."""
    problems = []
    for mutant in mutants:
        for edit in mutant.edits:
            count = (root / edit.path).read_text(encoding="utf-8").count(edit.original)
            if count != 1 or edit.original == edit.replacement:
                problems.append(f"{mutant.id}: {edit.path}: snippet found {count} times")
        for test in mutant.tests:
            if not (root / test.split("::")[0]).is_file():
                problems.append(f"{mutant.id}: no test file {test}")
    ids = [mutant.id for mutant in mutants]
    problems += [f"duplicate id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    return problems


def missing_tests(mutants: list[Mutant], root: Path) -> list[str]:
    """The node ids (``file::test``) of ``mutants`` that pytest no longer collects."""
    nodes = sorted({t for mutant in mutants for t in mutant.tests if "::" in t})
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
        + [node.split("::")[0] for node in nodes],
        cwd=root, capture_output=True, text=True,
    ).stdout  # fmt: skip
    collected = {line.split("[")[0] for line in out.splitlines()}
    return [node for node in nodes if node not in collected]


class Applied:
    """A mutant's edits applied to ``root``; ``restore()`` puts every file back."""

    def __init__(self, mutant: Mutant, root: Path) -> None:
        self.saved: list[tuple[Path, bytes, os.stat_result, bytes, str, str]] = []
        try:
            for edit in mutant.edits:
                path = root / edit.path
                original, stat = path.read_bytes(), path.stat()
                mutated = original.replace(edit.original.encode(), edit.replacement.encode(), 1)
                self.saved.append((path, original, stat, mutated, edit.original, edit.replacement))
                path.write_bytes(mutated)
        except BaseException:
            self.restore()
            raise

    def restore(self) -> None:
        """Write back the originals; a file edited meanwhile only loses the mutation."""
        for path, original, stat, mutated, snippet, replacement in reversed(self.saved):
            current = path.read_bytes() if path.exists() else mutated
            if current != mutated and current.count(replacement.encode()) == 1 and replacement:
                print(f"warning: {path} changed during the run; only the mutant is undone")
                path.write_bytes(current.replace(replacement.encode(), snippet.encode(), 1))
                continue
            if current != mutated:
                print(f"warning: {path} changed during the run; the original is written back")
            path.write_bytes(original)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        self.saved = []


def pytest(tests: list[str], root: Path, timeout: float, stop_first: bool = True):
    """``(exit status or None on timeout, output)`` of pytest over ``tests`` in ``root``.

    pytest runs in a session of its own, so a timeout also ends the commands its tests
    started."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(root)}
    flags = PYTEST if stop_first else [f for f in PYTEST if f != "-x"]
    deselect = [f"--deselect={node}" for node in DESELECTED]
    cmd = [sys.executable, "-m", "pytest", *flags, *deselect, *tests]
    proc = subprocess.Popen(
        cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        out, _ = proc.communicate(timeout=timeout)
    except BaseException:  # timeout, Ctrl-C: end pytest and whatever it started
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        if sys.exc_info()[0] is subprocess.TimeoutExpired:
            return None, ""
        raise
    return proc.returncode, out


def run_tests(mutant: Mutant, root: Path, timeout: float) -> tuple[str, str]:
    """``(status, first failure)`` of the mutant's tests in ``root``.

    pytest's exit status 1 (a test failed) or 2 (a module no longer imports) kills
    the mutant; 3-5 (internal error, bad node id, nothing collected) are errors."""
    code, out = pytest(list(mutant.tests), root, timeout)
    if code is None:
        return "timeout", f"tests still running after {timeout:.0f} s"
    if code == 0:
        return "survived", ""
    failed = [line for line in out.splitlines() if line.startswith(("FAILED", "ERROR"))]
    tail = failed[:1] or out.strip().splitlines()[-1:] or ["?"]
    return ("killed" if code in (1, 2) else "error"), tail[0][:160]


def baseline(mutants: list[Mutant], root: Path, timeout: float) -> list[str]:
    """The tests of ``mutants`` on the unmutated tree: the failures (none, or the
    mutants' kills would mean nothing)."""
    tests = sorted({t for mutant in mutants for t in mutant.tests})
    code, out = pytest(tests, root, timeout, stop_first=False)
    if code is None:
        return [f"the unmutated tests ran past {timeout:.0f} s"]
    if code == 0:
        return []
    return [ln for ln in out.splitlines() if ln.startswith(("FAILED", "ERROR"))] or [out[-500:]]


def run_mutant(mutant: Mutant, root: Path, timeout: float) -> Outcome:
    """Apply, test, restore (always)."""
    started = time.perf_counter()
    applied = Applied(mutant, root)
    try:
        status, detail = run_tests(mutant, root, timeout)
    finally:
        applied.restore()
    return Outcome(mutant, status, time.perf_counter() - started, detail)


def _terminate(signum, frame) -> None:  # SIGTERM -> the same clean-up as Ctrl-C
    raise KeyboardInterrupt


def copy_tree(root: Path) -> Path:
    """Tracked and untracked (not ignored) files of ``root`` in a temporary folder, with
    ``shared`` beside it linked (tests find ``../shared/data`` there)."""
    base = Path(tempfile.mkdtemp(prefix="mutate-"))
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=root, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, files):
        source, target = root / name, base / "main" / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    if (root.parent / "shared").exists():
        (base / "shared").symlink_to(root.parent / "shared")
    return base / "main"


def summary(outcomes: list[Outcome], total_seconds: float) -> str:
    """``docs/mutation.md``: the score, the survivors, every mutant's result."""
    killed = [o for o in outcomes if o.status in ("killed", "timeout")]
    survived = [o for o in outcomes if o.status == "survived"]
    errors = [o for o in outcomes if o.status == "error"]
    scored = len(killed) + len(survived)
    sample = len(outcomes) < len(MUTANTS)
    score = 100 * len(killed) / scored if scored else 0.0
    lines = [
        "# Mutation testing",
        "",
        "Written by `make mutate` (`bench/mutate.py`; the mutants are in `bench/mutants.py`):",
        "each mutant is a realistic one-line break in a command, scoring, inference, decoder",
        "setup or training-option module, applied in turn; its tests run with `pytest -x`.",
        "",
        f"**Score: {len(killed)} of {scored} mutants killed ({score:.1f} %)**, "
        f"{len(survived)} survived, {len(errors)} could not be run; "
        f"{total_seconds / 60:.1f} min on {os.cpu_count()} CPU cores"
        + (f" (a sample: {len(outcomes)} of the {len(MUTANTS)} mutants)." if sample else "."),
        "",
        "## Survivors",
        "",
    ]
    lines += [
        f"- `{o.mutant.id}` {o.mutant.what}: "
        + ACCEPTED.get(o.mutant.id, "**no test notices it yet: add one**")
        for o in survived
    ] or ["None."]
    lines += ["", "## Every mutant", "", "| id | break | result | s | first failure |"]
    lines += ["| --- | --- | --- | ---: | --- |"]
    for o in outcomes:
        detail = o.detail.replace("|", "\\|")
        lines.append(
            f"| {o.mutant.id} | {o.mutant.what} | {o.status} | {o.seconds:.0f} | {detail} |"
        )
    return "\n".join(lines) + "\n"


def select(args: argparse.Namespace) -> list[Mutant]:
    chosen = MUTANTS
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - {mu.id for mu in MUTANTS}
        if unknown:
            raise SystemExit(f"error: unknown mutant ids: {', '.join(sorted(unknown))}")
        chosen = [mu for mu in MUTANTS if mu.id in wanted]
    if args.sample:
        step = max(1, len(chosen) // args.sample)
        chosen = chosen[::step][: args.sample]
    return chosen


def run_all(chosen: list[Mutant], args: argparse.Namespace) -> tuple[list[Outcome] | None, bool]:
    """Every chosen mutant in turn: ``(outcomes, interrupted)``; outcomes are None when the
    tests fail without a mutant (nothing is run then)."""
    root = copy_tree(ROOT) if args.copy else ROOT
    signal.signal(signal.SIGTERM, _terminate)
    outcomes: list[Outcome] = []
    try:
        failing = [] if args.no_baseline else baseline(chosen, root, 4 * args.timeout)
        if failing:
            print("error: the tests fail without any mutant (fix them or --deselect them):")
            print(*failing[:10], sep="\n")
            return None, False
        for n, mutant in enumerate(chosen, start=1):
            outcome = run_mutant(mutant, root, args.timeout)
            outcomes.append(outcome)
            print(f"[{n}/{len(chosen)}] {mutant.id:4} {outcome.status:8} "
                  f"{outcome.seconds:5.0f}s  {mutant.what}", flush=True)  # fmt: skip
    except KeyboardInterrupt:
        print("interrupted: every file is restored; the results so far follow")
        return outcomes, True
    finally:
        if args.copy:
            shutil.rmtree(root.parent, ignore_errors=True)
    return outcomes, False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--sample", type=int, default=0, help="run every k-th mutant, N in all")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per mutant's tests")
    parser.add_argument("--copy", action="store_true", help="mutate a temporary copy of the tree")
    parser.add_argument("--check", action="store_true", help="only check the mutant list")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the run of the tests without mutants"
    )
    parser.add_argument(
        "--deselect",
        action="append",
        default=[],
        metavar="NODE",
        help="leave out a test that fails without any mutant (repeatable)",
    )
    parser.add_argument("--report", type=Path, default=None, help=f"default: {REPORT}")
    args = parser.parse_args(argv)
    DESELECTED.extend(args.deselect)
    chosen = select(args)
    problems = check(chosen, ROOT)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if args.check and not problems:
        problems = missing_tests(chosen, ROOT)
        print(*(f"error: no test {node}" for node in problems), sep="\n", file=sys.stderr)
    if problems or args.check:
        print(f"{len(chosen)} mutants, {len(problems)} problems")
        return 1 if problems else 0
    started = time.perf_counter()
    outcomes, interrupted = run_all(chosen, args)
    if outcomes is None:
        return 2
    text = summary(outcomes, time.perf_counter() - started)
    report = args.report or (REPORT if len(outcomes) == len(MUTANTS) else None)
    if report is not None:
        (ROOT / report).write_text(text, encoding="utf-8")
        print(f"wrote {report}")
    print(text.split("\n\n")[2])
    if interrupted:
        return 130
    return 0 if all(o.status != "survived" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
