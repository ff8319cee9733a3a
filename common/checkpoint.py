"""Self-contained checkpoints: written atomically, read with ``weights_only=True``.

A checkpoint is a plain dict of tensors and primitives: model weights plus the
alphabet, text normaliser, model and feature configs, so inference needs
nothing else. ``last.pt`` adds the training state needed for exact resume.
"""

from __future__ import annotations

import os
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from common.alphabet import Alphabet, TextNormalizerConfig
from common.config import ModelConfig
from common.encoder import Encoder
from common.fileio import atomic_target
from common.modality import Modality
from common.structured import from_dict

FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file is missing, unreadable or not one of ours."""


def save_atomic(obj: dict[str, Any], path: str | Path) -> None:
    """``torch.save`` to a temp file in the same folder, fsync, then rename over ``path``.

    A failed write (disk full, kill) leaves the previous ``path`` intact.

    Raises:
        CheckpointError: ``obj["state_dict"]`` holds NaN or infinite weights (nothing written).
    """
    bad = non_finite_tensors(obj.get("state_dict", {}))
    if bad:
        raise CheckpointError(
            f"refusing to save {path}: non-finite weights in {', '.join(bad[:3])}"
        )
    with atomic_target(path) as (fd, _), os.fdopen(fd, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())


def non_finite_tensors(state: dict[str, Any]) -> list[str]:
    """Names of the floating-point tensors of ``state`` holding NaN or infinity."""
    return [
        name
        for name, value in state.items()
        if torch.is_tensor(value) and value.is_floating_point() and not value.isfinite().all()
    ]


def model_payload(
    modality: str,
    model: torch.nn.Module,
    alphabet: Alphabet,
    model_cfg: ModelConfig,
    feature_cfg: dict[str, Any],
    text_cfg: TextNormalizerConfig,
    half: bool = False,
) -> dict[str, Any]:
    """Everything inference needs, as plain data."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    return {
        "format": FORMAT_VERSION,
        "modality": modality,
        "alphabet": alphabet.chars,
        "text": asdict(text_cfg),
        "model": asdict(model_cfg),
        "features": feature_cfg,
        "state_dict": state,
    }


def rng_state() -> dict[str, Any]:
    """Python, NumPy and torch RNG states in a ``weights_only``-loadable form."""
    np_state = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": (np_state[0], torch.from_numpy(np_state[1].copy()), *np_state[2:]),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Inverse of ``rng_state``."""
    random.setstate(state["python"])
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, keys.numpy(), *rest))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def load_checkpoint(path: str | Path, map_location: str = "cpu") -> dict[str, Any]:
    """Read a checkpoint safely; raises ``CheckpointError`` with a one-line reason."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt files
        raise CheckpointError(f"cannot read checkpoint {path}: {type(exc).__name__}") from exc
    version = payload.get("format") if isinstance(payload, dict) else None
    if type(version) is not int or version != FORMAT_VERSION:  # a tensor or str is not a version
        raise CheckpointError(f"{path} is not a checkpoint of this toolkit")
    return payload


MODEL_LIMITS = {  # ModelConfig field -> (type, lowest, highest) accepted from a checkpoint
    "conv_channels": (int, 0, 4096),
    "conv_layers": (int, 1, 8),
    "conv_kernel": (int, 1, 64),
    "conv_stride": (int, 1, 8),
    "hidden": (int, 1, 8192),
    "layers": (int, 1, 32),
    "dropout": (float, 0.0, 1.0),
}
MAX_ALPHABET = 10_000  # output symbols
MAX_FEATURE_DIM = 4096
_INFERENCE_KEYS = {"modality": str, "alphabet": str, "text": dict, "model": dict}
_INFERENCE_KEYS |= {"features": dict, "state_dict": dict}


@dataclass
class LoadedModel:
    """A model ready for inference with the configs it was trained with."""

    model: Encoder
    alphabet: Alphabet
    model_cfg: ModelConfig
    text_cfg: TextNormalizerConfig
    features: dict[str, Any]
    modality: str
    device: torch.device


def _check_model_config(data: dict, where: str) -> ModelConfig:
    """``ModelConfig`` of a checkpoint, each field of the right type and within ``MODEL_LIMITS``."""
    try:
        cfg = ModelConfig(**data)
    except TypeError as exc:
        raise CheckpointError(f"{where}: bad model config ({exc})") from exc
    for name, (kind, low, high) in MODEL_LIMITS.items():
        value = getattr(cfg, name)
        ok = isinstance(value, kind | int) and not isinstance(value, bool)
        if not (ok and low <= value <= high):  # NaN fails too
            raise CheckpointError(f"{where}: model.{name}={value!r} outside {low}..{high}")
    if cfg.cell not in ("lstm", "gru", "rnn") or not isinstance(cfg.bidirectional, bool):
        raise CheckpointError(f"{where}: bad model.cell {cfg.cell!r} or model.bidirectional")
    return cfg


def _check_configs(payload: dict, where: str) -> tuple[ModelConfig, Alphabet, TextNormalizerConfig]:
    """Model config, alphabet and text config of a checkpoint, each checked."""
    for key, kind in _INFERENCE_KEYS.items():
        if not isinstance(payload.get(key), kind):
            raise CheckpointError(f"{where}: missing or bad {key!r} (expected a {kind.__name__})")
    model_cfg = _check_model_config(payload["model"], where)
    if len(payload["alphabet"]) > MAX_ALPHABET:
        raise CheckpointError(f"{where}: alphabet of {len(payload['alphabet'])} symbols")
    try:
        alphabet = Alphabet.from_chars(payload["alphabet"])
        text_cfg = from_dict(TextNormalizerConfig, payload["text"])  # typed fields
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{where}: bad alphabet or text config ({exc})") from exc
    return model_cfg, alphabet, text_cfg


def _check_state(state: dict, cfg: ModelConfig, vocab: int, where: str) -> int:
    """Check weights against the encoder ``cfg`` describes (built on the meta device,
    allocating nothing): same names, shapes and kinds, all finite. Returns the feature dim."""
    first = "frontend.net.0.weight" if cfg.conv_channels > 0 else "rnn.layers.0.0.weight_ih_l0"
    weight = state.get(first)
    if not torch.is_tensor(weight) or weight.dim() < 2:
        raise CheckpointError(f"{where}: state_dict lacks {first!r} for its model config")
    feature_dim = int(weight.shape[1])
    if not 1 <= feature_dim <= MAX_FEATURE_DIM:
        raise CheckpointError(
            f"{where}: feature dimension {feature_dim} outside 1..{MAX_FEATURE_DIM}"
        )
    with torch.device("meta"):
        expected = Encoder(feature_dim, vocab, cfg).state_dict()
    if set(state) != set(expected):
        odd = sorted(set(state) ^ set(expected))
        raise CheckpointError(f"{where}: state_dict does not match its model config ({odd[0]!r})")
    for name, ref in expected.items():
        value = state[name]
        if not torch.is_tensor(value) or value.shape != ref.shape:
            raise CheckpointError(f"{where}: weight {name!r} is not a {tuple(ref.shape)} tensor")
        if value.is_floating_point() != ref.is_floating_point():
            raise CheckpointError(f"{where}: weight {name!r} has dtype {value.dtype}")
        if value.is_floating_point() and not bool(value.isfinite().all()):
            raise CheckpointError(f"{where}: weight {name!r} holds NaN or infinite values")
    return feature_dim


def load_model(path: str | Path, device: str = "cpu", modality: str | None = None) -> LoadedModel:
    """Rebuild the encoder of a checkpoint in eval mode on ``device`` (fp32).

    The checkpoint is validated before anything is built from it: keys and
    types, model config within ``MODEL_LIMITS``, alphabet and text config,
    weights matching the config in names and shapes, and finite.

    Raises:
        CheckpointError: unreadable, not ours, another modality, or failing validation.
    """
    payload = load_checkpoint(path)
    where = str(path)
    model_cfg, alphabet, text_cfg = _check_configs(payload, where)
    if modality is not None and payload["modality"] != modality:
        raise CheckpointError(f"{path} is a {payload['modality']} model, not {modality}")
    feature_dim = _check_state(payload["state_dict"], model_cfg, len(alphabet), where)
    model = Encoder(feature_dim, len(alphabet), model_cfg)
    model.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in payload["state_dict"].items()}
    )
    model.to(device).eval()
    return LoadedModel(
        model=model,
        alphabet=alphabet,
        model_cfg=model_cfg,
        text_cfg=text_cfg,
        features=payload["features"],
        modality=payload["modality"],
        device=torch.device(device),
    )


def feature_config_of(loaded: LoadedModel, modality: Modality) -> Any:
    """The checkpoint's feature config rebuilt by ``modality``, checked against the weights.

    Raises:
        CheckpointError: a feature config the modality refuses (unknown keys, wrong
            types or values), or one whose frame size differs from the model's input.
    """
    try:
        cfg = modality.feature_config(loaded.features)
        dim = modality.feature_dim(cfg)
    except Exception as exc:  # OmegaConf and dataclass errors come in many types
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise CheckpointError(f"bad feature config in the checkpoint: {reason}") from exc
    first = loaded.model.frontend.net[0] if loaded.model.frontend else loaded.model.rnn.layers[0][0]
    expected = first.in_channels if loaded.model.frontend else first.input_size
    if type(dim) is not int or dim != expected:
        raise CheckpointError(f"feature config gives {dim}-dim frames, the model takes {expected}")
    return cfg


def export_inference(src: str | Path, dst: str | Path, half: bool = True) -> Path:
    """Copy the inference part of a checkpoint (no optimiser or RNG state), fp16 by default."""
    payload = load_checkpoint(src)
    out = {k: payload[k] for k in ("format", "modality", "alphabet", "text", "model", "features")}
    out["state_dict"] = {
        k: v.half() if half and v.is_floating_point() else v
        for k, v in payload["state_dict"].items()
    }
    save_atomic(out, dst)
    return Path(dst)
