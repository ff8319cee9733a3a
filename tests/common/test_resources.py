"""Package data: the Hydra conf root, shipped models by name, and ``asr/handwriting models``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from common import resources
from common.model_list import describe
from common.resources import ModelNotFoundError, list_models, resolve_model

REPO = Path(__file__).resolve().parents[2]


def test_conf_dir_holds_both_tasks_train_configs() -> None:
    root = resources.conf_dir()
    for task in ("asr", "handwriting"):
        assert (root / task / "train.yaml").is_file()
        assert (root / task / "decoder" / "beam.yaml").is_file()


def test_config_module_reads_conf_through_resources() -> None:
    from common.config import CONF_ROOT

    assert CONF_ROOT == resources.conf_dir()


def test_list_models_describes_each_shipped_checkpoint() -> None:
    models = {m.name: m for m in list_models()}
    assert set(models) == {"an4", "ink-synthetic"}
    assert models["an4"].task == "asr" and models["ink-synthetic"].task == "handwriting"
    for model in models.values():
        assert model.size_bytes == (REPO / "models" / model.path.name).stat().st_size
        assert model.domain and model.accuracy
    assert [m.name for m in list_models("asr")] == ["an4"]
    assert "11.7 %" in models["an4"].accuracy and "21.9 %" in models["ink-synthetic"].accuracy


@pytest.mark.parametrize("name", ["an4", "ink-synthetic"])
def test_models_json_matches_the_checkpoint_itself(name: str) -> None:
    """The alphabet and task shown by ``models`` are the ones stored in the weights file."""
    (model,) = [m for m in list_models() if m.name == name]
    payload = torch.load(model.path, map_location="cpu", weights_only=True)
    assert payload["alphabet"] == model.alphabet
    assert payload["modality"] == model.task


def test_resolve_model_by_name_suffix_and_path(tmp_path: Path) -> None:
    shipped = resources.models_dir() / "an4.pt"
    assert resolve_model("an4") == shipped
    assert resolve_model("an4.pt") == shipped
    assert resolve_model("ink-synthetic", task="handwriting").name == "ink-synthetic.pt"
    own = tmp_path / "an4"  # an existing file wins over the shipped name
    own.write_bytes(b"x")
    assert resolve_model(own) == own
    assert resolve_model(str(shipped)) == shipped


@pytest.mark.parametrize(
    ("name", "task", "why"),
    [
        ("nope", None, "no such file"),
        ("an4", "handwriting", "a shipped model for asr, not for handwriting"),
        (".", None, "a directory"),
    ],
)
def test_resolve_model_unknown_is_a_one_line_value_error(name, task, why) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        resolve_model(name, task=task)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "\n" not in message and why in message
    known = "ink-synthetic" if task == "handwriting" else "an4, ink-synthetic"
    assert message.endswith(f"(known: {known})")


def test_a_dropped_in_checkpoint_is_found_by_name(tmp_path: Path, monkeypatch) -> None:
    shutil.copy(REPO / "models" / "models.json", tmp_path / "models.json")
    (tmp_path / "an4.pt").write_bytes(b"12345")
    (tmp_path / "mine.pt").write_bytes(b"123")
    monkeypatch.setattr(resources, "models_dir", lambda: tmp_path)
    models = {m.name: m for m in list_models()}
    assert set(models) == {"an4", "mine"}  # ink-synthetic.pt is not installed here
    assert models["mine"].task == "unknown" and models["mine"].size_bytes == 3
    assert resolve_model("mine", task="asr") == tmp_path / "mine.pt"


def test_models_command_text_and_json(capsys) -> None:
    from asr.cli import main

    assert main(["models"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("an4  (asr, default, ")
    assert "spelled letters" in text and "ink-synthetic" not in text
    assert main(["models", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["name"] == "an4"
    assert entry["size_bytes"] == (REPO / "models" / "an4.pt").stat().st_size


def test_describe_wraps_and_skips_empty_fields() -> None:
    model = resources.ShippedModel("m", "unknown", Path("m.pt"), "d " * 80, "", 2_000_000, "")
    lines = describe(model).splitlines()
    assert lines[0] == "m  (unknown, 2.0 MB)  m.pt"
    assert all(len(line) <= 88 for line in lines)
    assert not any("alphabet" in line or "accuracy" in line for line in lines)
