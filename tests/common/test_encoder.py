import pytest
import torch

from common.config import ModelConfig
from common.encoder import Encoder, conv_output_length, output_lengths, subsampling


@pytest.mark.parametrize("layers,stride,kernel", [(1, 2, 5), (2, 2, 5), (2, 3, 3), (1, 1, 3)])
def test_output_lengths_match_actual_frames(layers, stride, kernel):
    cfg = ModelConfig(
        conv_channels=8,
        conv_layers=layers,
        conv_stride=stride,
        conv_kernel=kernel,
        hidden=8,
        layers=1,
    )
    model = Encoder(feature_dim=5, vocab_size=7, cfg=cfg).eval()
    lengths = torch.tensor([37, 20, 9, 1])
    x = torch.randn(4, 37, 5)
    with torch.no_grad():
        log_probs, out_lengths = model(x, lengths)
    assert torch.equal(out_lengths, output_lengths(lengths, cfg))
    # The padded output length is the conv arithmetic of the longest input.
    assert log_probs.shape == (4, int(output_lengths(torch.tensor([37]), cfg)[0]), 7)
    assert subsampling(cfg) == stride**layers


def test_conv_length_formula():
    # floor((L + 2p - k) / s) + 1 for L = 100, k = 5, p = 2, s = 2 -> 50
    assert conv_output_length(torch.tensor([100, 101, 1]), 5, 2, 2).tolist() == [50, 51, 1]


def test_no_frontend_keeps_lengths_and_log_probs_normalised():
    cfg = ModelConfig(conv_channels=0, hidden=6, layers=2, cell="gru", dropout=0.0)
    model = Encoder(3, 4, cfg).eval()
    lengths = torch.tensor([5, 3])
    log_probs, out = model(torch.randn(2, 5, 3), lengths)
    assert out.tolist() == [5, 3]
    assert torch.allclose(log_probs.exp().sum(-1), torch.ones(2, 5), atol=1e-5)


def test_padding_does_not_change_outputs():
    cfg = ModelConfig(conv_channels=4, hidden=6, layers=2, dropout=0.0)
    model = Encoder(3, 4, cfg).eval()
    x = torch.randn(1, 11, 3)
    padded = torch.cat([x, torch.randn(1, 6, 3)], dim=1)
    with torch.no_grad():
        a, la = model(x, torch.tensor([11]))
        b, lb = model(padded, torch.tensor([11]))
    assert la.tolist() == lb.tolist()
    assert torch.allclose(a[0, : la[0]], b[0, : lb[0]], atol=1e-5)


@pytest.mark.parametrize("cell,bidirectional", [("lstm", False), ("rnn", True)])
def test_cells_and_directions(cell, bidirectional):
    cfg = ModelConfig(conv_channels=0, cell=cell, bidirectional=bidirectional, hidden=5, layers=1)
    model = Encoder(2, 3, cfg)
    assert model.output.in_features == (2 if bidirectional else 1) * 5
    assert len(model.rnn.layers[0]) == (2 if bidirectional else 1)
    log_probs, _ = model(torch.randn(2, 4, 2), torch.tensor([4, 2]))
    assert log_probs.shape == (2, 4, 3)


def test_unknown_cell_is_rejected():
    with pytest.raises(ValueError, match="cell"):
        Encoder(2, 3, ModelConfig(cell="transformer"))


def test_unpacked_bidirectional_matches_packed_reference():
    """Our reverse-within-length trick equals a packed nn.LSTM with the same weights."""
    torch.manual_seed(0)
    cfg = ModelConfig(conv_channels=0, hidden=6, layers=2, dropout=0.0)
    model = Encoder(3, 4, cfg).eval()
    reference = torch.nn.LSTM(3, 6, num_layers=2, bidirectional=True, batch_first=True)
    with torch.no_grad():
        for layer, (fwd, bwd) in enumerate(model.rnn.layers):
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(reference, f"{name}_l{layer}").copy_(getattr(fwd, f"{name}_l0"))
                getattr(reference, f"{name}_l{layer}_reverse").copy_(getattr(bwd, f"{name}_l0"))
    x, lengths = torch.randn(3, 9, 3), torch.tensor([9, 4, 1])
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        x, lengths, batch_first=True, enforce_sorted=False
    )
    expected, _ = torch.nn.utils.rnn.pad_packed_sequence(reference(packed)[0], batch_first=True)
    with torch.no_grad():
        ours = model.rnn(x, lengths)
    for b, n in enumerate(lengths.tolist()):
        assert torch.allclose(ours[b, :n], expected[b, :n], atol=1e-5)
