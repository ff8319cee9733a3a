"""What the speech and ink Python APIs share: loading a model by name, decoder settings.

``asr.load()`` and ``handwriting.load()`` return a recognizer built on this one:
it holds the loaded checkpoint (model -> decoder part of the flow) and turns
``decoder=`` / ``nbest=`` arguments into a decoder the same way the command
lines turn their flags into one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from common.checkpoint import LoadedModel, load_model
from common.config import DecoderConfig, task_decoder_config
from common.decoding.factory import make_decoder
from common.inference import InferenceOptions, resolve_device
from common.resources import default_model_name, resolve_model


@dataclass(frozen=True)
class Alternative:
    """One of the n best hypotheses: text and log scores (total, acoustic, weighted LM)."""

    text: str
    score: float
    acoustic_score: float = 0.0
    lm_score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_checkpoint_for(task: str, model: str | Path | None, device: str) -> tuple[Path, Any]:
    """(checkpoint path, ``LoadedModel``) of a shipped model name or a path, on ``device``.

    Raises:
        ModelNotFoundError, CheckpointError, DeviceError: one-line ``ValueError``s.
    """
    path = resolve_model(model if model is not None else default_model_name(task), task)
    return path, load_model(path, resolve_device(device), modality=task)


class Recognizer:
    """A loaded model of one task plus its decoder defaults."""

    task = ""

    def __init__(self, loaded: LoadedModel, path: Path, name: str) -> None:
        self.loaded = loaded
        self.path = Path(path)
        self.name = name

    @property
    def alphabet(self) -> str:
        """The characters the model writes (without the CTC blank)."""
        return self.loaded.alphabet.chars

    @property
    def device(self) -> str:
        return str(self.loaded.device)

    def info(self) -> dict[str, Any]:
        """Model name, file, task, alphabet, feature and model configs (JSON-serialisable)."""
        return {
            "name": self.name,
            "path": str(self.path),
            "task": self.task,
            "device": self.device,
            "alphabet": self.alphabet,
            "features": self.loaded.features,
            "model": asdict(self.loaded.model_cfg),
            "text": asdict(self.loaded.text_cfg),
        }

    def decoder_config(self, decoder: DecoderConfig | None, nbest: int | None) -> DecoderConfig:
        """``decoder`` (None: the task's default) with ``nbest`` applied.

        Like ``--nbest K`` on the command line, ``nbest > 1`` without an explicit
        decoder selects beam search with the task's beam settings.
        """
        cfg = decoder if decoder is not None else task_decoder_config(self.task)
        if nbest is not None:
            if nbest < 1:
                raise ValueError(f"nbest must be at least 1, not {nbest}")
            kind = "beam" if decoder is None and nbest > 1 else cfg.kind
            cfg = replace(cfg, kind=kind, nbest=nbest)
        return cfg

    def prepare_decoding(
        self,
        decoder: DecoderConfig | None,
        nbest: int | None,
        batch_size: int = 16,
        progress: bool = False,
    ) -> tuple[Any, InferenceOptions]:
        """The decoder and inference options for one call."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        cfg = self.decoder_config(decoder, nbest)
        options = InferenceOptions(batch_size=batch_size, nbest=cfg.nbest, progress=progress)
        return make_decoder(cfg, self.loaded.alphabet), options

    def __repr__(self) -> str:
        kind = type(self).__name__
        return f"{kind}(name={self.name!r}, path={str(self.path)!r}, device={self.device!r})"
