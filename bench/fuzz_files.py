"""Valid and hand-made hostile files for ``bench/fuzz.py``: audio, ink (IAM-OnDB XML, InkML,
JSON) and JSON-lines manifests, one hand-made case per defect of issue #12."""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Callable

import numpy as np
import soundfile as sf


def audio_bytes(
    fmt: str, subtype: str | None = None, rate: int = 16000, seconds: float = 0.5, channels: int = 1
) -> bytes:
    n = int(rate * seconds)
    x = 0.3 * np.sin(2 * np.pi * 300 * np.arange(n) / rate)
    data = np.repeat(x[:, None], channels, axis=1).astype(np.float32)
    buf = io.BytesIO()
    sf.write(buf, data, rate, format=fmt, subtype=subtype)
    return buf.getvalue()


def wav_header_bytes(rate: int = 16000, channels: int = 1, data_bytes: int | None = None) -> bytes:
    """A PCM-16 WAV whose header claims ``rate``/``channels``/``data_bytes`` over 1 s of audio."""
    data = bytearray(audio_bytes("WAV", "PCM_16", seconds=1.0))
    data[22:24] = struct.pack("<H", channels % 65536)
    data[24:28] = struct.pack("<I", rate % 2**32)
    data[28:32] = struct.pack("<I", (rate * 2 * max(channels, 1)) % 2**32)
    if data_bytes is not None:
        data[40:44] = struct.pack("<I", data_bytes % 2**32)
    return bytes(data)


def iam_bytes(points_by_stroke: list[list[tuple]], encoding: str = "ISO-8859-1") -> bytes:
    strokes = "".join(
        "<Stroke>" + "".join(f'<Point x="{x}" y="{y}" time="{t}"/>' for x, y, t in s) + "</Stroke>"
        for s in points_by_stroke
    )
    head = f'<?xml version="1.0" encoding="{encoding}"?>'
    return (
        head + f"<WhiteboardCaptureSession><StrokeSet>{strokes}</StrokeSet>"
        "</WhiteboardCaptureSession>"
    ).encode("latin-1")


def inkml_bytes(points_by_stroke: list[list[tuple]], encoding: str = "UTF-8") -> bytes:
    traces = "".join(
        "<trace>" + ", ".join(f"{x} {y} {t}" for x, y, t in s) + "</trace>"
        for s in points_by_stroke
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><ink xmlns="http://www.w3.org/2003/InkML">'
        '<traceFormat><channel name="X"/><channel name="Y"/><channel name="T" units="s"/>'
        f'</traceFormat>{traces}<annotation type="truth">hi</annotation></ink>'
    ).encode()


def json_ink_bytes(points_by_stroke: list[list[tuple]]) -> bytes:
    return json.dumps({"strokes": points_by_stroke, "text": "hi"}).encode()


LINE = [
    [(10, 20, 1.0), (14, 29, 1.01), (19, 24, 1.02), (25, 22, 1.03)],
    [(30, 21, 1.2), (35, 28, 1.21)],
    [(40, 20, 1.4), (41, 30, 1.41), (46, 22, 1.42)],
]
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(b'<!ENTITY %c "%s">' % (98 + i, b"&%c;" % (97 + i) * 10) for i in range(8))
    + b"]><ink><trace>&i;</trace></ink>"
)
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ink>&e;</ink>'
HUGE_EXTENT = [[(k * 1e5, (k * 7919) % 1000, k / 100) for k in range(1000)]]
AT_LIMIT = [[((k * 37) % 3000, (k * 11) % 100, k / 100)] for k in range(20_000)]


def ink_cases(make: Callable[[list], bytes]) -> dict[str, bytes]:
    """Hand-made ink cases shared by the three ink formats."""
    return {
        "valid": make(LINE),
        "backwards_and_restart": make([LINE[0], [(p[0], p[1], p[2] - 1.1) for p in LINE[1]]]),
        "empty_and_duplicate_strokes": make([LINE[0], [], LINE[0]]),
        "huge_extent": make(HUGE_EXTENT),
        "timestamps_1e300": make([[(0, 0, 0), (1, 1, 1e300), (2, 2, 2e300)]]),
        "coordinates_1e400": make([[(0, 0, 0), ("1e400", 1, 1)]]),
        "at_point_limit": make(AT_LIMIT),
        "over_point_limit": make(AT_LIMIT + [[(1, 1, 999.0)]]),
        "single_point": make([[(1, 1, 0)]]),
        "no_points": make([[], []]),
    }


def xml_cases(make: Callable[..., bytes]) -> dict[str, bytes]:
    cases = ink_cases(make)
    cases |= {
        "unknown_encoding": make(LINE, encoding="x-no-such-codec"),
        "billion_laughs": BILLION_LAUGHS,
        "xxe": XXE,
        "deep_nesting": b"<a>" * 100_000 + b"</a>" * 100_000,
    }
    return cases


def audio_cases() -> dict[str, bytes]:
    flac = audio_bytes("FLAC", seconds=1.0)
    mp3 = bytearray(audio_bytes("MP3", seconds=1.0))
    mp3[4:40] = bytes(range(200, 236))
    return {
        "truncated_flac": flac[: len(flac) // 2] + b"\xff" * 200,
        "gsm610_wav": audio_bytes("WAV", "GSM610", rate=8000, seconds=2.0),
        "rate_44101": audio_bytes("WAV", "PCM_16", rate=44_101, seconds=1.0),
        "rate_96001": audio_bytes("WAV", "PCM_16", rate=96_001, seconds=1.0),
        "rate_1_header": wav_header_bytes(rate=1),
        "rate_4e9_header": wav_header_bytes(rate=4_000_000_000),
        "channels_0_header": wav_header_bytes(channels=0),
        "channels_65535_header": wav_header_bytes(channels=65535),
        "data_4gb_header": wav_header_bytes(data_bytes=2**32 - 2),
        "corrupted_mp3_header": bytes(mp3),
        "nan_float_wav": nan_wav_bytes(),
        "empty_file": b"",
        "stereo_44100": audio_bytes("WAV", "PCM_16", rate=44_100, channels=2),
    }


def nan_wav_bytes() -> bytes:
    buf = io.BytesIO()
    sf.write(buf, np.array([0.1, np.nan, 0.2], np.float32), 16000, format="WAV", subtype="FLOAT")
    return buf.getvalue()


AUDIO_SEEDS = {
    "wav": lambda: audio_bytes("WAV", "PCM_16"),
    "flac": lambda: audio_bytes("FLAC"),
    "ogg": lambda: audio_bytes("OGG", "VORBIS"),
    "mp3": lambda: audio_bytes("MP3"),
    "sph": lambda: audio_bytes("NIST", "PCM_16"),
    "wav_float": lambda: audio_bytes("WAV", "FLOAT", 22050),
}


def manifest_cases() -> dict[str, bytes]:
    asr = [
        {"audio_filepath": "a.wav", "duration": 0.5, "text": "yes", "speaker": "s1"},
        {"audio_filepath": "b.wav", "text": "no", "id": "b2"},
    ]
    ink = [
        {"ink_filepath": "a.json", "text": "hi", "speaker": "w1"},
        {"ink_filepath": "b.json", "text": "yo", "id": "b2"},
    ]

    def lines(entries: list) -> bytes:
        return (
            "\n".join(e if isinstance(e, str) else json.dumps(e) for e in entries) + "\n"
        ).encode()

    deep = "[" * 100_000 + "]" * 100_000
    cases = {"asr-valid": lines(asr), "ink-valid": lines(ink)}
    for kind, entries, key in (("asr", asr, "audio_filepath"), ("ink", ink, "ink_filepath")):
        cases |= {
            f"{kind}-nonstring_path": lines([entries[0], {key: 12, "text": "x"}]),
            f"{kind}-list_path": lines([{key: ["a"], "text": "x"}]),
            f"{kind}-nul_path": lines([{key: "a\u0000.wav", "text": "x"}]),
            f"{kind}-long_path": lines([{key: "n" * 5000, "text": "x"}]),
            f"{kind}-deep_nesting": lines([entries[0], deep]),
            f"{kind}-duplicate_ids": lines([entries[0], {**entries[0], "text": "again"}]),
            f"{kind}-huge_int": lines(
                [entries[0], f'{{"{key}": "a.wav", "text": "x", "id": {"1" * 5000}}}']
            ),
            f"{kind}-not_utf8": lines([entries[0]]) + b'{"text": "\xff\xfe"}\n',
            f"{kind}-long_line": lines([{key: "a", "text": "x" * (1 << 21)}]),
        }
    for value in (
        "NaN",
        "Infinity",
        "-Infinity",
        "true",
        "1e999",
        "-1",
        "0",
        '"3"',
        "1e9",
        "1" + "0" * 400,
    ):
        name = value.strip('"')[:12]
        cases[f"asr-duration_{name}"] = lines(
            [f'{{"audio_filepath": "a.wav", "text": "x", "duration": {value}}}']
        )
    return cases
