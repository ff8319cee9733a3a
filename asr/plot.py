"""A picture of one transcription: log-mel spectrogram, CTC posteriors, word boundaries."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from asr.features import AudioFeatureConfig, log_mel
from asr.word_times import Word
from common.alphabet import Alphabet
from common.fileio import save_figure_atomic


def plot_transcription(
    path: str | Path,
    samples: np.ndarray,
    cfg: AudioFeatureConfig,
    log_probs: np.ndarray,
    alphabet: Alphabet,
    words: list[Word],
    seconds_per_frame: float,
    title: str = "",
) -> None:
    """Write a PNG with three aligned panels over ``samples`` (callers pass at most ~60 s)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    duration = len(samples) / cfg.sample_rate
    spec = log_mel(samples, cfg).numpy().T  # (T, n_mels) -> (n_mels, T)
    frames = min(len(log_probs), int(np.ceil(duration / seconds_per_frame)))
    probs = np.exp(log_probs[:frames]).T  # (T', V) -> (V, T')
    fig, axes = plt.subplots(
        3, 1, figsize=(12, 7), sharex=True, gridspec_kw={"height_ratios": [3, 3, 1]}
    )
    axes[0].imshow(
        spec, origin="lower", aspect="auto", extent=(0, duration, 0, spec.shape[0]), cmap="magma"
    )
    axes[0].set_ylabel("mel bin")
    axes[0].set_title(title or str(path))
    axes[1].imshow(
        probs,
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        extent=(0, frames * seconds_per_frame, -0.5, len(alphabet) - 0.5),
        cmap="Greys",
    )
    labels = ["∅" if i == 0 else ("␣" if t == " " else t) for i, t in enumerate(alphabet.tokens)]
    axes[1].set_yticks(range(len(alphabet)), labels, fontsize=6)
    axes[1].set_ylabel("CTC posterior")
    for w in words:
        if w.start > duration:
            break
        for ax in axes[:2]:
            ax.axvline(w.start, color="tab:cyan", lw=0.8)
            ax.axvline(w.end, color="tab:orange", lw=0.8, ls="--")
        axes[2].text((w.start + w.end) / 2, 0.5, w.word, ha="center", va="center", fontsize=8)
        axes[2].axvspan(w.start, w.end, color="tab:cyan", alpha=0.15)
    axes[2].set_yticks([])
    axes[2].set_xlabel("seconds")
    axes[2].set_xlim(0, duration)
    fig.tight_layout()
    try:
        save_figure_atomic(fig, path, dpi=110)
    finally:
        plt.close(fig)
