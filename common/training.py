"""The shared training loop: ``train(cfg, modality) -> metrics``.

Plain functions read top to bottom: build data and model, then for each epoch
``train_one_epoch`` and ``validate``, keeping ``last.pt`` (exact resume) and
``best.pt`` (best validation metric) in the run directory. With
``trainer.ema_decay`` > 0 an exponential moving average of the weights is kept
beside the trained ones; it is what gets validated and saved as ``best.pt``.

One bad example or batch never ends a run: an example that cannot be read (or
gives NaN/inf features) is skipped, named in the log and counted, up to
``trainer.max_bad_fraction`` of the training set; a batch with a NaN/inf loss or
gradient is skipped without touching the weights, up to
``trainer.max_nonfinite_batches`` in a row. Non-finite weights are never saved.
"""

from __future__ import annotations

import logging
import math
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from common.alphabet import Alphabet
from common.checkpoint import non_finite_tensors
from common.ctc import ctc_loss
from common.data import Batch, bucketed_batches, collate
from common.dataset import ExampleDataset, build_dataset
from common.decoding import greedy_decode
from common.encoder import Encoder, count_parameters
from common.fileio import remove_stale_temps
from common.metrics import ErrorRates
from common.modality import Modality
from common.resume import (
    config_record,
    find_resume,
    inference_payload,
    init_weights,
    restore,
    save_checked,
    save_last,
)
from common.run_log import RunLogger
from common.run_state import (
    Run,
    StepResult,
    TrainingError,
    TrainState,
    check_settings,
    note_bad_examples,
    note_nonfinite,
    resolve_device,
)

log = logging.getLogger("train")


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


def build_datasets(
    cfg: Any, modality: Modality, alphabet: Alphabet
) -> tuple[ExampleDataset, ExampleDataset | None]:
    """The training set and the validation set (None when the data config has none)."""
    common = dict(
        alphabet=alphabet,
        text_cfg=cfg.text,
        modality=modality,
        feature_cfg=cfg.features,
        seed=cfg.trainer.seed,
        cache=cfg.trainer.cache_inputs,
    )
    train_set = build_dataset(modality.load_examples(cfg.data, "train"), train=True, **common)
    if modality.augment_train_set is not None:
        train_set = modality.augment_train_set(train_set, cfg.data, alphabet)
    valid_examples = modality.load_examples(cfg.data, "valid")
    valid_set = build_dataset(valid_examples, train=False, **common) if valid_examples else None
    return train_set, valid_set


def build_optimiser(
    cfg: Any, model: Encoder, steps_per_epoch: int
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW and its warm-up + decay schedule over ``trainer.max_epochs`` epochs."""
    o = cfg.optim
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=o.lr, betas=tuple(o.betas), weight_decay=o.weight_decay
    )
    total = steps_per_epoch * cfg.trainer.max_epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_lambda(s, o.warmup_steps, total, o.schedule, o.min_lr_ratio)
    )
    return optimizer, scheduler


def build_run(cfg: Any, modality: Modality) -> Run:
    """Data, model, optimiser, scheduler and logger for ``cfg``."""
    tcfg = cfg.trainer
    check_settings(tcfg)
    run_dir = Path(cfg.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    seed_everything(tcfg.seed)
    if tcfg.threads > 0:
        torch.set_num_threads(tcfg.threads)
    device = resolve_device(tcfg.device)
    alphabet = Alphabet.from_chars(cfg.alphabet)
    train_set, valid_set = build_datasets(cfg, modality, alphabet)
    model = Encoder(modality.feature_dim(cfg.features), len(alphabet), cfg.model).to(device)
    optimizer, scheduler = build_optimiser(cfg, model, len(_epoch_batches(train_set, tcfg, 0)))
    scaler = torch.amp.GradScaler("cuda", enabled=tcfg.amp == "fp16" and device.type == "cuda")
    log.info(
        "%d train / %d valid examples, %d parameters, device %s",
        len(train_set),
        len(valid_set) if valid_set else 0,
        count_parameters(model),
        device,
    )
    ema = None
    if tcfg.ema_decay > 0:
        ema = torch.optim.swa_utils.AveragedModel(model, multi_avg_fn=ema_average(tcfg.ema_decay))
    return Run(
        cfg=cfg,
        modality=modality,
        alphabet=alphabet,
        model=model,
        optimizer=optimizer,
        scheduler=scheduler,
        scaler=scaler,
        device=device,
        train_set=train_set,
        valid_set=valid_set,
        run_dir=run_dir,
        logger=RunLogger(run_dir),
        state=TrainState(),
        ema=ema,
        record=config_record(cfg),
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


def train_step(run: Run, batch: Batch) -> StepResult:
    """One optimiser step, or none when the loss or gradient is NaN/inf (``finite=False``):
    then the weights, optimiser, scheduler and normalisation statistics stay as they were."""
    run.model.train()
    buffers = [b.clone() for b in run.model.buffers()]  # BatchNorm statistics
    feats = batch.features.to(run.device, non_blocking=True)
    with _autocast(run):
        log_probs, lengths = run.model(feats, batch.feature_lengths.to(run.device))
    result = ctc_loss(
        log_probs, lengths, batch.targets.to(run.device), batch.target_lengths.to(run.device)
    )
    loss, infeasible = float(result.loss.detach()), len(result.infeasible)
    run.optimizer.zero_grad(set_to_none=True)
    if not math.isfinite(loss) or non_finite_tensors(dict(run.model.named_buffers())):
        # (huge but finite inputs can overflow BatchNorm's running variance to inf)
        return _undo(run, buffers, StepResult(loss, infeasible, finite=False))
    run.scaler.scale(result.loss).backward()
    run.scaler.unscale_(run.optimizer)
    norm = torch.nn.utils.clip_grad_norm_(run.model.parameters(), run.cfg.optim.grad_clip)
    if not run.scaler.is_enabled() and not torch.isfinite(norm):
        # (with fp16 loss scaling, the scaler itself skips such steps and lowers the scale)
        run.optimizer.zero_grad(set_to_none=True)
        return _undo(run, buffers, StepResult(loss, infeasible, finite=False))
    run.scaler.step(run.optimizer)
    run.scaler.update()
    run.scheduler.step()
    if run.ema is not None:
        run.ema.update_parameters(run.model)
    return StepResult(loss, infeasible)


def _undo(run: Run, buffers: list[torch.Tensor], result: StepResult) -> StepResult:
    """Put back the buffers a skipped batch's forward pass changed."""
    with torch.no_grad():
        for buffer, saved in zip(run.model.buffers(), buffers, strict=True):
            buffer.copy_(saved)
    return result


EPOCH_SUMS = ("loss", "batches", "utts", "skipped", "bad", "nonfinite", "seconds")


def _account(run: Run, sums: dict[str, float], batch: Batch, epoch: int) -> bool:
    """Train on ``batch`` (if any of it is usable) and add to the epoch's sums.

    Returns whether an optimiser step was taken.
    """
    note_bad_examples(run, batch.bad)
    sums["bad"] += len(batch.bad)
    if not batch.ids:
        return False
    result = train_step(run, batch)
    sums["skipped"] += result.infeasible
    if result.infeasible:
        log.warning(
            "skipped %d utterances whose targets are longer than their input", result.infeasible
        )
    if not result.finite:
        sums["nonfinite"] += 1
        note_nonfinite(run, batch, epoch)
        return False
    run.state.nonfinite_run = 0
    sums["loss"] += result.loss
    sums["batches"] += 1
    sums["utts"] += len(batch.ids)
    run.state.step += 1
    if run.state.step % run.cfg.trainer.log_every_steps == 0:
        lr = run.scheduler.get_last_lr()[0]
        run.logger.scalars(run.state.step, {"train/loss": result.loss, "train/lr": lr})
    return True


def train_one_epoch(run: Run, epoch: int) -> dict[str, float]:
    """Train over one epoch (continuing a mid-epoch resume); returns its sums as metrics."""
    tcfg, state = run.cfg.trainer, run.state
    run.train_set.epoch = epoch
    batches = _epoch_batches(run.train_set, tcfg, epoch)
    start_batch = state.batch_in_epoch
    if start_batch == 0 or not state.partial:
        state.partial = dict.fromkeys(EPOCH_SUMS, 0.0)
    sums = state.partial
    loader = _loader(run.train_set, batches[start_batch:], tcfg.num_workers)
    bar = tqdm(
        loader,
        total=len(batches) - start_batch,
        desc=f"epoch {epoch + 1}",
        disable=not tcfg.progress,
        leave=False,
        dynamic_ncols=True,
    )
    clock = time.perf_counter()
    for i, batch in enumerate(bar, start=start_batch):
        stepped = _account(run, sums, batch, epoch)
        state.batch_in_epoch = i + 1
        now = time.perf_counter()
        sums["seconds"], clock = sums["seconds"] + now - clock, now
        if stepped:
            bar.set_postfix(loss=f"{sums['loss'] / sums['batches']:.3f}")
        every = tcfg.checkpoint_every_steps
        if stepped and every > 0 and state.step % every == 0 and i + 1 < len(batches):
            save_last(run)
    state.batch_in_epoch, state.partial = 0, {}
    return {
        "train_loss": sums["loss"] / sums["batches"] if sums["batches"] else math.nan,
        "utt_per_s": sums["utts"] / max(sums["seconds"], 1e-9),
        "skipped": int(sums["skipped"]),
        "bad_examples": int(sums["bad"]),
        "nonfinite_batches": int(sums["nonfinite"]),
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
        for example in batch.bad:
            if example.id not in run.reported:
                run.reported.add(example.id)
                log.warning("skipping validation example %s: %s", example.id, example.reason)
        if not batch.ids:
            continue
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
    if not losses:
        raise TrainingError("no validation example could be read (see the warnings above)")
    return {"valid_loss": float(np.mean(losses)), "wer": rates.wer, "cer": rates.cer}


def keep_epoch_weights(run: Run, epoch: int, keep: int) -> None:
    """Save this epoch's inference weights as ``epoch-NNN.pt``; drop those ``keep`` epochs old."""
    save_checked(inference_payload(run), run.run_dir / f"epoch-{epoch:03d}.pt")
    (run.run_dir / f"epoch-{epoch - keep:03d}.pt").unlink(missing_ok=True)


def _improved(run: Run, metrics: dict[str, float]) -> bool:
    value = metrics["valid_loss" if run.cfg.trainer.monitor == "loss" else run.cfg.trainer.monitor]
    if value < run.state.best:
        run.state.best, run.state.bad_epochs = value, 0
        return True
    run.state.bad_epochs += 1
    return False


def start(cfg: Any, modality: Modality) -> Run:
    """A ``Run`` for ``cfg``, continued from ``trainer.resume`` or started afresh."""
    run = build_run(cfg, modality)
    for path in remove_stale_temps(run.run_dir):
        log.info("removed %s, left by a killed run", path.name)
    resume_from = find_resume(run.run_dir, cfg.trainer.resume, run.record)
    if resume_from is not None:
        restore(run, resume_from)
        run.logger.resume(run.state.step, run.state.history)
    elif cfg.trainer.init_from:
        init_weights(run, Path(cfg.trainer.init_from))
    return run


def train(cfg: Any, modality: Modality) -> dict[str, float]:
    """Train a CTC model for ``modality`` as ``cfg`` says; returns the last epoch's metrics.

    Raises:
        TrainingError: a user-fixable reason to stop (one line); reader errors
            (``ValueError``) and checkpoint errors likewise.
    """
    cfg = as_dataclass(cfg)
    run = start(cfg, modality)
    tcfg, metrics = cfg.trainer, {}
    try:
        for epoch in range(run.state.epoch, tcfg.max_epochs):
            metrics = {"epoch": epoch + 1, **train_one_epoch(run, epoch)}
            if run.valid_set is not None and (epoch + 1) % tcfg.validate_every_epochs == 0:
                metrics.update(validate(run))
                if _improved(run, metrics):
                    save_checked(inference_payload(run), run.run_dir / "best.pt")
            metrics.update(step=run.state.step, lr=run.scheduler.get_last_lr()[0])
            run.state.history.append(metrics)
            run.logger.epoch(metrics, run.state.history)
            run.state.epoch = epoch + 1
            stop = tcfg.patience > 0 and run.state.bad_epochs >= tcfg.patience
            run.state.finished = stop or epoch + 1 == tcfg.max_epochs
            save_last(run)
            if tcfg.keep_epochs > 0:
                keep_epoch_weights(run, epoch + 1, tcfg.keep_epochs)
            if stop:
                log.info("early stopping: no improvement for %d epochs", tcfg.patience)
                break
        if run.valid_set is None:
            save_checked(inference_payload(run), run.run_dir / "best.pt")
    finally:
        run.logger.close()
    return metrics or (run.state.history[-1] if run.state.history else {})
