"""Online handwriting as a ``Modality``: ink readers and stroke features for the shared core."""

from __future__ import annotations

from typing import Any

from common.data import Example
from common.modality import Modality
from handwriting.features import (
    InkFeatureConfig,
    feature_config_from_dict,
    feature_dim,
    featurize,
)
from handwriting.ink import Ink
from handwriting.readers import read_iam_ondb, read_ink, read_ink_manifest


def load_spec(spec: Any) -> list[Example]:
    """Examples of one ``InkDataSpec``."""
    if spec.kind == "iam_ondb":
        examples = read_iam_ondb(spec.path, spec.split)
    elif spec.kind == "manifest":
        examples = read_ink_manifest(spec.path)
    else:
        raise ValueError(f"data kind must be iam_ondb or manifest, not {spec.kind!r}")
    return examples[: spec.max_lines] if spec.max_lines > 0 else examples


def load_examples(data_cfg: Any, split: str) -> list[Example]:
    spec = data_cfg.train if split == "train" else data_cfg.valid
    if split == "valid" and not spec.path:
        return []
    return load_spec(spec)


def load_input(example: Example, feature_cfg: InkFeatureConfig) -> Ink:
    return read_ink(example.path)


HANDWRITING = Modality(
    name="handwriting",
    load_examples=load_examples,
    load_input=load_input,
    featurize=featurize,
    feature_dim=feature_dim,
    feature_config=feature_config_from_dict,
)
