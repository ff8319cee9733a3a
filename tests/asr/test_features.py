"""Feature extraction: librosa parity, exact shapes, normalisation, SpecAugment."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from asr.features import (
    AudioFeatureConfig,
    FeatureConfigError,
    SpecAugmentConfig,
    feature_dim,
    featurize,
    frame_power_db,
    frame_seconds,
    log_mel,
    mask_spans,
    mfcc,
    normalize_utterance,
    num_frames,
    spec_augment,
)

SR = 16000


def chirp(seconds: float = 0.77, sr: int = SR) -> np.ndarray:
    """Linear 50 Hz -> 7.9 kHz sweep plus faint seeded noise, so every mel band has energy."""
    t = np.arange(int(seconds * sr)) / sr
    sweep = np.sin(2 * np.pi * (50 * t + (7900 - 50) / (2 * seconds) * t**2))
    noise = np.random.default_rng(0).standard_normal(len(t))
    return (0.5 * sweep + 0.01 * noise).astype(np.float32)


FRAMINGS = [(400, 400, 160, 80), (512, 400, 160, 40), (256, 200, 100, 64)]


@pytest.mark.parametrize(("n_fft", "win", "hop", "n_mels"), FRAMINGS)
def test_log_mel_matches_librosa(n_fft: int, win: int, hop: int, n_mels: int) -> None:
    cfg = AudioFeatureConfig(n_fft=n_fft, win_length=win, hop_length=hop, n_mels=n_mels)
    y = chirp()
    ours = log_mel(y, cfg).numpy()
    power = librosa.feature.melspectrogram(
        y=y.astype(np.float64),
        sr=SR,
        n_fft=n_fft,
        win_length=win,
        hop_length=hop,
        n_mels=n_mels,
        power=2.0,
        center=True,
        pad_mode="constant",
        htk=False,
        norm="slaney",
    )  # (n_mels, T)
    ref = np.log(np.maximum(power, 1e-10)).T  # (n_mels, T) -> (T, n_mels)
    assert ours.shape == ref.shape == (num_frames(len(y), cfg), n_mels)
    np.testing.assert_allclose(ours, ref, atol=2e-3)


@pytest.mark.parametrize(("n_fft", "win", "hop", "n_mels"), FRAMINGS)
def test_mfcc_matches_librosa(n_fft: int, win: int, hop: int, n_mels: int) -> None:
    cfg = AudioFeatureConfig(
        kind="mfcc", n_fft=n_fft, win_length=win, hop_length=hop, n_mels=n_mels, n_mfcc=13
    )
    y = chirp()
    ours = mfcc(y, cfg).numpy()
    ref = librosa.feature.mfcc(
        y=y.astype(np.float64),
        sr=SR,
        n_mfcc=13,
        n_fft=n_fft,
        win_length=win,
        hop_length=hop,
        n_mels=n_mels,
        pad_mode="constant",
        dct_type=2,
        norm="ortho",
        lifter=0,
    ).T  # (n_mfcc, T) -> (T, n_mfcc)
    assert ours.shape == ref.shape == (num_frames(len(y), cfg), 13)
    np.testing.assert_allclose(ours, ref, atol=2e-2, rtol=1e-4)


@pytest.mark.parametrize("n", [1, 159, 160, 161, 16000, 16001])
@pytest.mark.parametrize("n_fft", [400, 401, 512])
def test_num_frames_is_exact(n: int, n_fft: int) -> None:
    cfg = AudioFeatureConfig(n_fft=n_fft, win_length=400, hop_length=160, n_mels=40)
    y = np.zeros(n, dtype=np.float32)
    assert log_mel(y, cfg).shape == (num_frames(n, cfg), 40)
    assert (
        num_frames(n, cfg)
        == librosa.util.frame(np.pad(y, n_fft // 2), frame_length=n_fft, hop_length=160).shape[1]
    )


def test_feature_dim_frame_seconds_and_featurize_shape() -> None:
    cfg = AudioFeatureConfig()
    assert feature_dim(cfg) == 80
    assert feature_dim(AudioFeatureConfig(kind="mfcc", n_mfcc=13)) == 13
    assert frame_seconds(cfg) == 0.01
    feats = featurize(chirp(1.0), cfg, train=False, rng=np.random.default_rng(0))
    assert feats.shape == (101, 80) and feats.dtype == torch.float32


def test_silence_is_floored_not_infinite() -> None:
    feats = log_mel(np.zeros(1600, dtype=np.float32), AudioFeatureConfig())
    torch.testing.assert_close(feats, torch.full((11, 80), float(np.log(1e-10))))


def test_normalize_utterance_gives_zero_mean_unit_variance() -> None:
    feats = torch.randn(50, 7) * torch.arange(1, 8) + 3.0
    out = normalize_utterance(feats)
    torch.testing.assert_close(out.mean(0), torch.zeros(7), atol=1e-5, rtol=0)
    torch.testing.assert_close(out.std(0, unbiased=False), torch.ones(7), atol=1e-4, rtol=0)
    assert torch.all(normalize_utterance(torch.full((4, 3), 2.0)) == 0)


def test_mask_spans_draws_exact_count_within_bounds() -> None:
    rng = np.random.default_rng(3)
    widths = []
    for _ in range(300):
        spans = mask_spans(20, 3, 5, rng)
        assert len(spans) == 3
        for start, width in spans:
            assert 0 <= width <= 5 and 0 <= start and start + width <= 20
            widths.append(width)
    assert set(widths) == set(range(6))
    assert all(w <= 4 for _, w in mask_spans(4, 50, 10, rng))


def test_spec_augment_masks_exactly_the_drawn_spans_and_copies() -> None:
    feats = torch.randn(100, 40) + 10.0  # no zeros before masking
    before = feats.clone()
    cfg = SpecAugmentConfig(freq_masks=2, freq_width=6, time_masks=3, time_width=0.1, enabled=True)
    out = spec_augment(feats, cfg, np.random.default_rng(7))
    torch.testing.assert_close(feats, before)
    replay = np.random.default_rng(7)
    expected = torch.zeros(100, 40, dtype=torch.bool)
    for start, width in mask_spans(40, 2, 6, replay):
        expected[:, start : start + width] = True
    for start, width in mask_spans(100, 3, 10, replay):
        expected[start : start + width, :] = True
    assert torch.equal(out == 0, expected)
    assert torch.equal(out[~expected], feats[~expected])


def test_spec_augment_with_no_masks_is_identity() -> None:
    feats = torch.randn(30, 8)
    cfg = SpecAugmentConfig(freq_masks=0, time_masks=0, enabled=True)
    assert torch.equal(spec_augment(feats, cfg, np.random.default_rng(0)), feats)


def test_featurize_augments_only_when_training() -> None:
    aug = SpecAugmentConfig(freq_masks=2, freq_width=10, time_masks=2, time_width=0.2, enabled=True)
    cfg = AudioFeatureConfig(n_mels=40, speed_perturb=[0.8], spec_augment=aug)
    y = chirp(1.0)
    plain = featurize(y, cfg, train=False, rng=np.random.default_rng(0))
    assert plain.shape == (101, 40)
    trained = featurize(y, cfg, train=True, rng=np.random.default_rng(0))
    assert trained.shape == (num_frames(20000, cfg), 40)  # 0.8x speed: 1.25x as long
    assert (trained == 0).any()


def test_featurize_speed_one_is_a_no_op() -> None:
    cfg = AudioFeatureConfig(speed_perturb=[1.0])
    y = chirp(0.5)
    a = featurize(y, cfg, train=True, rng=np.random.default_rng(0))
    b = featurize(y, cfg, train=False, rng=np.random.default_rng(0))
    assert torch.equal(a, b)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"kind": "fbank"}, "kind"),
        ({"normalize": "global"}, "normalize"),
        ({"win_length": 512}, "win_length"),
        ({"hop_length": 0}, "hop_length"),
        ({"kind": "mfcc", "n_mfcc": 81}, "n_mfcc"),
        ({"f_max": 9000.0}, "f_max"),
        ({"speed_perturb": [1.1, 0.0]}, "speed_perturb"),
        ({"spec_augment": SpecAugmentConfig(time_width=1.5)}, "time_width"),
    ],
)
def test_bad_config_raises_clear_error(changes: dict, match: str) -> None:
    cfg = AudioFeatureConfig(**changes)
    with pytest.raises(FeatureConfigError, match=match):
        featurize(chirp(0.1), cfg, train=False, rng=np.random.default_rng(0))


def test_empty_or_stereo_waveform_is_rejected() -> None:
    with pytest.raises(FeatureConfigError, match="1-D"):
        log_mel(np.zeros(0, dtype=np.float32), AudioFeatureConfig())
    with pytest.raises(FeatureConfigError, match="1-D"):
        mfcc(np.zeros((2, 100), dtype=np.float32), AudioFeatureConfig(kind="mfcc"))


def test_configs_are_omegaconf_structured() -> None:
    node = OmegaConf.structured(AudioFeatureConfig)
    node.speed_perturb = [0.9, 1.0, 1.1]
    node.spec_augment.enabled = True
    cfg = OmegaConf.to_object(node)
    assert isinstance(cfg, AudioFeatureConfig) and cfg.speed_perturb == [0.9, 1.0, 1.1]
    assert cfg.spec_augment.enabled
    with pytest.raises(Exception, match="n_melz"):
        node.n_melz = 3


def test_frame_power_db_is_the_mean_square_of_each_centred_frame() -> None:
    cfg = AudioFeatureConfig()
    samples = np.full(16000, 0.1, dtype=np.float32)
    db = frame_power_db(samples, cfg)
    assert db.shape == (num_frames(16000, cfg),)
    np.testing.assert_allclose(db[2:-2], 10 * np.log10(0.01), atol=1e-6)  # full frames
    np.testing.assert_allclose(db[0], 10 * np.log10(0.01 / 2), atol=1e-6)  # half padding


def test_digital_silence_around_speech_leaves_its_features_unchanged() -> None:
    """Zeros padded around a recording (joined files, editors) must not renormalise its speech."""
    cfg = AudioFeatureConfig(normalize="nonsilent")
    rng = np.random.default_rng(0)
    t = np.arange(24000) / 16000
    speech = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(
        np.float32
    )
    speech += 1e-3 * rng.standard_normal(len(speech)).astype(np.float32)  # microphone noise
    pad = np.zeros(8000, dtype=np.float32)  # 0.5 s of digital silence each side
    plain = featurize(speech, cfg, False, rng)
    padded = featurize(np.concatenate([pad, speech, pad]), cfg, False, rng)
    inner = slice(5, plain.shape[0] - 5)  # frames whose window holds no padding
    shifted = padded[50 + inner.start : 50 + inner.stop]
    # only the file's own edge frames (partial windows either way) differ
    assert (shifted - plain[inner]).abs().mean() < 0.1
    # without the silence rule the padding changes everything (mean/std of the zeros)
    raw = log_mel(np.concatenate([pad, speech, pad]), cfg)
    naive = normalize_utterance(raw)[50 + inner.start : 50 + inner.stop]
    assert (naive - plain[inner]).abs().mean() > 0.5


def test_nonsilent_normalisation_without_digital_silence_is_plain_mean_variance() -> None:
    cfg = AudioFeatureConfig(normalize="nonsilent")
    rng = np.random.default_rng(1)
    samples = (0.1 * rng.standard_normal(8000)).astype(np.float32)
    assert torch.equal(
        featurize(samples, cfg, False, rng), normalize_utterance(log_mel(samples, cfg))
    )
