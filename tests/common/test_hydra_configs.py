"""Hydra composition of every config group of both tasks, checked against the typed schemas."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

import asr.config
import handwriting.config

CONF = Path(__file__).resolve().parents[2] / "conf"
GROUPS = ["model", "features", "data", "decoder", "optim", "trainer"]
SCHEMAS = {
    "asr": (asr.config.register_configs, asr.config.AsrTrainConfig),
    "handwriting": (handwriting.config.register_configs, handwriting.config.HandwritingTrainConfig),
}


def options(task: str, group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / task / group).glob("*.yaml"))


def compose_task(task: str, overrides: list[str]):
    SCHEMAS[task][0]()
    with initialize_config_dir(config_dir=str(CONF / task), version_base="1.3"):
        return compose(config_name="train", overrides=["run_dir=/tmp/x", *overrides])


def compose_asr(overrides: list[str]):
    return compose_task("asr", overrides)


CASES = [(t, g, o) for t in SCHEMAS for g in GROUPS for o in options(t, g)]


@pytest.mark.parametrize("task,group,option", CASES)
def test_every_group_option_composes_into_the_schema(task, group, option):
    overrides = [f"{group}={option}"]
    if option == "manifest":
        overrides.append("data.train.path=train.jsonl")
    cfg = compose_task(task, overrides)
    typed = OmegaConf.to_object(cfg)
    assert isinstance(typed, SCHEMAS[task][1])
    expected = yaml_values(task, group, option)
    if option == "manifest":
        expected["train"]["path"] = "train.jsonl"
    assert_subset(expected, OmegaConf.to_container(cfg[group], resolve=False))


def yaml_values(task: str, group: str, option: str) -> dict:
    """The values an option stands for: those of the options it builds on (its
    ``defaults:``, same group) overridden by the values its own file sets, which must
    win whatever the order of its ``defaults:`` list."""
    own = OmegaConf.load(CONF / task / group / f"{option}.yaml")
    bases = [name for name in own.pop("defaults", []) if name != "_self_"]
    merged = OmegaConf.create()
    for name in bases:
        merged = OmegaConf.merge(merged, yaml_values(task, group, name))
    return OmegaConf.to_container(OmegaConf.merge(merged, own), resolve=False)


def test_options_with_defaults_keep_their_own_and_inherited_values():
    """The options built on another one (``defaults:``) are checked value by value too."""
    assert yaml_values("asr", "trainer", "gpu")["max_epochs"] == 30
    assert yaml_values("asr", "trainer", "gpu")["device"] == "cuda"
    augment = yaml_values("asr", "features", "log_mel_augment")
    assert augment["spec_augment"] == {
        **yaml_values("asr", "features", "log_mel")["spec_augment"],
        "enabled": True,
    }
    assert augment["speed_perturb"] == [0.9, 1.0, 1.1] and augment["n_mels"] == 80


@pytest.mark.parametrize("task", sorted(SCHEMAS))
def test_root_config_values_reach_the_composed_config(task):
    """``train.yaml`` itself has ``defaults:``: its own values are checked as well."""
    own = OmegaConf.to_container(OmegaConf.load(CONF / task / "train.yaml"), resolve=False)
    cfg = OmegaConf.to_container(compose_task(task, []), resolve=False)
    assert cfg["alphabet"] == own["alphabet"]
    assert_subset(own["text"], cfg["text"], "text")


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


def test_handwriting_feature_switch():
    typed = OmegaConf.to_object(compose_task("handwriting", ["features=offsets"]))
    assert typed.features.kind == "offsets" and typed.features.direction
    typed = OmegaConf.to_object(compose_task("handwriting", ["features=bezier_augment"]))
    assert typed.features.kind == "bezier" and typed.features.augment.enabled
    # the shipped ink model straightens baselines; new trainings do too (old checkpoints
    # without the key keep the dataclass default, off)
    assert typed.features.preprocess.baseline_correction


def test_typos_fail_loudly():
    with pytest.raises(ConfigCompositionException):
        compose_asr(["model.hiden=3"])
    with pytest.raises(ConfigCompositionException):
        compose_asr(["decoder.beam_sizee=4"])


@pytest.mark.parametrize("task", sorted(SCHEMAS))
def test_trainer_yaml_lists_every_trainer_setting(task):
    """``conf/<task>/trainer/default.yaml`` mirrors ``TrainerConfig`` key for key."""
    from dataclasses import fields

    from common.config import TrainerConfig

    yaml_keys = set(OmegaConf.load(CONF / task / "trainer" / "default.yaml"))
    assert yaml_keys == {f.name for f in fields(TrainerConfig)}
    trainer = compose_task(task, []).trainer
    assert trainer.max_bad_fraction == 0.01 and trainer.max_nonfinite_batches == 20
