"""Hydra composition of every config group in conf/asr, checked against the typed schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from asr.config import AsrTrainConfig, register_configs

CONF = Path(__file__).resolve().parents[2] / "conf" / "asr"
GROUPS = ["model", "features", "data", "decoder", "optim", "trainer"]


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def compose_asr(overrides: list[str]):
    register_configs()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="train", overrides=["run_dir=/tmp/x", *overrides])


@pytest.mark.parametrize("group,option", [(g, o) for g in GROUPS for o in options(g)])
def test_every_group_option_composes_into_the_schema(group, option):
    overrides = [f"{group}={option}"]
    if option == "manifest":
        overrides.append("data.train.path=train.jsonl")
    cfg = compose_asr(overrides)
    typed = OmegaConf.to_object(cfg)
    assert isinstance(typed, AsrTrainConfig)
    expected = OmegaConf.to_container(
        OmegaConf.load(CONF / group / f"{option}.yaml"), resolve=False
    )
    if option == "manifest":
        expected["train"]["path"] = "train.jsonl"
    if "defaults" not in expected:
        assert_subset(expected, OmegaConf.to_container(cfg[group], resolve=False))


def assert_subset(expected, actual, where=""):
    """Every key the YAML file sets has that value in the composed config."""
    for key, value in expected.items():
        if isinstance(value, dict):
            assert_subset(value, actual[key], f"{where}.{key}")
        else:
            assert actual[key] == value, f"{where}.{key}"


def test_group_switch_and_value_override_take_effect():
    cfg = compose_asr(["features=mfcc", "model.hidden=512", "data=an4", "data.root=/corpora/an4"])
    typed = OmegaConf.to_object(cfg)
    assert typed.features.kind == "mfcc"
    assert typed.model.hidden == 512
    assert typed.data.train.path == "/corpora/an4" and typed.data.train.holdout == "drop"
    assert typed.data.valid.holdout == "keep"


def test_typos_fail_loudly():
    with pytest.raises(ConfigCompositionException):
        compose_asr(["model.hiden=3"])
    with pytest.raises(ConfigCompositionException):
        compose_asr(["decoder.beam_sizee=4"])
