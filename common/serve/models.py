"""The recognizers a server hosts, loaded once through the one-call API.

``load_models`` resolves the configured names or checkpoints with ``asr.load`` and
``handwriting.load`` (imported here, lazily: the CLI's ``--help`` stays fast) and, for
the handwriting page's LM toggle, finds or builds the character language model.
``describe`` is what ``GET /v1/models`` shows: model info, vocabularies, feature
configs and the limits a client must respect.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.serve.config import ServeConfig

if TYPE_CHECKING:
    from asr.api import SpeechRecognizer
    from handwriting.api import InkRecognizer

BUILTIN_LM = "builtin"
BUILTIN_LM_ORDER = 6


@dataclass
class Models:
    """Loaded recognizers (None: task not served) and the optional LMs their pages offer."""

    asr: SpeechRecognizer | None = None
    ink: InkRecognizer | None = None
    ink_lm: Path | None = None
    asr_lm: Path | None = None
    _keep: list = field(default_factory=list, repr=False)  # temp dirs living as long as this


def builtin_char_lm(models: Models) -> Path:
    """A character 6-gram of the shipped English sentences, written as the ink model's
    alphabet writes them (case and punctuation kept), in a temp dir owned by ``models``."""
    from common.lm.arpa_writer import write_arpa
    from common.lm.text import alphabet_normalizer
    from handwriting.synth import load_sentences

    normalize = alphabet_normalizer(models.ink.alphabet, models.ink.loaded.text_cfg)
    tmp = tempfile.TemporaryDirectory(prefix="inkspeech-lm-")
    models._keep.append(tmp)  # removed with ``models`` (or at exit)
    path = Path(tmp.name) / "char.arpa"
    return write_arpa(load_sentences(None), path, BUILTIN_LM_ORDER, "char", normalize)


def _lm_path(value: str, what: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise ValueError(f"{what} not found: {value}")
    return path


def load_models(cfg: ServeConfig) -> Models:
    """Load what ``cfg`` names.

    Raises:
        ValueError: a model or LM that cannot be found or loaded (one-line message).
    """
    models = Models()
    if cfg.asr_model is not None:
        import asr

        models.asr = asr.load(cfg.asr_model, device=cfg.device)
        models.asr_lm = _lm_path(cfg.asr_lm, "--asr-lm") if cfg.asr_lm else None
    if cfg.ink_model is not None:
        import handwriting

        models.ink = handwriting.load(cfg.ink_model, device=cfg.device)
        if cfg.ink_lm == BUILTIN_LM:
            models.ink_lm = builtin_char_lm(models)
        elif cfg.ink_lm:
            models.ink_lm = _lm_path(cfg.ink_lm, "--ink-lm")
    return models


def _lm_info(path: Path | None, builtin: bool) -> dict | None:
    if path is None:
        return None
    what = f"character {BUILTIN_LM_ORDER}-gram of the shipped English sentences"
    return {"available": True, "description": what if builtin else path.name}


def model_info(rec: Any) -> dict:
    """``rec.info()`` with the shipped model's domain and accuracy, and no server path."""
    from common.resources import list_models

    info = dict(rec.info())
    shipped = {m.path.resolve(): m for m in list_models()}.get(Path(info["path"]).resolve())
    info.setdefault("domain", shipped.domain if shipped else "a custom checkpoint")
    info.setdefault("accuracy", shipped.accuracy if shipped else "")
    info["path"] = Path(info["path"]).name  # clients need not know the server's folders
    return info


def describe(models: Models, cfg: ServeConfig) -> dict:
    """``GET /v1/models``: per task its info (or null) and the request limits."""
    asr_info = model_info(models.asr) if models.asr is not None else None
    ink_info = model_info(models.ink) if models.ink is not None else None
    if asr_info is not None:
        asr_info["lm"] = _lm_info(models.asr_lm, builtin=False)
    if ink_info is not None:
        ink_info["lm"] = _lm_info(models.ink_lm, builtin=cfg.ink_lm == BUILTIN_LM)
    return {
        "asr": asr_info,
        "handwriting": ink_info,
        "limits": {
            "max_upload_bytes": cfg.max_upload_bytes,
            "max_ink_bytes": cfg.max_ink_bytes,
            "max_audio_seconds": cfg.max_audio_seconds,
            "max_ink_points": cfg.max_ink_points,
            "max_nbest": cfg.max_nbest,
            "max_beam_size": cfg.max_beam_size,
            "queue_size": cfg.queue_size,
        },
    }
