"""The shared training loop: ``train(cfg, modality) -> metrics``.

Plain functions read top to bottom: build data and model, then for each epoch
``train_one_epoch`` and ``validate``, keeping ``last.pt`` (exact resume) and
``best.pt`` (best validation metric) in the run directory. With
``trainer.ema_decay`` > 0 an exponential moving average of the weights is kept
beside the trained ones; it is what gets validated and saved as ``best.pt``.
"""

from __future__ import annotations

import logging
import math
import random
import time
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from common.alphabet import Alphabet
from common.checkpoint import load_checkpoint, model_payload, rng_state, save_atomic, set_rng_state
from common.ctc import ctc_loss
from common.data import bucketed_batches, collate
from common.dataset import ExampleDataset, build_dataset
from common.decoding import greedy_decode
from common.encoder import Encoder, count_parameters
from common.metrics import ErrorRates
from common.modality import Modality
from common.run_log import RunLogger

log = logging.getLogger("train")


@dataclass
class TrainState:
    """Counters saved in ``last.pt``; ``batch_in_epoch`` > 0 means a mid-epoch save."""

    epoch: int = 0
    step: int = 0
    batch_in_epoch: int = 0
    best: float = math.inf
    bad_epochs: int = 0
    finished: bool = False
    history: list[dict] = field(default_factory=list)


@dataclass
class Run:
    """Everything the loop mutates, in one place."""

    cfg: Any
    modality: Modality
    alphabet: Alphabet
    model: Encoder
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    scaler: torch.amp.GradScaler
    device: torch.device
    train_set: ExampleDataset
    valid_set: ExampleDataset | None
    run_dir: Path
    logger: RunLogger
    state: TrainState
    ema: torch.optim.swa_utils.AveragedModel | None = None

    @property
    def eval_model(self) -> Encoder:
        """The weights validated and saved as ``best.pt``: the average when there is one."""
        return self.ema.module if self.ema is not None else self.model


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA when available, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def lr_lambda(step: int, warmup: int, total: int, schedule: str, min_ratio: float) -> float:
    """Linear warm-up to 1, then cosine decay to ``min_ratio`` (or constant)."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    if schedule == "constant" or total <= warmup:
        return 1.0
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def ema_average(decay: float):
    """``AveragedModel`` multi-tensor update: an EMA whose decay ramps up as
    ``(1 + n) / (10 + n)``, so the first weights are forgotten quickly. One call per
    step and device (not per parameter), so ``n`` is read once. ``AveragedModel``'s first
    update copies the weights, so the average starts from ``init_from`` weights too."""

    def update(averaged: list[torch.Tensor], current: list[torch.Tensor], n: torch.Tensor) -> None:
        d = min(decay, (1.0 + float(n)) / (10.0 + float(n)))
        torch._foreach_lerp_(averaged, current, 1.0 - d)  # d * averaged + (1 - d) * current

    return update


def as_dataclass(cfg: Any) -> Any:
    """A Hydra ``DictConfig`` backed by a structured schema -> its dataclass instance."""
    return OmegaConf.to_object(cfg) if isinstance(cfg, DictConfig) else cfg


def feature_dict(feature_cfg: Any) -> dict:
    return asdict(feature_cfg) if is_dataclass(feature_cfg) else dict(feature_cfg)


def build_run(cfg: Any, modality: Modality) -> Run:
    """Data, model, optimiser, scheduler and logger for ``cfg``."""
    tcfg = cfg.trainer
    run_dir = Path(cfg.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    seed_everything(tcfg.seed)
    if tcfg.threads > 0:
        torch.set_num_threads(tcfg.threads)
    device = resolve_device(tcfg.device)
    alphabet = Alphabet.from_chars(cfg.alphabet)
    common = dict(
        alphabet=alphabet,
        text_cfg=cfg.text,
        modality=modality,
        feature_cfg=cfg.features,
        seed=tcfg.seed,
        cache=tcfg.cache_inputs,
    )
    train_set = build_dataset(modality.load_examples(cfg.data, "train"), train=True, **common)
    valid_examples = modality.load_examples(cfg.data, "valid")
    valid_set = build_dataset(valid_examples, train=False, **common) if valid_examples else None
    model = Encoder(modality.feature_dim(cfg.features), len(alphabet), cfg.model).to(device)
    optimizer = torch.optim.AdamW(
        model.parameters(),
        lr=cfg.optim.lr,
        betas=tuple(cfg.optim.betas),
        weight_decay=cfg.optim.weight_decay,
    )
    steps_per_epoch = len(_epoch_batches(train_set, tcfg, 0))
    total = steps_per_epoch * tcfg.max_epochs
    o = cfg.optim
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_lambda(s, o.warmup_steps, total, o.schedule, o.min_lr_ratio)
    )
    scaler = torch.amp.GradScaler("cuda", enabled=tcfg.amp == "fp16" and device.type == "cuda")
    log.info(
        "%d train / %d valid examples, %d parameters, device %s",
        len(train_set),
        len(valid_set) if valid_set else 0,
        count_parameters(model),
        device,
    )
    if not 0.0 <= tcfg.ema_decay < 1.0:
        raise ValueError(f"trainer.ema_decay must be in [0, 1), not {tcfg.ema_decay}")
    ema = None
    if tcfg.ema_decay > 0:
        ema = torch.optim.swa_utils.AveragedModel(model, multi_avg_fn=ema_average(tcfg.ema_decay))
    return Run(
        cfg,
        modality,
        alphabet,
        model,
        optimizer,
        scheduler,
        scaler,
        device,
        train_set,
        valid_set,
        run_dir,
        RunLogger(run_dir),
        TrainState(),
        ema,
    )


def _epoch_batches(dataset: ExampleDataset, tcfg: Any, epoch: int) -> list[list[int]]:
    if dataset.train and tcfg.sortagrad and epoch == 0:
        order = sorted(range(len(dataset)), key=lambda i: dataset.examples[i].length)
        return [order[i : i + tcfg.batch_size] for i in range(0, len(order), tcfg.batch_size)]
    return bucketed_batches(
        dataset.lengths(),
        tcfg.batch_size,
        tcfg.max_batch_length,
        tcfg.seed,
        epoch,
        shuffle=dataset.train,
    )


def _loader(dataset: ExampleDataset, batches: list[list[int]], workers: int):
    # A private generator keeps DataLoader from drawing on the global RNG (exact resume).
    return torch.utils.data.DataLoader(
        dataset,
        batch_sampler=batches,
        collate_fn=collate,
        num_workers=workers,
        generator=torch.Generator(),
    )


def _autocast(run: Run):
    amp = run.cfg.trainer.amp
    enabled = amp in ("bf16", "fp16") and run.device.type == "cuda"
    dtype = torch.bfloat16 if amp == "bf16" else torch.float16
    return torch.autocast(device_type=run.device.type, dtype=dtype, enabled=enabled)


def train_step(run: Run, batch) -> tuple[float, int]:
    """One optimiser step; returns (loss, number of infeasible utterances)."""
    run.model.train()
    feats = batch.features.to(run.device, non_blocking=True)
    with _autocast(run):
        log_probs, lengths = run.model(feats, batch.feature_lengths.to(run.device))
    result = ctc_loss(
        log_probs, lengths, batch.targets.to(run.device), batch.target_lengths.to(run.device)
    )
    run.optimizer.zero_grad(set_to_none=True)
    run.scaler.scale(result.loss).backward()
    run.scaler.unscale_(run.optimizer)
    torch.nn.utils.clip_grad_norm_(run.model.parameters(), run.cfg.optim.grad_clip)
    run.scaler.step(run.optimizer)
    run.scaler.update()
    run.scheduler.step()
    if run.ema is not None:
        run.ema.update_parameters(run.model)
    return float(result.loss.detach()), len(result.infeasible)


def train_one_epoch(run: Run, epoch: int) -> dict[str, float]:
    """Train over one epoch (continuing a mid-epoch resume); returns mean loss and speed."""
    tcfg, state = run.cfg.trainer, run.state
    run.train_set.epoch = epoch
    batches = _epoch_batches(run.train_set, tcfg, epoch)
    start_batch = state.batch_in_epoch
    loader = _loader(run.train_set, batches[start_batch:], tcfg.num_workers)
    total_loss, n_batches, n_utts, skipped = 0.0, 0, 0, 0
    started = time.perf_counter()
    bar = tqdm(
        loader,
        total=len(batches) - start_batch,
        desc=f"epoch {epoch + 1}",
        disable=not tcfg.progress,
        leave=False,
        dynamic_ncols=True,
    )
    for i, batch in enumerate(bar, start=start_batch):
        loss, infeasible = train_step(run, batch)
        skipped += infeasible
        if infeasible:
            log.warning(
                "skipped %d utterances whose targets are longer than their input", infeasible
            )
        total_loss, n_batches, n_utts = total_loss + loss, n_batches + 1, n_utts + len(batch.ids)
        state.step += 1
        state.batch_in_epoch = i + 1
        bar.set_postfix(loss=f"{loss:.3f}", lr=f"{run.scheduler.get_last_lr()[0]:.2e}")
        if state.step % tcfg.log_every_steps == 0:
            run.logger.scalars(
                state.step, {"train/loss": loss, "train/lr": run.scheduler.get_last_lr()[0]}
            )
        every = tcfg.checkpoint_every_steps
        if every > 0 and state.step % every == 0 and i + 1 < len(batches):
            save_last(run)
    seconds = time.perf_counter() - started
    state.batch_in_epoch = 0
    return {
        "train_loss": total_loss / max(1, n_batches),
        "utt_per_s": n_utts / max(seconds, 1e-9),
        "skipped": skipped,
    }


@torch.no_grad()
def validate(run: Run) -> dict[str, float]:
    """Validation loss and greedy WER/CER of ``run.eval_model``."""
    model = run.eval_model
    model.eval()
    batches = _epoch_batches(run.valid_set, run.cfg.trainer, 0)
    rates, losses = ErrorRates.empty(), []
    texts = dict(zip((e.id for e in run.valid_set.examples), run.valid_set.texts, strict=True))
    for batch in _loader(run.valid_set, batches, run.cfg.trainer.num_workers):
        with _autocast(run):
            log_probs, lengths = model(
                batch.features.to(run.device), batch.feature_lengths.to(run.device)
            )
        result = ctc_loss(
            log_probs, lengths, batch.targets.to(run.device), batch.target_lengths.to(run.device)
        )
        losses.append(float(result.loss))
        for uid, lp, n in zip(batch.ids, log_probs.cpu(), lengths.cpu(), strict=True):
            rates.update(texts[uid], greedy_decode(lp[: int(n)], run.alphabet).text)
    return {"valid_loss": float(np.mean(losses)), "wer": rates.wer, "cer": rates.cer}


def _payload(run: Run) -> dict[str, Any]:
    c = run.cfg
    return model_payload(
        run.modality.name, run.eval_model, run.alphabet, c.model, feature_dict(c.features), c.text
    )


def save_last(run: Run) -> None:
    """``last.pt``: weights, configs and all training state for exact resume.

    Its ``state_dict`` is the model used for inference (the average with EMA on);
    the trained weights and the average's state are kept beside it for resuming.
    """
    payload = _payload(run)
    if run.ema is not None:
        payload.update(trained_state_dict=run.model.state_dict(), ema=run.ema.state_dict())
    payload.update(
        optimizer=run.optimizer.state_dict(),
        scheduler=run.scheduler.state_dict(),
        scaler=run.scaler.state_dict(),
        rng=rng_state(),
        train_state=asdict(run.state),
    )
    save_atomic(payload, run.run_dir / "last.pt")


def restore(run: Run, path: Path) -> None:
    """Load ``last.pt`` into ``run`` (weights, optimiser, scheduler, scaler, RNG, counters)."""
    payload = load_checkpoint(path, map_location=str(run.device))
    if "train_state" not in payload:
        raise ValueError(f"{path} holds no training state (use a last.pt to resume)")
    if (run.ema is not None) != ("ema" in payload):
        raise ValueError(f"{path} was trained with another trainer.ema_decay setting (0 vs > 0)")
    if run.ema is not None:
        run.model.load_state_dict(payload["trained_state_dict"])
        run.ema.load_state_dict(payload["ema"])
    else:
        run.model.load_state_dict(payload["state_dict"])
    run.optimizer.load_state_dict(payload["optimizer"])
    run.scheduler.load_state_dict(payload["scheduler"])
    run.scaler.load_state_dict(payload["scaler"])
    set_rng_state(payload["rng"])
    run.state = TrainState(**payload["train_state"])
    log.info("resumed from %s at epoch %d, step %d", path, run.state.epoch + 1, run.state.step)


def init_weights(run: Run, path: Path) -> None:
    """Start from another checkpoint's weights (same architecture and alphabet)."""
    payload = load_checkpoint(path, map_location=str(run.device))
    if payload["alphabet"] != run.alphabet.chars or payload["model"] != asdict(run.cfg.model):
        raise ValueError(f"{path} has another alphabet or model shape than this run")
    run.model.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in payload["state_dict"].items()}
    )
    log.info("initialised weights from %s", path)


def find_resume(run_dir: Path, resume: str) -> Path | None:
    """``none`` -> None; a path -> it; ``auto`` -> this run's last.pt, else the newest
    unfinished ``last.pt`` among sibling run directories (a killed run started earlier)."""
    if resume == "none":
        return None
    if resume != "auto":
        return Path(resume)
    candidates = [run_dir / "last.pt"] if (run_dir / "last.pt").exists() else []
    if not candidates and run_dir.parent.exists():
        others = sorted(run_dir.parent.glob("*/last.pt"), key=lambda p: p.stat().st_mtime)
        candidates = [p for p in reversed(others) if not _finished(p)][:1]
    return candidates[0] if candidates else None


def _finished(path: Path) -> bool:
    try:
        return bool(load_checkpoint(path)["train_state"]["finished"])
    except (ValueError, KeyError):
        return True


def _improved(run: Run, metrics: dict[str, float]) -> bool:
    value = metrics["valid_loss" if run.cfg.trainer.monitor == "loss" else run.cfg.trainer.monitor]
    if value < run.state.best:
        run.state.best, run.state.bad_epochs = value, 0
        return True
    run.state.bad_epochs += 1
    return False


def train(cfg: Any, modality: Modality) -> dict[str, float]:
    """Train a CTC model for ``modality`` as ``cfg`` says; returns the last epoch's metrics."""
    cfg = as_dataclass(cfg)
    run = build_run(cfg, modality)
    resume_from = find_resume(run.run_dir, cfg.trainer.resume)
    if resume_from is not None:
        restore(run, resume_from)
    elif cfg.trainer.init_from:
        init_weights(run, Path(cfg.trainer.init_from))
    tcfg, metrics = cfg.trainer, {}
    try:
        for epoch in range(run.state.epoch, tcfg.max_epochs):
            metrics = {"epoch": epoch + 1, **train_one_epoch(run, epoch)}
            if run.valid_set is not None and (epoch + 1) % tcfg.validate_every_epochs == 0:
                metrics.update(validate(run))
                if _improved(run, metrics):
                    save_atomic(_payload(run), run.run_dir / "best.pt")
            metrics.update(step=run.state.step, lr=run.scheduler.get_last_lr()[0])
            run.logger.epoch(metrics)
            run.state.history.append(metrics)
            run.state.epoch = epoch + 1
            stop = tcfg.patience > 0 and run.state.bad_epochs >= tcfg.patience
            run.state.finished = stop or epoch + 1 == tcfg.max_epochs
            save_last(run)
            if stop:
                log.info("early stopping: no improvement for %d epochs", tcfg.patience)
                break
        if run.valid_set is None:
            save_atomic(_payload(run), run.run_dir / "best.pt")
    finally:
        run.logger.close()
    return metrics or (run.state.history[-1] if run.state.history else {})
