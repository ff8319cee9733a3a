"""Self-contained checkpoints: written atomically, read with ``weights_only=True``.

A checkpoint is a plain dict of tensors and primitives: model weights plus the
alphabet, text normaliser, model and feature configs, so inference needs
nothing else. ``last.pt`` adds the training state needed for exact resume.
"""

from __future__ import annotations

import os
import random
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from common.alphabet import Alphabet, TextNormalizerConfig
from common.config import ModelConfig
from common.encoder import Encoder
from common.fileio import publish

FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file is missing, unreadable or not one of ours."""


def save_atomic(obj: dict[str, Any], path: str | Path) -> None:
    """``torch.save`` to a temp file in the same folder, then rename over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
        raise CheckpointError(f"{path} is not a checkpoint of this toolkit")
    return payload


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


def load_model(path: str | Path, device: str = "cpu", modality: str | None = None) -> LoadedModel:
    """Rebuild the encoder of a checkpoint in eval mode on ``device`` (fp32)."""
    payload = load_checkpoint(path)
    if modality is not None and payload["modality"] != modality:
        raise CheckpointError(f"{path} is a {payload['modality']} model, not {modality}")
    model_cfg = ModelConfig(**payload["model"])
    alphabet = Alphabet.from_chars(payload["alphabet"])
    feature_dim = _input_dim(payload["state_dict"], model_cfg)
    model = Encoder(feature_dim, len(alphabet), model_cfg)
    model.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in payload["state_dict"].items()}
    )
    model.to(device).eval()
    return LoadedModel(
        model=model,
        alphabet=alphabet,
        model_cfg=model_cfg,
        text_cfg=TextNormalizerConfig(**payload["text"]),
        features=payload["features"],
        modality=payload["modality"],
        device=torch.device(device),
    )


def _input_dim(state: dict[str, torch.Tensor], cfg: ModelConfig) -> int:
    """Feature dimension the weights expect."""
    if cfg.conv_channels > 0:
        return int(state["frontend.net.0.weight"].shape[1])
    return int(state["rnn.layers.0.0.weight_ih_l0"].shape[1])


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
