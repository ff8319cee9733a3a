"""The acoustic/ink model: conv front end -> stacked (bi)RNN -> linear -> log-probs.

Sits between the featurizer and the decoder. Legend: B batch, T input frames,
T' encoder frames (after subsampling), F feature dim, H hidden, V vocabulary.
"""

from __future__ import annotations

import torch
from torch import nn

from common.config import ModelConfig

_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


def conv_output_length(
    lengths: torch.Tensor, kernel: int, stride: int, padding: int
) -> torch.Tensor:
    """Frames after one 1-D convolution (dilation 1): floor((L + 2p - k) / s) + 1."""
    return torch.div(lengths + 2 * padding - kernel, stride, rounding_mode="floor") + 1


def output_lengths(lengths: torch.Tensor, cfg: ModelConfig) -> torch.Tensor:
    """Encoder output frames for input ``lengths`` (B,): the one place this is computed."""
    out = lengths
    if cfg.conv_channels > 0:
        for _ in range(cfg.conv_layers):
            out = conv_output_length(out, cfg.conv_kernel, cfg.conv_stride, cfg.conv_kernel // 2)
    return out


def subsampling(cfg: ModelConfig) -> int:
    """Input frames per encoder frame."""
    return cfg.conv_stride**cfg.conv_layers if cfg.conv_channels > 0 else 1


class ConvFrontEnd(nn.Module):
    """1-D convolutions over time, each subsampling by ``conv_stride``, with BN and GELU."""

    def __init__(self, feature_dim: int, cfg: ModelConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = feature_dim
        for _ in range(cfg.conv_layers):
            layers += [
                nn.Conv1d(
                    channels,
                    cfg.conv_channels,
                    cfg.conv_kernel,
                    stride=cfg.conv_stride,
                    padding=cfg.conv_kernel // 2,
                ),
                nn.BatchNorm1d(cfg.conv_channels),
                nn.GELU(),
            ]
            channels = cfg.conv_channels
        self.net = nn.Sequential(*layers)
        self.out_dim = channels

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, cfg: ModelConfig) -> tuple:
        mask = _time_mask(lengths, x.shape[1]).unsqueeze(-1)  # (B, T, 1)
        x = (x * mask).transpose(1, 2)  # (B, T, F) -> (B, F, T)
        x = self.net(x).transpose(1, 2)  # (B, C, T') -> (B, T', C)
        return x, output_lengths(lengths, cfg)


def _time_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """(B, T) boolean mask, True on valid frames."""
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]


class Encoder(nn.Module):
    """Stacked (bi)RNN CTC encoder; ``forward`` returns ``(log_probs (B, T', V), lengths (B,))``."""

    def __init__(self, feature_dim: int, vocab_size: int, cfg: ModelConfig) -> None:
        super().__init__()
        if cfg.cell not in _CELLS:
            raise ValueError(f"model.cell must be one of {sorted(_CELLS)}, not {cfg.cell!r}")
        self.cfg = cfg
        self.frontend = ConvFrontEnd(feature_dim, cfg) if cfg.conv_channels > 0 else None
        rnn_in = self.frontend.out_dim if self.frontend else feature_dim
        self.rnn = _CELLS[cfg.cell](
            rnn_in,
            cfg.hidden,
            num_layers=cfg.layers,
            batch_first=True,
            bidirectional=cfg.bidirectional,
            dropout=cfg.dropout if cfg.layers > 1 else 0.0,
        )
        directions = 2 if cfg.bidirectional else 1
        self.dropout = nn.Dropout(cfg.dropout)
        self.output = nn.Linear(directions * cfg.hidden, vocab_size)

    @property
    def subsampling(self) -> int:
        return subsampling(self.cfg)

    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> tuple:
        """Args: features (B, T, F), lengths (B,). Returns log_probs (B, T', V), lengths (B,)."""
        x = features
        if self.frontend is not None:
            x, lengths = self.frontend(x, lengths, self.cfg)
        lengths = lengths.clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        out, _ = self.rnn(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        logits = self.output(self.dropout(out))  # (B, T', directions*H) -> (B, T', V)
        return logits.float().log_softmax(dim=-1), lengths


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
