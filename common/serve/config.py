"""Settings of the web server: which models, where to bind, and the request limits.

The limits keep memory flat whatever clients send: request bodies are capped before
they are read (``max_upload_bytes``), audio is capped by duration and ink by points
before any decoding, and at most ``queue_size`` recognitions are admitted at once
(running or waiting); the rest are refused with 503 instead of piling up.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class ServeConfig:
    """Everything ``inkspeech serve`` can set; the defaults are the shipped models on loopback.

    ``asr_model`` / ``ink_model``: a shipped model's name, a checkpoint path, or None to
    serve without that task. ``ink_lm``: a character ARPA LM for the handwriting LM
    toggle, ``"builtin"`` (a 6-gram built at start-up from the shipped English sentences)
    or None (toggle off). ``asr_lm``: an optional word ARPA/KenLM model for speech.
    """

    asr_model: str | None = "an4"
    ink_model: str | None = "ink-synthetic"
    ink_lm: str | None = "builtin"
    asr_lm: str | None = None
    device: str = "auto"
    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_bytes: int = 100 * MB
    max_ink_bytes: int = 16 * MB
    max_audio_seconds: float = 600.0
    max_ink_points: int = 50_000
    max_nbest: int = 10
    max_beam_size: int = 256
    workers: int = 1
    queue_size: int = 32

    def check(self) -> None:
        """Raise ``ValueError`` (one line) for settings the server cannot honour."""
        positive = {
            "max_upload_bytes": self.max_upload_bytes,
            "max_ink_bytes": self.max_ink_bytes,
            "max_audio_seconds": self.max_audio_seconds,
            "max_ink_points": self.max_ink_points,
            "workers": self.workers,
            "queue_size": self.queue_size,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{name.replace('_', '-')} must be positive, got {value}")
        if self.queue_size < self.workers:
            raise ValueError(f"queue-size ({self.queue_size}) must be >= workers ({self.workers})")
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be in 1..65535, got {self.port}")
