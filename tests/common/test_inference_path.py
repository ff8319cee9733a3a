"""The one inference path (common.inference), output naming, CLI number validators."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import pytest
import torch

from common.alphabet import Alphabet
from common.cli_output import output_stems
from common.cli_util import UserError, expand_inputs, finite_float, positive_float, positive_int
from common.decoding import beam, factory
from common.decoding.cli_args import KINDS, LM_UNITS, MERGES
from common.inference import (
    Chunk,
    Decoded,
    DeviceError,
    Failure,
    InferenceOptions,
    Prepared,
    decode_all,
    resolve_device,
    run_model,
)
from common.tuning import parse_grid


class Sum(torch.nn.Module):
    """A fake encoder: log-probabilities whose frame t favours token (sum of features) % V."""

    subsampling = 1

    def forward(self, x, lengths):  # (B, T, F) -> (B, T, V)
        ids = x.sum(dim=2).long() % 3
        return torch.log_softmax(3.0 * torch.nn.functional.one_hot(ids, 3).float(), -1), lengths


LOADED = SimpleNamespace(
    model=Sum(), device=torch.device("cpu"), alphabet=Alphabet.from_chars("ab")
)


def prepare(item):
    if item == "bad":
        raise ValueError("bad input")
    if isinstance(item, tuple):  # a long input in two chunks

        def chunks():
            yield Chunk(torch.ones(3, 1), 0, 3)
            if item[1] == "broken":
                raise OSError("disk gone")
            yield Chunk(torch.full((2, 1), 2.0), 0, 2)

        return Prepared(chunks=chunks(), num_chunks=2, extra=item)
    return Prepared(features=torch.full((item, 1), float(item)), extra=item)


def test_run_model_keeps_input_order_and_reports_failures_in_place():
    items = [3, "bad", 1, ("long", "ok"), 2, ("long", "broken")]
    results = list(run_model(LOADED, items, prepare, InferenceOptions(batch_size=2)))
    assert [r.index for r in results] == list(range(6))
    assert [type(r).__name__ for r in results] == [
        "Emission",
        "Failure",
        "Emission",
        "Emission",
        "Emission",
        "Failure",
    ]
    assert results[1].message == "bad input" and results[5].message == "disk gone"
    assert [r.log_probs.shape for r in results if not isinstance(r, Failure)] == [
        (3, 3),
        (1, 3),
        (5, 3),
        (2, 3),
    ]
    assert results[3].log_probs.argmax(1).tolist() == [1, 1, 1, 2, 2]  # both chunks stitched


def test_decode_all_gives_nbest_hypotheses():
    decoder = factory.make_decoder(factory.DecoderConfig(kind="beam", beam_size=4), LOADED.alphabet)
    results = list(decode_all(LOADED, [2, 1], prepare, decoder, InferenceOptions(nbest=2)))
    assert all(isinstance(r, Decoded) and len(r.hypotheses) == 2 for r in results)
    assert [r.best.text for r in results] == ["b", "a"]


def test_devices():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="no CUDA GPU"):
            resolve_device("cuda")


def test_output_stems_flat_mirrored_or_refused(tmp_path):
    out = tmp_path / "out"
    a, b = tmp_path / "in" / "a" / "x.wav", tmp_path / "in" / "b" / "x.wav"
    assert output_stems([a, tmp_path / "y.wav"], out) == {
        a: out / "x",
        tmp_path / "y.wav": out / "y",
    }
    assert output_stems([a, b], out) == {a: out / "a" / "x", b: out / "b" / "x"}
    with pytest.raises(UserError, match="both be written"):
        output_stems([a, a.with_suffix(".flac")], out)


def test_expand_inputs_skips_and_deduplicates(tmp_path):
    for name in ("a.json", "b.json", "c.txt"):
        (tmp_path / name).write_text("{}")
    found = expand_inputs(
        [str(tmp_path), str(tmp_path / "a.json")], {".json"}, skip=lambda p: p.stem == "b"
    )
    assert found == [tmp_path / "a.json"]
    with pytest.raises(UserError, match="no .json files"):
        expand_inputs([str(tmp_path)], {".json"}, skip=lambda p: True)


@pytest.mark.parametrize(
    ("convert", "text"),
    [(positive_int, "0"), (positive_int, "x"), (positive_float, "0"), (positive_float, "-5"),
     (finite_float, "nan"), (finite_float, "inf"), (positive_float, "nan")],
)  # fmt: skip
def test_number_validators_refuse(convert, text):
    with pytest.raises(argparse.ArgumentTypeError):
        convert(text)


def test_grid_parsing():
    assert parse_grid("0:1:0.5") == [0.0, 0.5, 1.0] and parse_grid("0.3, 1") == [0.3, 1.0]
    for bad in ("0:1", "0:1:0", "nan,1", "a,b"):
        with pytest.raises(ValueError):
            parse_grid(bad)


def test_cli_choices_are_the_decoders_own():
    assert KINDS == factory.KINDS and LM_UNITS == factory.LM_UNITS and MERGES == beam.MERGES
