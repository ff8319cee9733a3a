"""The one inference path: prepared inputs -> encoder -> CTC log-probabilities -> decoder.

Every command (transcribe, recognize, evaluate, tune-lm) and the Python API
(``asr.load``, ``handwriting.load``) run their inputs through ``run_model`` and
``decode_all``; only the task's ``prepare`` function (load input -> features)
and what happens with the result differ. Short inputs are batched (sorted by
length so a batch pads little); long ones stream through the model in
overlapping chunks. Options travel as ``InferenceOptions``, never as an
argparse namespace.

Legend: B batch, T input frames, T' encoder frames, F features, V vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from common.checkpoint import LoadedModel
from common.decoding.hypothesis import Hypothesis, join_nbest

INPUT_ERRORS = (ValueError, OSError)  # bad inputs: reported per input, the others go on


class DeviceError(ValueError):
    """A ``--device`` / ``device=`` that does not exist on this machine (one-line message)."""


def resolve_device(name: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is usable, else ``cpu``; other names are checked.

    Raises:
        DeviceError: unknown device name or a device this machine does not have.
    """
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise DeviceError(f"unknown device {name!r} (expected auto, cpu, cuda or cuda:N)") from None
    if device.type == "cpu":
        return name
    if device.type != "cuda":
        raise DeviceError(f"unsupported device {name!r} (expected auto, cpu, cuda or cuda:N)")
    if not torch.cuda.is_available():
        raise DeviceError(f"device {name!r} asked for, but no CUDA GPU is available (use cpu)")
    if device.index is not None and device.index >= torch.cuda.device_count():
        count = torch.cuda.device_count()
        raise DeviceError(f"device {name!r} asked for, but only {count} CUDA GPU(s) exist")
    return name


@dataclass(frozen=True)
class InferenceOptions:
    """How inputs go through the model and decoder.

    Attributes:
        batch_size: short inputs run through the model together.
        nbest: hypotheses kept per input (1 = the best only).
        progress: draw progress bars on stderr (per input, and per chunk of a long one).
    """

    batch_size: int = 16
    nbest: int = 1
    progress: bool = False


@dataclass(frozen=True)
class Chunk:
    """A window of features whose frames ``[left, left + keep)`` are kept; the rest is context.

    ``left`` must be a multiple of the encoder's subsampling; ``keep`` too, except
    in the last chunk, which keeps everything after ``left``. ``new_segment``: the
    chunk is a segment of its own (cut at a pause, no context), decoded on its own.
    """

    features: torch.Tensor  # (T, F)
    left: int
    keep: int
    new_segment: bool = False


@dataclass(frozen=True)
class Prepared:
    """One input ready for the model: whole features, or chunks streamed from disk.

    Attributes:
        features: (T, F) features of an input run in a batch; None when ``chunks`` is set.
        chunks: overlapping chunks of a long input, read lazily.
        num_chunks: how many ``chunks`` yields (for the progress bar).
        extra: what the task keeps for after decoding (duration, ink and point map, ...).
    """

    features: torch.Tensor | None = None
    chunks: Iterable[Chunk] | None = None
    num_chunks: int = 0
    extra: Any = None


@dataclass(frozen=True)
class Failure:
    """An input that could not be read or featurised, with a one-line reason."""

    index: int
    item: Any
    message: str


@dataclass(frozen=True)
class Emission:
    """Log-probabilities (T', V) of one input."""

    index: int
    item: Any
    log_probs: np.ndarray
    extra: Any = None
    segments: tuple[int, ...] = ()  # first frames of segments decoded on their own


@dataclass(frozen=True)
class Decoded:
    """Decoder output for one input: ``hypotheses[0]`` is the best."""

    index: int
    item: Any
    log_probs: np.ndarray
    hypotheses: list[Hypothesis] = field(default_factory=list)
    extra: Any = None

    @property
    def best(self) -> Hypothesis:
        return self.hypotheses[0]


@torch.inference_mode()
def emissions(
    loaded: LoadedModel, features: list[torch.Tensor], batch_size: int = 16
) -> list[np.ndarray]:
    """Log-probabilities (T', V) for each (T, F) feature tensor, in input order.

    Inputs are sorted by length inside the call so each batch pads little.
    """
    order = sorted(range(len(features)), key=lambda i: features[i].shape[0])
    out: list[np.ndarray | None] = [None] * len(features)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        batch = [features[i] for i in idx]
        lengths = torch.tensor([f.shape[0] for f in batch], dtype=torch.long)
        padded = torch.nn.utils.rnn.pad_sequence(batch, batch_first=True)  # (B, T, F)
        log_probs, out_lengths = loaded.model(padded.to(loaded.device), lengths.to(loaded.device))
        for j, i in enumerate(idx):
            out[i] = log_probs[j, : int(out_lengths[j])].float().cpu().numpy()
    return out  # type: ignore[return-value]


@torch.inference_mode()
def chunked_emissions(
    loaded: LoadedModel, chunks: Iterable[Chunk], segments: list[int] | None = None
) -> np.ndarray:
    """Stitch log-probabilities of overlapping chunks: each keeps only its core frames.

    Memory holds one chunk of features at a time plus the (T', V) result. The first
    frame of every later ``new_segment`` chunk is appended to ``segments`` if given.
    """
    parts: list[np.ndarray] = []
    s = loaded.model.subsampling
    start = 0
    for chunk in chunks:
        lp = emissions(loaded, [chunk.features])[0]
        left = chunk.left // s
        parts.append(lp[left : left + -(-chunk.keep // s)])
        if chunk.new_segment and start > 0 and segments is not None:
            segments.append(start)
        start += len(parts[-1])
    if not parts:
        return np.zeros((0, len(loaded.alphabet)), dtype=np.float32)
    return np.concatenate(parts, axis=0)


def _prepare_batch(
    items: Sequence[Any], first: int, prepare: Callable[[Any], Prepared]
) -> tuple[list[tuple[int, Any, Prepared]], list[Failure]]:
    """``prepare`` each item; unreadable ones become ``Failure``s."""
    ready, failed = [], []
    for offset, item in enumerate(items):
        try:
            ready.append((first + offset, item, prepare(item)))
        except INPUT_ERRORS as err:
            failed.append(Failure(first + offset, item, str(err)))
    return ready, failed


def _stream_chunks(
    loaded: LoadedModel, index: int, item: Any, prep: Prepared, progress: bool
) -> Emission | Failure:
    """Emissions of a long input, chunk by chunk (with a bar of its own when ``progress``)."""
    chunks = tqdm(
        prep.chunks,
        total=prep.num_chunks or None,
        desc=str(item)[-40:],
        unit="chunk",
        leave=False,
        disable=not progress,
    )
    segments: list[int] = []
    try:
        log_probs = chunked_emissions(loaded, chunks, segments)
        return Emission(index, item, log_probs, prep.extra, tuple(segments))
    except INPUT_ERRORS as err:  # a chunk read lazily can still fail
        return Failure(index, item, str(err))


def run_model(
    loaded: LoadedModel,
    items: Sequence[Any],
    prepare: Callable[[Any], Prepared],
    options: InferenceOptions = InferenceOptions(),
) -> Iterator[Emission | Failure]:
    """Log-probabilities of every item, in input order; bad items yield a ``Failure``.

    Items are prepared ``options.batch_size`` at a time, so memory holds one batch of
    features (or one chunk of a long input).
    """
    bar = tqdm(total=len(items), unit="input", disable=not options.progress or len(items) < 2)
    try:
        for first in range(0, len(items), options.batch_size):
            ready, failed = _prepare_batch(
                items[first : first + options.batch_size], first, prepare
            )
            whole = [r for r in ready if r[2].features is not None]
            lps = emissions(loaded, [r[2].features for r in whole], options.batch_size)
            results: list[Emission | Failure] = list(failed)
            results += [
                Emission(i, item, lp, p.extra) for (i, item, p), lp in zip(whole, lps, strict=True)
            ]
            results += [
                _stream_chunks(loaded, i, item, p, options.progress)
                for i, item, p in ready
                if p.features is None
            ]
            for result in sorted(results, key=lambda r: r.index):
                bar.update(1)
                yield result
    finally:
        bar.close()


def decode_one(decoder: Any, log_probs: np.ndarray, nbest: int) -> list[Hypothesis]:
    """The ``nbest`` best hypotheses of one input (one when ``nbest`` is 1), best first."""
    return decoder.decode_nbest(log_probs, nbest) if nbest > 1 else [decoder.decode(log_probs)]


def decode_segments(
    decoder: Any, log_probs: np.ndarray, segments: Sequence[int], nbest: int, space: int | None
) -> list[Hypothesis]:
    """``decode_one`` of each segment ``[segments[i], segments[i+1])``, joined by spaces."""
    offsets = [0, *segments]
    bounds = [*offsets, len(log_probs)]
    per_segment = [
        decode_one(decoder, log_probs[a:b], nbest) for a, b in zip(bounds, bounds[1:], strict=False)
    ]
    return join_nbest(per_segment, offsets, space, nbest)


def decode_all(
    loaded: LoadedModel,
    items: Sequence[Any],
    prepare: Callable[[Any], Prepared],
    decoder: Any,
    options: InferenceOptions = InferenceOptions(),
) -> Iterator[Decoded | Failure]:
    """``run_model`` then the decoder: one ``Decoded`` (or ``Failure``) per item, in order."""
    space = loaded.alphabet.index().get(" ")
    for result in run_model(loaded, items, prepare, options):
        if isinstance(result, Failure):
            yield result
            continue
        if result.segments:
            hyps = decode_segments(decoder, result.log_probs, result.segments, options.nbest, space)
        else:
            hyps = decode_one(decoder, result.log_probs, options.nbest)
        yield Decoded(result.index, result.item, result.log_probs, hyps, result.extra)
