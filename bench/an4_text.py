"""AN4 transcript lines (``<s> TEXT </s> (utt-id)``) as plain lowercase sentences."""

from __future__ import annotations

import re
from pathlib import Path


def an4_sentences(path: Path) -> list[str]:
    """Transcripts of an AN4 ``*.transcription`` file, markers and ids removed, lowercased."""
    out = []
    for line in path.read_text().splitlines():
        text = re.sub(r"</?s>|\([^)]*\)\s*$", " ", line).lower()
        text = " ".join(text.split())
        if text:
            out.append(text)
    return out
