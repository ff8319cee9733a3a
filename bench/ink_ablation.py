"""Ablation of the ink synthesiser's levers: what each one buys on held-out and real pen ink.

For each arm, a synthetic corpus is written with one lever off (``handwriting
synth --without LEVER``; ``outline_fonts`` drops the handwriting outline fonts,
``later_fonts`` and ``school_print`` drop the glyph sources added after the first
ablation, ``normalisation`` trains without baseline correction, ``classic`` is the
original synthesiser: every lever off, Hershey fonts only), the shipped
``ink-synthetic`` model is fine-tuned on it for the same budget, and the result
is scored on two fixed test sets that every arm shares:

- held-out synthetic writers: ``testset_f`` of an all-levers corpus (glyph
  sources, seeds and sampling rate no training writer has);
- real pen input: lines composed from Omniglot drawings (``bench/ink_real_proxy.py``).

Arms run two at a time, one CPU thread each. Results go to ``OUT/results.json``
and a Markdown table on stdout; finished arms are reused when the script is
run again.

    python bench/ink_ablation.py runs/ablation --lines 1000 --epochs 3
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from handwriting.glyph_sources import SCHOOL_PRINT  # noqa: E402
from handwriting.writer_styles import TRAIN_FONTS  # noqa: E402

BIN = Path(sys.executable).parent
HERSHEY_TRAIN = "cursive,futural,timesi,scriptc,rowmand,rowmant,futuram,timesib"
HERSHEY_TEST = "scripts,rowmans,timesr"
LEVERS = (
    "stroke_order",
    "cursive",
    "delayed_strokes",
    "glyph_variety",
    "kinematics",
    "line_geometry",
    "proportions",
)
# glyph sources added after the first ablation: five fonts (Comic Neue, Andika, Klee One,
# Kaushan Script, Rufscript; ttf:dyslexic joined the held-out side) and school print
LATER_FONTS = ("ttf:comic", "ttf:andika", "ttf:klee", "ttf:kaushan", "ttf:rufscript")
ARMS = ("all", *LEVERS, "outline_fonts", "later_fonts", "school_print", "normalisation", "classic")
MODEL = (
    "features=bezier_augment model=bilstm model.hidden=128 model.layers=3 model.dropout=0.1 "
    "trainer.batch_size=16 optim.lr=0.002 optim.warmup_steps=20 optim.min_lr_ratio=0.05"
).split()


def _run(cmd: list[str], log: Path) -> None:
    with log.open("a") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, check=True, cwd=ROOT)


def synth_args(arm: str) -> list[str]:
    """``handwriting synth`` flags of an arm's training corpus."""
    if arm in LEVERS:
        return ["--without", arm]
    if arm == "outline_fonts":
        return ["--train-fonts", HERSHEY_TRAIN, "--test-fonts", HERSHEY_TEST]
    if arm in ("later_fonts", "school_print"):
        left_out = LATER_FONTS if arm == "later_fonts" else (SCHOOL_PRINT,)
        return ["--train-fonts", ",".join(f for f in TRAIN_FONTS if f not in left_out)]
    if arm == "classic":
        return ["--without", ",".join(LEVERS), "--train-fonts", HERSHEY_TRAIN,
                "--test-fonts", HERSHEY_TEST]  # fmt: skip
    return []


def _evaluate(model: Path, data: Path, split: list[str], out: Path, log: Path) -> dict:
    cmd = [str(BIN / "handwriting"), "evaluate", str(data), *split, "--model", str(model)]
    _run([*cmd, "--threads", "1", "--no-progress", "--json", str(out)], log)
    metrics = json.loads(out.read_text())
    return {"cer": metrics["cer"], "wer": metrics["wer"]}


def run_arm(arm: str, args: argparse.Namespace) -> dict:
    """Synthesise, fine-tune and score one arm (reusing what an earlier run finished)."""
    arm_dir = args.out / arm
    arm_dir.mkdir(parents=True, exist_ok=True)
    result_file, log = arm_dir / "result.json", arm_dir / "log.txt"
    if result_file.exists():
        return json.loads(result_file.read_text())
    corpus, run_dir = arm_dir / "corpus", arm_dir / "train"
    if not (corpus / "forms.txt").exists():
        synth = [str(BIN / "handwriting"), "synth", str(corpus), "--lines", str(args.lines)]
        _run([*synth, "--seed", str(args.seed), "--no-progress", *synth_args(arm)], log)
    baseline = "false" if arm == "normalisation" else "true"
    train = [str(BIN / "handwriting"), "train", "data=synth", f"data.root={corpus}", *MODEL,
             f"features.preprocess.baseline_correction={baseline}",
             f"trainer.init_from={args.init}", f"trainer.max_epochs={args.epochs}",
             "trainer.threads=1", "trainer.progress=false", "trainer.resume=auto",
             f"hydra.run.dir={run_dir}"]  # fmt: skip
    _run(train, log)
    best = run_dir / "best.pt"
    result = {
        "arm": arm,
        "held_out": _evaluate(
            best, args.held_out, ["--split", "testset_f"], arm_dir / "h.json", log
        ),
        "real_proxy": _evaluate(best, args.proxy, [], arm_dir / "p.json", log),
    }
    result_file.write_text(json.dumps(result, indent=1))
    return result


def prepare_test_sets(args: argparse.Namespace) -> None:
    """The shared held-out corpus and the Omniglot proxy lines, written once."""
    log = args.out / "log.txt"
    args.out.mkdir(parents=True, exist_ok=True)
    if not (args.held_out / "forms.txt").exists():
        synth = [str(BIN / "handwriting"), "synth", str(args.held_out), "--lines", "1000"]
        _run([*synth, "--seed", "99", "--test-fraction", "0.3", "--no-progress"], log)
    if not args.proxy.exists():
        proxy = [sys.executable, str(ROOT / "bench" / "ink_real_proxy.py"), "--lines", "200"]
        _run([*proxy, "--out", str(args.proxy.parent), "--model", str(args.init)], log)


def table(results: list[dict]) -> str:
    """Markdown table: CER on both test sets and the change against the all-levers arm."""
    base = next((r for r in results if r["arm"] == "all"), None)
    rows = ["| arm | held-out synthetic CER | real-pen proxy CER | proxy WER |",
            "| --- | --- | --- | --- |"]  # fmt: skip
    for r in results:
        h, p = r["held_out"]["cer"], r["real_proxy"]["cer"]
        delta = ""
        if base and r is not base:
            delta = f" ({100 * (p - base['real_proxy']['cer']):+.1f})"
        name = {"all": "all levers", "classic": "original synthesiser (all off, Hershey only)"}
        name = name.get(r["arm"], f"without {r['arm']}")
        wer = 100 * r["real_proxy"]["wer"]
        rows.append(f"| {name} | {100 * h:.1f} % | {100 * p:.1f} %{delta} | {wer:.1f} % |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="work folder (arms are reused on a rerun)")
    parser.add_argument("--arms", default=",".join(ARMS), help="comma list (default: all arms)")
    parser.add_argument("--lines", type=int, default=1000, help="lines per training corpus")
    parser.add_argument("--epochs", type=int, default=3, help="fine-tuning epochs per arm")
    parser.add_argument("--seed", type=int, default=21, help="seed of the training corpora")
    parser.add_argument("--init", type=Path, default=ROOT / "models" / "ink-synthetic.pt")
    parser.add_argument("--jobs", type=int, default=2, help="arms run at once (1 thread each)")
    args = parser.parse_args(argv)
    args.out = args.out.resolve()
    args.held_out = args.out / "held-out"
    args.proxy = args.out / "proxy" / "manifest.jsonl"
    arms = [a for a in args.arms.split(",") if a]
    unknown = sorted(set(arms) - set(ARMS))
    if unknown:
        parser.error(f"unknown arms {', '.join(unknown)}; choose from {', '.join(ARMS)}")
    prepare_test_sets(args)
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda a: run_arm(a, args), arms))
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
