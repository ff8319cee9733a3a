"""Hostile inputs for ``bench/fuzz.py``: seeded mutations of valid files plus hand-made cases.

``write_cases(root, parser, count, seed)`` writes ``count`` case files for one
parser under ``root/<parser>/`` (with the audio and ink files manifests refer
to) and returns ``[(case name, path)]``. The hand-made cases reproduce every
defect of issue #12; the rest are byte- and token-level mutations of valid
files, drawn from ``random.Random(seed)``.
"""

from __future__ import annotations

import copy
import io
import os
import random
import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import torch
from fuzz_files import (
    AUDIO_SEEDS,
    LINE,
    audio_bytes,
    audio_cases,
    iam_bytes,
    ink_cases,
    inkml_bytes,
    json_ink_bytes,
    manifest_cases,
    xml_cases,
)

from asr.features import AudioFeatureConfig
from common.alphabet import Alphabet, TextNormalizerConfig
from common.checkpoint import model_payload
from common.config import ModelConfig
from common.encoder import Encoder
from common.lm.arpa_writer import build_arpa

PARSERS = ("audio", "iam_xml", "inkml", "json_ink", "manifests", "arpa", "checkpoints")
EXTREMES = [
    "1e308",
    "-1e400",
    "1e999",
    "NaN",
    "nan",
    "inf",
    "-0",
    "0",
    "99999999999999999999",
    "1" + "0" * 400,
    "-1",
    "4294967295",
    "1e-320",
    "true",
    '"x"',
    "null",
    "[]",
    "{}",
]
SENTENCES = ["the cat sat on the mat", "a dog ran home", "the dog sat", "a cat ran to the dog"]
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _arpa_cases() -> dict[str, bytes]:
    word = build_arpa(SENTENCES, 3, "word")
    char = build_arpa(SENTENCES, 4, "char")
    symbols = [chr(0x4E00 + i) for i in range(15_000)]
    big = ["\\data\\", "\\1-grams:", "-99\t<s>\t-0.3", "-1.5\t</s>", "-1.5\t<sp>\t-0.2"]
    big += [f"-5\t{s}\t-0.1" for s in symbols] + ["\\2-grams:"]
    big += [f"-1\t{s}\t<sp>" for s in symbols] + ["\\end\\", ""]
    nan_line = next(
        x for x in word.splitlines() if x.split()[1:2] == ["cat"] and len(x.split()) < 4
    )
    cases = {
        "word-valid": word,
        "char-valid": char,
        "char-15000_symbols": "\n".join(big),
        "word-nan_logprob": word.replace(nan_line, "nan\t" + nan_line.split("\t", 1)[1], 1),
    }
    for unit in ("word", "char"):
        cases |= {
            f"{unit}-0grams": "\\data\\\nngram 1=1\n\n\\0-grams:\n-1 a\n\\end\\\n",
            f"{unit}-100000000grams": "\\data\\\n\\100000000-grams:\n\\end\\\n",
            f"{unit}-out_of_order": "\\data\\\n\\1-grams:\n-1 a\n\\3-grams:\n-1 a b c\n\\end\\\n",
            f"{unit}-inf_backoff": "\\data\\\n\\1-grams:\n-1 </s>\n-1 a inf\n\\end\\\n",
            f"{unit}-long_line": "\\data\\\n\\1-grams:\n-1 " + "a" * 100_000 + "\n\\end\\\n",
            f"{unit}-orphan_ngram": "\\data\\\n\\1-grams:\n-1 </s>\n-1 a\n"
            "\\2-grams:\n-1 b c\n\\end\\\n",
            f"{unit}-no_unigrams": "\\data\\\n\\end\\\n",
            f"{unit}-binary_after_header": "\\data\\\n\\1-grams:\n-1 a\n\udcff\udcfe",
        }
    return {k: v.encode("utf-8", "surrogateescape") for k, v in cases.items()}


def _payload(modality: str, conv: int) -> dict:
    torch.manual_seed(0)
    cfg = ModelConfig(conv_channels=conv, conv_layers=1, hidden=8, layers=1)
    alphabet = Alphabet.from_chars("abc ")
    if modality == "asr":
        features, dim = asdict(AudioFeatureConfig(n_mels=8)), 8
    else:
        from handwriting.features import InkFeatureConfig

        features, dim = asdict(InkFeatureConfig()), 3
    model = Encoder(dim, len(alphabet), cfg)
    return model_payload(modality, model, alphabet, cfg, features, TextNormalizerConfig())


CHECKPOINT_EDITS: dict[str, Callable[[dict], object]] = {
    "no_modality": lambda d: d.pop("modality"),
    "no_state_dict": lambda d: d.pop("state_dict"),
    "hidden_1e6": lambda d: d["model"].update(hidden=10**6),
    "layers_100000": lambda d: d["model"].update(layers=100_000),
    "conv_stride_0": lambda d: d["model"].update(conv_channels=4, conv_stride=0),
    "conv_kernel_1e9": lambda d: d["model"].update(conv_channels=4, conv_kernel=10**9),
    "state_size_mismatch": lambda d: d["state_dict"].update({"output.weight": torch.zeros(3, 16)}),
    "nan_weights": lambda d: d["state_dict"]["output.weight"].fill_(float("nan")),
    "alphabet_list": lambda d: d.update(alphabet=["a"]),
    "alphabet_repeated": lambda d: d.update(alphabet="aa"),
    "text_unknown_key": lambda d: d.update(text={"upper": True}),
    "features_unknown_key": lambda d: d["features"].update(nope=1),
    "features_wrong_type": lambda d: d.update(features={"sample_rate": "x"}),
    "model_not_dict": lambda d: d.update(model=[1, 2]),
    "format_2": lambda d: d.update(format=2),
    "format_tensor": lambda d: d.update(format=torch.ones(2)),
    "features_huge_values": lambda d: _huge_features(d["features"]),
}


def _huge_features(features: dict) -> None:
    """Feature settings that would allocate without bound (n_fft, resampling step)."""
    if "n_fft" in features:
        features.update(n_fft=10**9, win_length=400)
    else:
        features["preprocess"] = {**features["preprocess"], "resample_step": 1e-12}


def _checkpoint_cases() -> dict[str, bytes]:
    cases = {}
    for modality in ("asr", "hw"):
        for conv in (0, 4):
            cases[f"{modality}-valid_conv{conv}"] = _save(_payload(_MOD[modality], conv))
        for name, edit in CHECKPOINT_EDITS.items():
            data = copy.deepcopy(_payload(_MOD[modality], 0))
            edit(data)
            cases[f"{modality}-{name}"] = _save(data)
    cases["asr-not_a_dict"] = _save([1, 2, 3])
    cases["asr-garbage"] = b"PK\x03\x04" + bytes(range(256)) * 4
    return cases


_MOD = {"asr": "asr", "hw": "handwriting"}


def _save(obj: object) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def mutate(data: bytes, rng: random.Random, text: bool) -> bytes:
    """A few random byte edits of ``data``; for text formats also token and line edits."""
    out = bytearray(data)
    ops = ["flip", "truncate", "insert", "delete", "repeat"]
    ops += ["number", "number", "number", "dup_line", "drop_line", "swap_lines"] if text else []
    for _ in range(rng.randint(1, 4)):
        if not out:
            break
        op, at = rng.choice(ops), rng.randrange(len(out))
        if op == "flip":
            out[at] = rng.randrange(256)
        elif op == "truncate":
            del out[at:]
        elif op == "insert":
            out[at:at] = rng.randbytes(rng.randint(1, 16))
        elif op == "delete":
            del out[at : at + rng.randint(1, 64)]
        elif op == "repeat":
            out[at:at] = out[at : at + rng.randint(1, 64)] * rng.randint(2, 200)
        elif op == "number":
            numbers = list(_NUMBER.finditer(out))
            if numbers:
                m = rng.choice(numbers)
                out[m.start() : m.end()] = rng.choice(EXTREMES).encode()
        else:
            out = bytearray(_line_edit(bytes(out), op, rng))
    return bytes(out)


def _line_edit(data: bytes, op: str, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    if op == "dup_line":
        lines[i:i] = [lines[i]] * rng.randint(1, 2000)
    elif op == "drop_line":
        del lines[i]
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _edit_checkpoint(data: bytes, rng: random.Random) -> bytes:
    """Structured edit: replace, drop or add a few fields anywhere in a payload."""
    payload = torch.load(io.BytesIO(data), weights_only=True)
    values = [
        None,
        True,
        -1,
        0,
        2**40,
        1e308,
        float("nan"),
        "x",
        [1],
        {},
        torch.zeros(3, 5),
        torch.full((2,), float("inf")),
        10**6,
    ]
    for _ in range(rng.randint(1, 3)):
        section = rng.choice(["model", "state_dict", "features", "text", None])
        target = payload if section is None else payload.get(section)
        if isinstance(target, dict) and target:
            key = rng.choice(sorted(target))
            action = rng.choice(["replace", "remove", "add"])
            if action == "remove":
                target.pop(key)
            else:
                target[key if action == "replace" else f"{key}_x"] = rng.choice(values)
    return _save(payload)


def _hand_made(parser: str) -> dict[str, bytes]:
    return {
        "audio": audio_cases,
        "iam_xml": lambda: xml_cases(iam_bytes),
        "inkml": lambda: xml_cases(inkml_bytes),
        "json_ink": lambda: ink_cases(json_ink_bytes) | {"deep_nesting": b"[" * 100_000},
        "manifests": manifest_cases,
        "arpa": _arpa_cases,
        "checkpoints": _checkpoint_cases,
    }[parser]()


SUFFIX = {
    "iam_xml": ".xml",
    "inkml": ".inkml",
    "json_ink": ".json",
    "manifests": ".jsonl",
    "arpa": ".arpa",
    "checkpoints": ".pt",
}


def _support_files(folder: Path) -> None:
    """Files manifests refer to, and the audio/ink special cases that are not plain bytes."""
    for name in ("a.wav", "b.wav"):
        (folder / name).write_bytes(audio_bytes("WAV", "PCM_16"))
    for name in ("a.json", "b.json"):
        (folder / name).write_bytes(json_ink_bytes(LINE))


def write_cases(root: Path, parser: str, count: int, seed: int) -> list[tuple[str, Path]]:
    """Write ``count`` cases (hand-made first, then mutations) for ``parser`` under ``root``."""
    rng = random.Random(f"{seed}:{parser}")
    folder = root / parser
    folder.mkdir(parents=True, exist_ok=True)
    _support_files(folder)
    hand = _hand_made(parser)
    if parser == "audio":
        seeds = {f"seed.{k}": f() for k, f in AUDIO_SEEDS.items()}
        hand = {f"{k}.wav" if "." not in k else k: v for k, v in hand.items()}
    else:
        seeds = {f"{k}{SUFFIX[parser]}": v for k, v in hand.items() if "valid" in k}
        hand = {f"{k}{SUFFIX[parser]}": v for k, v in hand.items()}
    cases = []
    for name, data in hand.items():
        (folder / f"hand-{name}").write_bytes(data)
        cases.append((f"hand-{name}", folder / f"hand-{name}"))
    if parser == "audio":
        os.mkfifo(folder / "hand-fifo.wav")
        (folder / "hand-directory.wav").mkdir()
        cases += [(n, folder / n) for n in ("hand-fifo.wav", "hand-directory.wav")]
    names = sorted(seeds)
    for i in range(max(0, count - len(cases))):
        base = rng.choice(names)
        if parser == "checkpoints" and rng.random() < 0.5:
            data = _edit_checkpoint(seeds[base], rng)
        else:
            data = mutate(seeds[base], rng, text=parser not in ("audio", "checkpoints"))
        name = f"mut{i:04d}-{base}"
        (folder / name).write_bytes(data)
        cases.append((name, folder / name))
    return cases[: max(count, 1)] if count < len(cases) else cases
