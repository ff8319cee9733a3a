"""Typed configuration shared by every task, mirrored by the YAML groups in ``conf/``.

Each task (``asr``, ``handwriting``) extends ``TrainConfig`` with its own
``features`` and ``data`` dataclasses and registers the result as the schema of
its Hydra config root, so a misspelt key fails at composition time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

from common.alphabet import TextNormalizerConfig
from common.resources import conf_dir

ENGLISH_CHARS = " abcdefghijklmnopqrstuvwxyz'"
CONF_ROOT = conf_dir()  # <conf>/<task>/<group>/<option>.yaml (package data when installed)


@dataclass
class ModelConfig:
    """Encoder shape: optional 1-D conv front end, stacked (bi)RNN, linear to vocabulary."""

    conv_channels: int = 0  # 0 disables the conv front end
    conv_layers: int = 1
    conv_kernel: int = 5
    conv_stride: int = 2  # time subsampling per conv layer
    cell: str = "lstm"  # lstm | gru | rnn
    hidden: int = 256
    layers: int = 3
    bidirectional: bool = True
    dropout: float = 0.1


@dataclass
class OptimConfig:
    """AdamW with linear warm-up then cosine or constant decay."""

    lr: float = 1e-3
    weight_decay: float = 1e-2
    betas: tuple[float, float] = (0.9, 0.98)
    warmup_steps: int = 200
    schedule: str = "cosine"  # cosine | constant
    min_lr_ratio: float = 0.05
    grad_clip: float = 5.0


@dataclass
class TrainerConfig:
    """Loop, batching, logging, checkpointing and stopping."""

    max_epochs: int = 30
    batch_size: int = 32
    max_batch_length: float = 0.0  # padded length budget per batch (seconds or points); 0 = none
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    amp: str = "none"  # none | bf16 | fp16 (CUDA only)
    seed: int = 1234
    num_workers: int = 0
    validate_every_epochs: int = 1
    patience: int = 0  # epochs without validation improvement before stopping; 0 = never
    monitor: str = "cer"  # cer | wer | loss
    checkpoint_every_steps: int = 0  # also save last.pt mid-epoch every N steps; 0 = epoch end only
    resume: str = "none"  # none | auto | path to a last.pt
    init_from: str = ""  # start from the weights of this checkpoint (fine-tuning); "" = random
    sortagrad: bool = False  # first epoch in order of increasing length (eases early CTC)
    ema_decay: float = 0.0  # validate and keep an exponential moving average of weights; 0 = off
    keep_epochs: int = 0  # also keep the last N epochs' weights as epoch-NNN.pt (averaging)
    log_every_steps: int = 20
    progress: bool = True
    cache_inputs: bool = True  # keep decoded signals in memory between epochs
    threads: int = 0  # torch intra-op threads on CPU; 0 = torch default
    max_bad_fraction: float = 0.01  # unreadable training examples are skipped up to this share
    max_nonfinite_batches: int = 20  # NaN/inf batches in a row (skipped) to stop at; 0 = never


@dataclass
class DecoderConfig:
    """How log-probabilities become text (see ``common.decoding``)."""

    kind: str = "greedy"  # greedy | beam
    beam_size: int = 64
    lm: str | None = None  # ARPA or KenLM binary (word LM), or char-level ARPA
    lm_unit: str = "word"  # word | char
    alpha: float = 0.5
    beta: float = 1.0
    lexicon: str | None = None
    hotwords: list[str] = field(default_factory=list)  # "word" or "some phrase:boost"
    hotword_weight: float = 5.0
    token_topk: int = 0  # 0 = no top-k pruning per frame
    token_min_logp: float = -12.0  # prune tokens below this per-frame log-prob
    blank_skip_threshold: float = 0.999  # skip frames whose blank prob exceeds this; 1 = never
    beam_threshold: float = 10.0  # drop prefixes this far (log) below the frame's best
    merge: str = "sum"  # sum: a text scores its CTC probability; max: its best alignment
    nbest: int = 1


@dataclass
class TrainConfig:
    """Fields common to every task's training config."""

    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    decoder: DecoderConfig = field(default_factory=DecoderConfig)
    text: TextNormalizerConfig = field(default_factory=TextNormalizerConfig)
    alphabet: str = ENGLISH_CHARS
    run_dir: str = "."


def task_decoder_config(task: str) -> DecoderConfig:
    """The inference commands' decoder settings for ``task`` (``asr`` | ``handwriting``).

    Beam settings come from ``conf/<task>/decoder/beam.yaml``; the kind stays greedy
    until a beam flag asks for the beam decoder. The file is read once per process.
    """
    return replace(_beam_yaml(task), kind="greedy")


@functools.cache
def _beam_yaml(task: str) -> DecoderConfig:
    from omegaconf import OmegaConf

    path = CONF_ROOT / task / "decoder" / "beam.yaml"
    merged = OmegaConf.merge(OmegaConf.structured(DecoderConfig), OmegaConf.load(path))
    return OmegaConf.to_object(merged)
