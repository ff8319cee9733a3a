"""Where the package's data lives: the Hydra config root and the shipped models.

Sits before the whole flow (reader -> features -> model -> decoder -> output): every
command and the Python API ask this module for ``conf/`` and for a model by name.

In an installed wheel both folders are package data inside ``common`` (``common/conf``,
``common/models``, mapped from the repository's top-level ``conf/`` and ``models/`` by
pyproject.toml) and are found with :mod:`importlib.resources`. In a source checkout or an
editable install they are the repository's own top-level folders. The facts shown by
``asr models`` / ``handwriting models`` (domain, alphabet, accuracy) are data, kept in
``models/models.json`` next to the checkpoints.

Imports nothing heavy (no torch): ``--help``, ``--version`` and ``models`` stay fast.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib import metadata, resources
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[1]
MODEL_SUFFIX = ".pt"
MODELS_INDEX = "models.json"
DEFAULT_MODELS = {"asr": "an4", "handwriting": "ink-synthetic"}
DISTRIBUTION = "inkspeech"


class ModelNotFoundError(ValueError):
    """``--model`` names neither a shipped model nor an existing file (one-line message)."""


@dataclass(frozen=True)
class ShippedModel:
    """A checkpoint shipped with the package, as ``asr models`` lists it."""

    name: str
    task: str
    path: Path
    domain: str
    alphabet: str
    size_bytes: int
    accuracy: str
    training_data: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable fields (``path`` as a string)."""
        return {**asdict(self), "path": str(self.path)}


def _data_dir(name: str) -> Path:
    """``common/<name>`` inside an installed package, else the repository's ``<name>/``."""
    packaged = resources.files("common") / name
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return _REPO_ROOT / name


def conf_dir() -> Path:
    """The Hydra config root: ``<conf>/<task>/train.yaml``, ``<conf>/<task>/<group>/*.yaml``."""
    return _data_dir("conf")


def models_dir() -> Path:
    """The folder holding the shipped checkpoints, ``models.json`` and ``samples/``."""
    return _data_dir("models")


def samples_dir() -> Path:
    """Sample inputs shipped next to the models (e.g. two AN4 recordings)."""
    return models_dir() / "samples"


def _index() -> dict[str, dict[str, str]]:
    """``models.json``: name -> {file, task, domain, alphabet, accuracy, training_data}."""
    path = models_dir() / MODELS_INDEX
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def list_models(task: str | None = None) -> list[ShippedModel]:
    """The shipped models that are installed (their file exists), optionally of one task.

    A ``<name>.pt`` in the models folder that ``models.json`` does not describe is listed
    with an unknown task and domain, so a dropped-in checkpoint is still found by name.
    """
    folder = models_dir()
    out: list[ShippedModel] = []
    described: set[str] = set()
    for name, entry in _index().items():
        path = folder / entry.get("file", name + MODEL_SUFFIX)
        described.add(path.name)
        if path.is_file():
            out.append(_described_model(name, path, entry))
    for path in sorted(folder.glob("*" + MODEL_SUFFIX)):
        if path.name not in described:
            out.append(_undescribed_model(path))
    return [m for m in out if task is None or m.task in (task, "unknown")]


def _described_model(name: str, path: Path, entry: dict[str, str]) -> ShippedModel:
    return ShippedModel(
        name=name,
        task=entry.get("task", "unknown"),
        path=path,
        domain=entry.get("domain", ""),
        alphabet=entry.get("alphabet", ""),
        size_bytes=path.stat().st_size,
        accuracy=entry.get("accuracy", ""),
        training_data=entry.get("training_data", ""),
    )


def _undescribed_model(path: Path) -> ShippedModel:
    return ShippedModel(
        name=path.stem,
        task="unknown",
        path=path,
        domain="not described in models.json",
        alphabet="",
        size_bytes=path.stat().st_size,
        accuracy="",
    )


def resolve_model(name_or_path: str | Path, task: str | None = None) -> Path:
    """The checkpoint file for a shipped model's name (``an4``, ``ink-synthetic``) or a path.

    An existing file wins over a name; a shipped model may also be named with its
    ``.pt`` suffix. With ``task``, only that task's shipped models are known by name.

    Raises:
        ModelNotFoundError: neither an existing file nor a known name (one-line message
            that lists the known names).
    """
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    shipped = {m.name: m for m in list_models(task)}
    key = str(name_or_path)
    key = key[: -len(MODEL_SUFFIX)] if key.endswith(MODEL_SUFFIX) else key
    if key in shipped:
        return shipped[key].path
    known = ", ".join(sorted(shipped)) or "none installed"
    other = {m.name: m.task for m in list_models()}.get(key)
    if other is not None:
        what = f"a shipped model for {other}, not for {task}"
    elif path.is_dir():
        what = "a directory, not a checkpoint file, and not a shipped model name"
    else:
        what = "no such file, and not a shipped model name"
    raise ModelNotFoundError(f"model {str(name_or_path)!r}: {what} (known: {known})")


def default_model_name(task: str) -> str:
    """The name of the model a task's commands use when ``--model`` is not given."""
    return DEFAULT_MODELS[task]


def package_version() -> str:
    """The installed distribution's version (``importlib.metadata``), for ``--version``."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed; running from a source tree)"
