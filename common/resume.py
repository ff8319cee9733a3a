"""Checkpoints of a training run: what ``last.pt``/``best.pt`` hold, which run resumes.

Part of the training flow (``common.training``): before the first batch, a run
looks for a checkpoint to resume (``trainer.resume``) and checks that it was
written by a run with the same settings; during training it saves ``last.pt``
(exact resume) and ``best.pt`` (inference) atomically. ``last.pt`` records the
settings that shape the trained weights (``config_record``); the ones that do
not (logging, device, threads, the resume option itself, decoder) may differ.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from common.checkpoint import (
    CheckpointError,
    load_checkpoint,
    model_payload,
    rng_state,
    save_atomic,
    set_rng_state,
)
from common.run_state import Run, TrainingError, TrainState

log = logging.getLogger("train")

# Settings that do not change the weights a run produces (prefix match on dotted keys).
FREE_KEYS = (
    "run_dir",
    "decoder.",
    "trainer.resume",
    "trainer.init_from",
    "trainer.progress",
    "trainer.log_every_steps",
    "trainer.threads",
    "trainer.num_workers",
    "trainer.device",
    "trainer.cache_inputs",
    "trainer.checkpoint_every_steps",
    "trainer.keep_epochs",
    "trainer.max_bad_fraction",
    "trainer.max_nonfinite_batches",
)

# Settings added after older runs were recorded, with the values that reproduce how those
# runs trained: a saved record without them reads as having these (they stay resumable).
ADDED_SETTINGS = {
    "data.long_form.prob": 0.0,  # asr.long_form, off
    "data.long_form.max_parts": 3,
    "data.long_form.max_gap": 0.6,
    "data.long_form.max_seconds": 20.0,
    "data.long_form.noise_prob": 0.5,
    "data.long_form.noise_db": 40.0,
}

# Settings a run of one's own may change when resumed (training longer or stopping later).
EXTENDABLE = ("trainer.max_epochs", "trainer.patience")


def _plain(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) else value


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}{key}.", _plain(item), out)
    else:
        out[prefix[:-1]] = value


def config_record(cfg: Any) -> dict[str, Any]:
    """The settings of ``cfg`` that shape the weights, as ``{"model.hidden": 256, ...}``.

    Values are JSON-normalised (tuples become lists), so a record compares equal to
    itself after a round trip through a checkpoint.
    """
    tree = {**asdict(cfg), "features": _plain(cfg.features), "data": _plain(cfg.data)}
    flat: dict[str, Any] = {}
    _flatten("", tree, flat)
    kept = {k: v for k, v in flat.items() if not k.startswith(FREE_KEYS)}
    return json.loads(json.dumps(kept, default=str))


def config_diff(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """``key (saved -> current)`` for every setting that differs, sorted by key."""
    keys = sorted(set(saved) | set(current))
    missing = "<unset>"
    return [
        f"{k} ({saved.get(k, missing)!r} -> {current.get(k, missing)!r})"
        for k in keys
        if saved.get(k, missing) != current.get(k, missing)
    ]


def check_resumable(
    payload: dict[str, Any], path: Path, record: dict[str, Any], extend: bool = False
) -> None:
    """Refuse to resume ``path`` unless its settings match ``record``.

    With ``extend`` (the user's own run, not an adopted sibling) the settings of
    ``EXTENDABLE`` may differ, e.g. to train a finished run for more epochs.

    Raises:
        TrainingError: no training state, or settings that differ (named, one line).
    """
    if "train_state" not in payload:
        raise TrainingError(f"{path} holds no training state (resume from a last.pt)")
    if "config" not in payload:
        log.warning("%s records no settings (older version): cannot check they match", path)
        return
    saved = json.loads(payload["config"])
    saved = {**{k: v for k, v in ADDED_SETTINGS.items() if k in record}, **saved}
    diff = config_diff(saved, record)
    if extend:
        changed = [d for d in diff if d.split(" ", 1)[0] in EXTENDABLE]
        for change in changed:
            log.warning("continuing %s with %s: the schedule differs from here on", path, change)
        diff = [d for d in diff if d not in changed]
    if diff:
        shown = ", ".join(diff[:4]) + (f" and {len(diff) - 4} more" if len(diff) > 4 else "")
        raise TrainingError(
            f"cannot resume {path}: it was trained with other settings: {shown} "
            "(use those settings, or trainer.resume=none for a new run)"
        )


def find_resume(run_dir: Path, resume: str, record: dict[str, Any]) -> Path | None:
    """The checkpoint to continue: ``none`` -> None; a path -> it; ``auto`` -> this run's
    ``last.pt``, else the newest unfinished sibling ``last.pt`` with the same settings.

    Raises:
        CheckpointError: ``resume`` names a file that does not exist.
    """
    if resume == "none":
        return None
    if resume != "auto":
        if not Path(resume).is_file():
            raise CheckpointError(f"trainer.resume: checkpoint not found: {resume}")
        return Path(resume)
    if (run_dir / "last.pt").exists():
        return run_dir / "last.pt"
    if not run_dir.parent.exists():
        return None
    siblings = sorted(run_dir.parent.glob("*/last.pt"), key=lambda p: p.stat().st_mtime)
    for path in reversed(siblings):
        if path.parent != run_dir and _adoptable(path, record):
            return path
    return None


def _adoptable(path: Path, record: dict[str, Any]) -> bool:
    """An unfinished run with the same settings (others are named in the log)."""
    try:
        payload = load_checkpoint(path)
        if payload["train_state"]["finished"]:
            return False
        if "config" not in payload:
            raise TrainingError("it records no settings to compare (older version)")
        check_resumable(payload, path, record)
    except (ValueError, KeyError) as err:
        log.info("not resuming %s: %s", path.parent, err)
        return False
    return True


def feature_dict(feature_cfg: Any) -> dict:
    """A feature config (dataclass or mapping) as a plain dict."""
    return asdict(feature_cfg) if is_dataclass(feature_cfg) else dict(feature_cfg)


def inference_payload(run: Run) -> dict[str, Any]:
    """What ``best.pt`` holds: the evaluated weights and every config inference needs."""
    c = run.cfg
    return model_payload(
        run.modality.name, run.eval_model, run.alphabet, c.model, feature_dict(c.features), c.text
    )


def save_last(run: Run) -> None:
    """``last.pt``: weights, configs and all training state for exact resume.

    Its ``state_dict`` is the model used for inference (the average with EMA on);
    the trained weights and the average's state are kept beside it for resuming.
    """
    payload = inference_payload(run)
    if run.ema is not None:
        payload.update(trained_state_dict=run.model.state_dict(), ema=run.ema.state_dict())
    payload.update(
        optimizer=run.optimizer.state_dict(),
        scheduler=run.scheduler.state_dict(),
        scaler=run.scaler.state_dict(),
        rng=rng_state(),
        train_state=asdict(run.state),
    )
    payload["config"] = json.dumps(run.record)
    save_checked(payload, run.run_dir / "last.pt")


def save_checked(payload: dict[str, Any], path: Path) -> None:
    """``save_atomic``, with a failed write (disk full) reported in one line.

    Raises:
        TrainingError: the file could not be written; the previous one is intact.
    """
    try:
        save_atomic(payload, path)
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise TrainingError(f"cannot write {path}: {reason} (the previous one is kept)") from err


def restore(run: Run, path: Path) -> None:
    """Load ``last.pt`` into ``run`` (weights, optimiser, scheduler, scaler, RNG, counters).

    Raises:
        TrainingError: ``path`` was written by a run with other settings (named).
    """
    payload = load_checkpoint(path, map_location=str(run.device))
    own = path.parent == run.run_dir or run.cfg.trainer.resume != "auto"
    check_resumable(payload, path, run.record, extend=own)
    if (run.ema is not None) != ("ema" in payload):
        raise TrainingError(f"{path} was trained with another trainer.ema_decay setting (0 vs > 0)")
    try:
        if run.ema is not None:
            run.model.load_state_dict(payload["trained_state_dict"])
            run.ema.load_state_dict(payload["ema"])
        else:
            run.model.load_state_dict(payload["state_dict"])
        run.optimizer.load_state_dict(payload["optimizer"])
    except (RuntimeError, ValueError) as err:
        first = str(err).strip().splitlines()[0]
        raise TrainingError(f"cannot resume {path}: its weights do not fit ({first})") from err
    run.scheduler.load_state_dict(payload["scheduler"])
    run.scaler.load_state_dict(payload["scaler"])
    set_rng_state(payload["rng"])
    run.state = TrainState(**payload["train_state"])
    log.info("resumed from %s at epoch %d, step %d", path, run.state.epoch + 1, run.state.step)


def init_weights(run: Run, path: Path) -> None:
    """Start from another checkpoint's weights (same architecture and alphabet)."""
    payload = load_checkpoint(path, map_location=str(run.device))
    if payload["alphabet"] != run.alphabet.chars or payload["model"] != asdict(run.cfg.model):
        raise TrainingError(f"{path} has another alphabet or model shape than this run")
    run.model.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in payload["state_dict"].items()}
    )
    log.info("initialised weights from %s", path)
