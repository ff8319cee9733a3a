"""Long-form training augmentation (asr/long_form.py): joined audio, texts, plan, config."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from hydra import compose, initialize_config_dir

from asr.config import register_configs
from asr.long_form import (
    Join,
    LongFormConfig,
    LongFormDataset,
    check_long_form,
    join_signals,
    plan_joins,
)
from asr.modality import ASR
from common.alphabet import Alphabet
from common.data import collate
from common.dataset import ExampleDataset
from common.resume import TrainingError, check_resumable, config_record
from common.training import _epoch_batches, as_dataclass, build_datasets

RATE = 16000
CONF = Path(__file__).resolve().parents[2] / "conf" / "asr"
TEXTS = ["one two", "three", "four five six", "seven", "eight nine", "ten"]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> Path:
    """Six tones of different lengths (0.5..1.0 s) and pitches, as a JSONL manifest."""
    root = tmp_path_factory.mktemp("long-form")
    lines = []
    for i, text in enumerate(TEXTS):
        t = np.arange(int(RATE * (0.5 + 0.1 * i))) / RATE
        wave = (0.3 * np.sin(2 * np.pi * (200 + 50 * i) * t)).astype(np.float32)
        sf.write(root / f"u{i}.wav", wave, RATE)
        lines.append({"audio_filepath": f"u{i}.wav", "duration": len(t) / RATE, "text": text})
    path = root / "train.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def composed(manifest: Path, overrides: list[str]):
    register_configs()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(
            config_name="train",
            overrides=[
                "run_dir=/tmp/x",
                "data=manifest",
                f"data.train.path={manifest}",
                "features.speed_perturb=[1.0]",
                *overrides,
            ],
        )
    return as_dataclass(cfg)


def train_set(manifest: Path, overrides: list[str]):
    cfg = composed(manifest, overrides)
    return build_datasets(cfg, ASR, Alphabet.from_chars(cfg.alphabet))[0], cfg


def test_join_signals_sums_lengths_and_gaps_with_silence_or_quiet_noise():
    a, b, c = (np.full(n, v, dtype=np.float32) for n, v in [(1000, 0.5), (300, -0.5), (70, 0.1)])
    join = Join((0, 1, 2), gaps=(0.01, 0.02), noisy=(False, True))
    out = join_signals([a, b, c], join, RATE, noise_db=40.0, rng=np.random.default_rng(0))
    assert out.dtype == np.float32
    assert out.shape == (1000 + 160 + 300 + 320 + 70,)
    np.testing.assert_array_equal(out[:1000], a)
    np.testing.assert_array_equal(out[1000:1160], 0.0)
    np.testing.assert_array_equal(out[1160:1460], b)
    noise = out[1460:1780]
    assert 0 < np.sqrt(np.mean(noise**2)) < 0.5 * 10 ** (-30 / 20)  # >= 30 dB below the speech
    np.testing.assert_array_equal(out[1780:], c)


def test_plan_joins_respects_the_config_and_is_reproducible():
    lengths = [1.0 + 0.02 * i for i in range(50)]
    cfg = LongFormConfig(prob=0.5, max_parts=4, max_gap=0.3, max_seconds=4.0)
    plan = plan_joins(lengths, cfg, seed=7, epoch=2)
    assert plan == plan_joins(lengths, cfg, seed=7, epoch=2)
    assert plan != plan_joins(lengths, cfg, seed=7, epoch=3)
    joined = [j for j in plan if len(j.parts) > 1]
    assert 10 < len(joined) < 40
    for index, join in enumerate(plan):
        assert join.parts[0] == index and len(set(join.parts)) == len(join.parts)
        assert len(join.parts) <= 4 and len(join.gaps) == len(join.noisy) == len(join.parts) - 1
        assert all(0 <= g <= 0.3 for g in join.gaps)
        if len(join.parts) > 1:
            assert sum(lengths[i] for i in join.parts) + sum(join.gaps) <= 4.0
    assert all(len(j.parts) == 1 for j in plan_joins(lengths, LongFormConfig(), 7, 2))


def test_joined_items_hold_the_joined_audio_and_transcript(manifest):
    dataset, cfg = train_set(manifest, ["data.long_form.prob=1.0", "data.long_form.max_gap=0.2"])
    assert isinstance(dataset, LongFormDataset)
    alphabet = Alphabet.from_chars(cfg.alphabet)
    features = replace(cfg.features, spec_augment=replace(cfg.features.spec_augment, enabled=False))
    dataset.feature_cfg = features
    for index, join in enumerate(dataset.joins()):
        assert len(join.parts) >= 2
        seconds = sum(dataset.examples[i].length for i in join.parts) + sum(join.gaps)
        assert dataset.lengths()[index] == pytest.approx(seconds)
        uid, feats, target = dataset[index]
        assert uid == "+".join(dataset.examples[i].id for i in join.parts)
        assert alphabet.decode(target) == " ".join(TEXTS[i] for i in join.parts)
        samples = sum(len(dataset.signal(i)) for i in join.parts)
        samples += sum(int(round(g * RATE)) for g in join.gaps)
        assert feats.shape == (samples // features.hop_length + 1, features.n_mels)


def test_off_gives_identical_batches_to_a_config_without_the_option(manifest):
    off, _ = train_set(manifest, [])
    explicit_off, _ = train_set(manifest, ["data.long_form.prob=0"])
    on, cfg = train_set(manifest, ["data.long_form.prob=0.5"])
    assert type(off) is type(explicit_off) is not LongFormDataset
    kept = {f.name: getattr(off, f.name) for f in fields(ExampleDataset)}
    zero = LongFormDataset(**kept, long_form=LongFormConfig(prob=0.0), space=[1])
    for epoch in (0, 1):
        for ds in (off, zero, on):
            ds.epoch = epoch
        batches = _epoch_batches(off, cfg.trainer, epoch)
        assert batches == _epoch_batches(zero, cfg.trainer, epoch)
        for batch in batches:
            a = collate([off[i] for i in batch])
            b = collate([zero[i] for i in batch])
            assert a.ids == b.ids
            assert torch.equal(a.features, b.features) and torch.equal(a.targets, b.targets)
    assert isinstance(on, LongFormDataset) and on.lengths() != off.lengths()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("prob", 1.5, "prob must be in [0, 1]"),
        ("max_parts", 1, "max_parts must be at least 2"),
        ("max_gap", -0.1, "max_gap must be >= 0"),
        ("max_seconds", 0.0, "max_seconds must be positive"),
        ("noise_prob", -1.0, "noise_prob must be in [0, 1]"),
    ],
)
def test_bad_settings_fail_with_one_line(field, value, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")) as err:
        check_long_form(replace(LongFormConfig(), **{field: value}))
    assert "\n" not in str(err.value)


def test_bad_override_is_reported_when_training_starts(manifest):
    with pytest.raises(ValueError, match="data.long_form.max_parts"):
        train_set(manifest, ["data.long_form.prob=0.5", "data.long_form.max_parts=1"])


def test_runs_recorded_before_the_option_stay_resumable_only_with_it_off(manifest):
    old = {
        k: v
        for k, v in config_record(composed(manifest, [])).items()
        if not k.startswith("data.long_form.")
    }
    payload = {"train_state": {}, "config": json.dumps(old)}
    check_resumable(payload, Path("last.pt"), config_record(composed(manifest, [])))
    with pytest.raises(TrainingError, match=r"data\.long_form\.prob \(0\.0 -> 0\.5\)"):
        on = composed(manifest, ["data.long_form.prob=0.5"])
        check_resumable(payload, Path("last.pt"), config_record(on))
