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


def reverse_index(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """(B, T) time indices that reverse each sequence within its length, padding left in place."""
    t = torch.arange(max_len, device=lengths.device)[None, :]  # (1, T)
    last = lengths[:, None] - 1  # (B, 1)
    return torch.where(t <= last, last - t, t)


def _gather_time(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """x (B, T, C) reordered along time by index (B, T)."""
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


class StackedRNN(nn.Module):
    """Stacked (bi)RNN over padded batches, exact without packing.

    A bidirectional layer is two unidirectional RNNs; the backward one reads each
    sequence reversed within its own length, so padding never reaches valid
    frames. (Packed sequences give the same result, but their CPU backward pass
    is quadratic in T; cuDNN runs each unpacked direction fused on the GPU.)
    """

    def __init__(self, input_size: int, cfg: ModelConfig) -> None:
        super().__init__()
        cell = _CELLS[cfg.cell]
        directions = 2 if cfg.bidirectional else 1
        self.layers = nn.ModuleList()
        for i in range(cfg.layers):
            size = input_size if i == 0 else directions * cfg.hidden
            self.layers.append(
                nn.ModuleList(cell(size, cfg.hidden, batch_first=True) for _ in range(directions))
            )
        self.dropout = nn.Dropout(cfg.dropout)
        self.out_dim = directions * cfg.hidden

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """x (B, T, F), lengths (B,) -> (B, T, directions * H); padded frames are garbage."""
        backward = reverse_index(lengths.to(x.device), x.shape[1])
        for i, directions in enumerate(self.layers):
            if i > 0:
                x = self.dropout(x)
            outputs = [directions[0](x)[0]]
            if len(directions) == 2:
                reversed_out = directions[1](_gather_time(x, backward))[0]
                outputs.append(_gather_time(reversed_out, backward))
            x = torch.cat(outputs, dim=-1)  # (B, T, H) x directions -> (B, T, directions*H)
        return x


class Encoder(nn.Module):
    """Stacked (bi)RNN CTC encoder; ``forward`` returns ``(log_probs (B, T', V), lengths (B,))``."""

    def __init__(self, feature_dim: int, vocab_size: int, cfg: ModelConfig) -> None:
        super().__init__()
        if cfg.cell not in _CELLS:
            raise ValueError(f"model.cell must be one of {sorted(_CELLS)}, not {cfg.cell!r}")
        self.cfg = cfg
        self.frontend = ConvFrontEnd(feature_dim, cfg) if cfg.conv_channels > 0 else None
        rnn_in = self.frontend.out_dim if self.frontend else feature_dim
        self.rnn = StackedRNN(rnn_in, cfg)
        self.dropout = nn.Dropout(cfg.dropout)
        self.output = nn.Linear(self.rnn.out_dim, vocab_size)

    @property
    def subsampling(self) -> int:
        return subsampling(self.cfg)

    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> tuple:
        """Args: features (B, T, F), lengths (B,). Returns log_probs (B, T', V), lengths (B,)."""
        x = features
        if self.frontend is not None:
            x, lengths = self.frontend(x, lengths, self.cfg)
        lengths = lengths.clamp(min=1)
        out = self.rnn(x, lengths)
        logits = self.output(self.dropout(out))  # (B, T', directions*H) -> (B, T', V)
        return logits.float().log_softmax(dim=-1), lengths


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
