"""Hostile checkpoints (``format: 1`` but the wrong structure): validated before anything is
built, refused with one ``CheckpointError``, quickly and in bounded memory (issue #12, defect 8)."""

from __future__ import annotations

import copy
import io
from dataclasses import asdict

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asr.features import AudioFeatureConfig
from asr.modality import ASR
from common.alphabet import Alphabet, TextNormalizerConfig
from common.checkpoint import CheckpointError, feature_config_of, load_model, model_payload
from common.config import ModelConfig
from common.encoder import Encoder

FEATURES = asdict(AudioFeatureConfig(n_mels=8))


def payload(conv: int = 0) -> dict:
    torch.manual_seed(0)
    cfg = ModelConfig(conv_channels=conv, conv_layers=1, hidden=8, layers=1)
    alphabet = Alphabet.from_chars("ab ")
    model = Encoder(8, len(alphabet), cfg)
    return model_payload("asr", model, alphabet, cfg, FEATURES, TextNormalizerConfig())


def load(tmp_path, data: dict, name: str = "c.pt"):
    path = tmp_path / name
    torch.save(data, path)
    loaded = load_model(path, modality="asr")
    feature_config_of(loaded, ASR)
    return loaded


def changed(edit) -> dict:
    data = copy.deepcopy(payload())
    edit(data)
    return data


def nan_weight(data: dict) -> None:
    data["state_dict"]["output.weight"][0, 0] = float("nan")


def wrong_size(data: dict) -> None:
    data["state_dict"]["output.weight"] = torch.zeros(3, 16)


CASES = {
    "no modality": (lambda d: d.pop("modality"), "'modality'"),
    "format tensor": (lambda d: d.update(format=torch.ones(2)), "not a checkpoint of this"),
    "no state": (lambda d: d.pop("state_dict"), "'state_dict'"),
    "hidden 1e6": (lambda d: d["model"].update(hidden=10**6), "model.hidden"),
    "layers 1e5": (lambda d: d["model"].update(layers=100_000), "model.layers"),
    "stride 0": (lambda d: d["model"].update(conv_channels=4, conv_stride=0), "model.conv_stride"),
    "hidden str": (lambda d: d["model"].update(hidden="8"), "model.hidden"),
    "unknown key": (lambda d: d["model"].update(heads=4), "bad model config"),
    "size": (wrong_size, "'output.weight' is not a (4, 16) tensor"),
    "missing weight": (lambda d: d["state_dict"].pop("output.bias"), "does not match"),
    "nan": (nan_weight, "NaN or infinite"),
    "alphabet": (lambda d: d.update(alphabet="aa"), "alphabet"),
    "alphabet type": (lambda d: d.update(alphabet=["a"]), "'alphabet'"),
    "text": (lambda d: d.update(text={"upper": True}), "text config"),
    "features key": (lambda d: d["features"].update(nope=1), "feature config"),
    "features dim": (lambda d: d["features"].update(n_mels=9), "9-dim frames"),
    "features type": (lambda d: d.update(features={"sample_rate": "x"}), "feature config"),
    "features n_fft": (lambda d: d["features"].update(n_fft=10**9), "n_fft <= 65536"),
    "features tensor": (lambda d: d["features"].update(n_mels=torch.ones(2)), "feature config"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_structure_is_a_checkpoint_error(tmp_path, bounded, name):
    edit, message = CASES[name]
    data = changed(edit)
    out = bounded(lambda: load(tmp_path, data), CheckpointError, seconds=5.0, megabytes=64)
    assert out.error is not None and message in str(out.error)


def test_valid_checkpoints_still_load(tmp_path):
    for conv in (0, 4):
        data = payload(conv)
        data["features"] = dict(FEATURES)
        loaded = load(tmp_path, data)
        assert loaded.model_cfg.conv_channels == conv and len(loaded.alphabet) == 4


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(0, 3), max_size=3),
    st.builds(torch.zeros, st.integers(0, 40), st.integers(1, 20)),
)


@st.composite
def structured_edits(draw: st.DrawFn) -> dict:
    """A valid payload with a few fields (anywhere in it) replaced, removed or added."""
    data = copy.deepcopy(payload(draw(st.sampled_from([0, 4]))))
    for _ in range(draw(st.integers(1, 3))):
        section = draw(st.sampled_from(["model", "state_dict", "features", "text", "top"]))
        target = data if section == "top" else data.get(section)
        if not isinstance(target, dict) or not target:
            continue
        key = draw(st.sampled_from(sorted(target)))
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "remove":
            target.pop(key)
        else:
            target[key if action == "replace" else key + "_x"] = draw(VALUES)
    return data


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=structured_edits())
def test_structurally_mutated_checkpoints_load_or_fail_cleanly(tmp_path, bounded, data):
    bounded(lambda: load(tmp_path, data), CheckpointError, seconds=5.0, megabytes=256)


@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_byte_mutated_checkpoints_load_or_fail_cleanly(tmp_path, bounded, mutated, data):
    buf = io.BytesIO()
    torch.save(payload(), buf)
    blob = data.draw(mutated(buf.getvalue()))
    path = tmp_path / "b.pt"
    path.write_bytes(blob)
    bounded(lambda: _load_path(path), CheckpointError, seconds=5.0, megabytes=256)


def _load_path(path):
    loaded = load_model(path, modality="asr")
    return feature_config_of(loaded, ASR)
