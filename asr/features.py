"""Waveform -> (T, F) feature frames: log-mel or MFCC, normalisation, augmentation.

Second step of the speech pipeline (after ``asr.audio.read_audio``):
``featurize`` applies speed perturbation (training only), the spectral
transform, per-utterance normalisation and SpecAugment (training only).
Legend: N samples, T frames, F feature dim.

Framing is centred (``center=True``, zero padding of ``n_fft // 2`` on each
side), so frame ``t`` is centred on sample ``t * hop_length``. The mel filters
are Slaney-style (``mel_scale="slaney"``, ``norm="slaney"``), the same as
librosa's defaults, so ``log_mel`` equals
``log(librosa.feature.melspectrogram(..., pad_mode="constant"))`` and ``mfcc``
equals ``librosa.feature.mfcc`` (dB power, ``top_db=80``, DCT-II ``norm="ortho"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import torch
import torchaudio.transforms as AT

from asr.audio import speed_perturb

LOG_FLOOR = 1e-10  # power floor before the natural log
NORM_EPS = 1e-5  # std floor in per-utterance normalisation
# Frames this far below the loudest frame are digital silence (zeros, padding), not background
# noise: no microphone recording has an 80 dB range within one utterance.
SILENCE_DB = 80.0
FEATURE_KINDS = ("log_mel", "mfcc")
NORMALIZE_KINDS = ("utterance", "nonsilent", "none")


class FeatureConfigError(ValueError):
    """A feature configuration value is out of range or unknown."""


@dataclass
class SpecAugmentConfig:
    """SpecAugment masking (Park et al., 2019), applied only when training.

    Each mask's width is drawn uniformly from ``[0, max width]`` and its start
    uniformly among the positions where it fits; masked values are set to 0,
    the mean after per-utterance normalisation.
    """

    freq_masks: int = 2
    freq_width: int = 15  # max feature bins per frequency mask
    time_masks: int = 2
    time_width: float = 0.05  # max frames per time mask, as a fraction of T
    enabled: bool = False


@dataclass
class AudioFeatureConfig:
    """How samples become feature frames; stored in checkpoints."""

    kind: str = "log_mel"  # log_mel | mfcc
    sample_rate: int = 16000
    n_fft: int = 400
    win_length: int = 400
    hop_length: int = 160
    n_mels: int = 80
    n_mfcc: int = 40
    f_min: float = 0.0
    f_max: float | None = None  # None = sample_rate / 2
    # utterance: mean/variance over all frames; nonsilent: over the frames that are not
    # digital silence (zeros padded around speech then change nothing); none
    normalize: str = "utterance"
    speed_perturb: list[float] = field(default_factory=list)  # e.g. [0.9, 1.0, 1.1]; [] = off
    spec_augment: SpecAugmentConfig = field(default_factory=SpecAugmentConfig)


def check_config(cfg: AudioFeatureConfig) -> None:
    """Raise ``FeatureConfigError`` naming the first invalid field of ``cfg``."""
    if cfg.kind not in FEATURE_KINDS:
        raise FeatureConfigError(f"features.kind must be one of {FEATURE_KINDS}, not {cfg.kind!r}")
    if cfg.normalize not in NORMALIZE_KINDS:
        raise FeatureConfigError(
            f"features.normalize must be one of {NORMALIZE_KINDS}, not {cfg.normalize!r}"
        )
    for name in ("sample_rate", "n_fft", "win_length", "hop_length", "n_mels", "n_mfcc"):
        if getattr(cfg, name) <= 0:
            raise FeatureConfigError(f"features.{name} must be positive, got {getattr(cfg, name)}")
    if cfg.win_length > cfg.n_fft:
        raise FeatureConfigError(f"features.win_length {cfg.win_length} exceeds n_fft {cfg.n_fft}")
    if cfg.n_fft > 65536 or cfg.hop_length > cfg.n_fft or cfg.n_mels > 1024:  # docs/limits.md
        raise FeatureConfigError("features need n_fft <= 65536, hop <= n_fft, n_mels <= 1024")
    if cfg.kind == "mfcc" and cfg.n_mfcc > cfg.n_mels:
        raise FeatureConfigError(f"features.n_mfcc {cfg.n_mfcc} exceeds n_mels {cfg.n_mels}")
    f_max = cfg.sample_rate / 2 if cfg.f_max is None else cfg.f_max
    if not 0 <= cfg.f_min < f_max <= cfg.sample_rate / 2:
        raise FeatureConfigError(
            f"features need 0 <= f_min < f_max <= sample_rate/2, got "
            f"f_min={cfg.f_min}, f_max={f_max}, sample_rate={cfg.sample_rate}"
        )
    bad = [f for f in cfg.speed_perturb if not (math.isfinite(f) and f > 0)]
    if bad:
        raise FeatureConfigError(f"features.speed_perturb factors must be positive, got {bad}")
    aug = cfg.spec_augment
    if min(aug.freq_masks, aug.freq_width, aug.time_masks) < 0:
        raise FeatureConfigError("spec_augment mask counts and widths must be >= 0")
    if not 0 <= aug.time_width <= 1:
        raise FeatureConfigError(f"spec_augment.time_width must be in [0, 1], got {aug.time_width}")


def feature_dim(cfg: AudioFeatureConfig) -> int:
    """Number of features per frame (F) that ``featurize`` produces."""
    check_config(cfg)
    return cfg.n_mels if cfg.kind == "log_mel" else cfg.n_mfcc


def frame_seconds(cfg: AudioFeatureConfig) -> float:
    """Seconds between consecutive feature frames (``hop_length / sample_rate``)."""
    return cfg.hop_length / cfg.sample_rate


def num_frames(num_samples: int, cfg: AudioFeatureConfig) -> int:
    """Exact number of frames (T) for ``num_samples`` samples with centred framing."""
    if num_samples <= 0:
        raise FeatureConfigError(f"need at least one sample, got {num_samples}")
    padded = num_samples + 2 * (cfg.n_fft // 2)
    return 1 + (padded - cfg.n_fft) // cfg.hop_length


def _mel_kwargs(cfg: AudioFeatureConfig) -> dict:
    """Keyword arguments of ``torchaudio.transforms.MelSpectrogram`` for ``cfg``."""
    return {
        "sample_rate": cfg.sample_rate,
        "n_fft": cfg.n_fft,
        "win_length": cfg.win_length,
        "hop_length": cfg.hop_length,
        "f_min": cfg.f_min,
        "f_max": cfg.f_max,
        "n_mels": cfg.n_mels,
        "power": 2.0,
        "center": True,
        "pad_mode": "constant",
        "norm": "slaney",
        "mel_scale": "slaney",
    }


def _cache_key(cfg: AudioFeatureConfig) -> tuple:
    """Hashable form of the fields that shape the spectral transforms."""
    return tuple(sorted(_mel_kwargs(cfg).items())) + (("n_mfcc", cfg.n_mfcc),)


@lru_cache(maxsize=16)
def _mel_transform(key: tuple) -> AT.MelSpectrogram:
    """Cached power mel spectrogram transform for a ``_cache_key``."""
    kwargs = dict(key)
    kwargs.pop("n_mfcc")
    return AT.MelSpectrogram(**kwargs)


@lru_cache(maxsize=16)
def _mfcc_transform(key: tuple) -> AT.MFCC:
    """Cached MFCC transform (dB power mel, top_db 80, orthonormal DCT-II) for a ``_cache_key``."""
    kwargs = dict(key)
    n_mfcc = kwargs.pop("n_mfcc")
    sample_rate = kwargs.pop("sample_rate")
    return AT.MFCC(sample_rate, n_mfcc=n_mfcc, dct_type=2, norm="ortho", melkwargs=kwargs)


def _as_tensor(samples: np.ndarray) -> torch.Tensor:
    """(N,) float32 tensor view of a 1-D waveform; rejects empty or multi-dim input."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1 or samples.size == 0:
        raise FeatureConfigError(f"expected a non-empty 1-D waveform, got shape {samples.shape}")
    return torch.from_numpy(np.ascontiguousarray(samples))


def log_mel(samples: np.ndarray, cfg: AudioFeatureConfig) -> torch.Tensor:
    """Natural log of the power mel spectrogram, floored at ``LOG_FLOOR``.

    Args:
        samples: (N,) waveform at ``cfg.sample_rate``.
        cfg: feature settings.

    Returns:
        (T, n_mels) float32 tensor with ``T = num_frames(N, cfg)``.
    """
    with torch.no_grad():
        mel = _mel_transform(_cache_key(cfg))(_as_tensor(samples))  # (n_mels, T)
        return torch.log(mel.clamp_min(LOG_FLOOR)).T.contiguous()  # (n_mels, T) -> (T, n_mels)


def mfcc(samples: np.ndarray, cfg: AudioFeatureConfig) -> torch.Tensor:
    """MFCCs as ``librosa.feature.mfcc`` computes them (see the module docstring).

    Args:
        samples: (N,) waveform at ``cfg.sample_rate``.
        cfg: feature settings.

    Returns:
        (T, n_mfcc) float32 tensor with ``T = num_frames(N, cfg)``.
    """
    with torch.no_grad():
        coeffs = _mfcc_transform(_cache_key(cfg))(_as_tensor(samples))  # (n_mfcc, T)
        return coeffs.T.contiguous()  # (n_mfcc, T) -> (T, n_mfcc)


def frame_power_db(samples: np.ndarray, cfg: AudioFeatureConfig) -> np.ndarray:
    """Mean power (dB) of each analysis frame, framed as the spectrogram is (centred, zero-padded).

    Returns:
        (T,) float64 array with ``T = num_frames(len(samples), cfg)``.
    """
    half = cfg.n_fft // 2
    padded = np.pad(np.asarray(samples, dtype=np.float64), half)
    energy = np.concatenate([[0.0], np.cumsum(padded**2)])  # energy[i] = sum of the first i
    starts = np.arange(0, len(padded) - cfg.n_fft + 1, cfg.hop_length)  # (T,)
    power = (energy[starts + cfg.n_fft] - energy[starts]) / cfg.n_fft
    return 10.0 * np.log10(np.maximum(power, 0.0) + 1e-20)


def silent_frames(samples: np.ndarray, cfg: AudioFeatureConfig) -> torch.Tensor:
    """(T,) bool: frames whose window reaches digital silence.

    A frame is silent when it is more than ``SILENCE_DB`` below the loudest frame;
    its neighbours whose windows overlap it are marked too, since part of their
    window is silence as well.
    """
    db = frame_power_db(samples, cfg)
    silent = db < db.max() - SILENCE_DB  # (T,)
    if silent.any():
        reach = -(-cfg.n_fft // (2 * cfg.hop_length))  # frames a window extends each side
        silent = np.convolve(silent, np.ones(2 * reach + 1), mode="same") > 0
    return torch.from_numpy(silent)


def normalize_utterance(feats: torch.Tensor, silent: torch.Tensor | None = None) -> torch.Tensor:
    """Per-utterance mean and variance normalisation of each feature dim of (T, F).

    ``silent`` (T,) marks digital-silence frames: they are left out of the statistics
    and take the values of the quietest other frame, so zeros padded around a
    recording do not change how its speech is normalised.
    """
    if silent is not None and bool(silent.any()) and not bool(silent.all()):
        voiced = torch.nonzero(~silent).squeeze(1)  # (T_v,) indices of non-silent frames
        quietest = voiced[feats[voiced].sum(dim=1).argmin()]
        feats = torch.where(silent[:, None], feats[quietest], feats)  # (T, F)
        stats = feats[voiced]  # (T_v, F)
    else:
        stats = feats
    mean = stats.mean(dim=0, keepdim=True)  # (1, F)
    std = stats.std(dim=0, unbiased=False, keepdim=True).clamp_min(NORM_EPS)  # (1, F)
    return (feats - mean) / std


def mask_spans(
    size: int, count: int, max_width: int, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """Draw ``count`` masks ``(start, width)`` on an axis of ``size``.

    Each width is uniform in ``[0, min(max_width, size)]``, each start uniform
    in ``[0, size - width]``; masks may overlap.
    """
    spans = []
    for _ in range(count):
        width = int(rng.integers(0, min(max_width, size) + 1))
        start = int(rng.integers(0, size - width + 1))
        spans.append((start, width))
    return spans


def spec_augment(
    feats: torch.Tensor, cfg: SpecAugmentConfig, rng: np.random.Generator
) -> torch.Tensor:
    """Frequency then time masking of (T, F) features; returns a new tensor.

    Frequency masks are drawn first (``mask_spans(F, ...)``), then time masks
    (``mask_spans(T, ...)`` with max width ``int(time_width * T)``), all from ``rng``.
    """
    out = feats.clone()
    frames, dims = out.shape
    for start, width in mask_spans(dims, cfg.freq_masks, cfg.freq_width, rng):
        out[:, start : start + width] = 0.0
    for start, width in mask_spans(frames, cfg.time_masks, int(cfg.time_width * frames), rng):
        out[start : start + width, :] = 0.0
    return out


def featurize(
    samples: np.ndarray, cfg: AudioFeatureConfig, train: bool, rng: np.random.Generator
) -> torch.Tensor:
    """Waveform -> normalised (T, F) float32 features, augmented when ``train``.

    Args:
        samples: (N,) mono waveform at ``cfg.sample_rate``.
        cfg: feature settings.
        train: apply speed perturbation and (if enabled) SpecAugment.
        rng: source of all augmentation randomness.

    Returns:
        (T, F) float32 tensor, ``F = feature_dim(cfg)``.
    """
    check_config(cfg)
    if train and cfg.speed_perturb:
        factor = float(cfg.speed_perturb[int(rng.integers(len(cfg.speed_perturb)))])
        if factor != 1.0:
            samples = speed_perturb(samples, cfg.sample_rate, factor)
    feats = log_mel(samples, cfg) if cfg.kind == "log_mel" else mfcc(samples, cfg)
    if cfg.normalize == "utterance":
        feats = normalize_utterance(feats)
    elif cfg.normalize == "nonsilent":
        feats = normalize_utterance(feats, silent_frames(samples, cfg))
    if train and cfg.spec_augment.enabled:
        feats = spec_augment(feats, cfg.spec_augment, rng)
    return feats
