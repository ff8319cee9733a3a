"""The HTTP API through FastAPI's test client: happy paths of both tasks and every error.

Truths are independent of the server: the text the ink was drawn from, soundfile's
duration of the audio, the recognizer called directly, the model's own alphabet.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import soundfile as sf

from common.serve.models import Models

INK_URL = "/v1/handwriting/recognize"
ASR_URL = "/v1/asr/transcribe"
HELLO = "hello world"  # the text ``hello_ink`` was drawn from


def audio_upload(path, name=None, mime="audio/flac"):
    return {"file": (name or path.name, path.read_bytes(), mime)}


def wav_bytes(samples: np.ndarray, rate: int, subtype: str = "PCM_16") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, samples, rate, format="WAV", subtype=subtype)
    return buf.getvalue()


def assert_error(response, status: int, *fragments: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["status"] == status and error["code"] and "\n" not in error["message"]
    for fragment in fragments:
        assert fragment in error["message"], error["message"]
    return error


# ---------------------------------------------------------------- service routes


def test_health_models_docs_and_page(client, served_models):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["models"] == {"asr": True, "handwriting": True}
    assert health["queue"]["capacity"] == 32 and health["queue"]["pending"] == 0

    info = client.get("/v1/models").json()
    assert info["asr"]["alphabet"] == served_models.asr.alphabet
    assert info["handwriting"]["alphabet"] == served_models.ink.alphabet
    assert "AN4" in info["asr"]["domain"] and info["asr"]["features"]["sample_rate"] == 16000
    assert info["handwriting"]["features"]["kind"] in ("offsets", "bezier")
    assert info["handwriting"]["lm"]["available"] and info["asr"]["lm"] is None
    assert "/" not in info["asr"]["path"]  # no server folders leak
    assert info["limits"]["max_upload_bytes"] == 100 * 1024 * 1024

    paths = client.get("/openapi.json").json()["paths"]
    assert {ASR_URL, INK_URL, "/healthz", "/v1/models"} <= set(paths)
    assert "multipart/form-data" in paths[ASR_URL]["post"]["requestBody"]["content"]
    assert "application/json" in paths[INK_URL]["post"]["requestBody"]["content"]
    assert "swagger" in client.get("/docs").text.lower()

    page = client.get("/")
    assert page.status_code == 200 and 'id="ink-canvas"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("app.js", "style.css", "favicon.svg"):
        assert client.get(f"/static/{asset}").status_code == 200


def test_unknown_routes_use_the_error_format(client):
    assert_error(client.get("/nope"), 404)
    assert_error(client.get(ASR_URL), 405)
    assert_error(client.get("/v1/samples/../../pyproject.toml"), 404)


def test_shipped_samples_are_served(client, an4_sample):
    names = [s["name"] for s in client.get("/v1/samples").json()]
    assert an4_sample.name in names
    assert client.get(f"/v1/samples/{an4_sample.name}").content == an4_sample.read_bytes()
    assert_error(client.get("/v1/samples/missing.flac"), 404, "missing.flac")


# ---------------------------------------------------------------- handwriting


def test_recognize_reads_the_drawn_text_and_locates_each_character(client, hello_ink, hello_json):
    out = client.post(INK_URL, json=hello_json).json()
    assert out["text"] == HELLO
    assert out["points"] == hello_ink.num_points
    chars = out["spans"]["chars"]
    assert [c["text"] for c in chars] == list(HELLO.replace(" ", ""))
    starts = [c["start_point"] for c in chars]
    assert starts == sorted(starts)
    assert all(0 <= c["start_point"] < c["end_point"] <= out["points"] for c in chars)
    times = hello_ink.points[:, 2]
    assert all(c["start_time"] == pytest.approx(times[c["start_point"]], abs=1e-3) for c in chars)
    assert [w["text"] for w in out["spans"]["words"]] == HELLO.split()
    assert out["nbest"][0]["text"] == HELLO


def test_recognize_nbest_and_character_lm(client, hello_json):
    plain = client.post(f"{INK_URL}?nbest=5", json=hello_json).json()
    with_lm = client.post(f"{INK_URL}?nbest=5&lm=true", json=hello_json).json()
    for out in (plain, with_lm):
        texts = [a["text"] for a in out["nbest"]]
        assert texts[0] == out["text"] == HELLO
        assert len(texts) == len(set(texts)) == 5
        scores = [a["score"] for a in out["nbest"]]
        assert scores == sorted(scores, reverse=True)
    assert with_lm["score"] != plain["score"]  # the LM adds its score


def test_recognize_y_up_flips_the_ink(client, hello_ink):
    flipped = {"strokes": [[[x, -y, t] for x, y, t in s.tolist()] for s in hello_ink.strokes]}
    assert client.post(f"{INK_URL}?y_up=true", json=flipped).json()["text"] == HELLO


def test_points_without_timestamps_are_accepted(client, hello_ink):
    untimed = {"strokes": [s[:, :2].tolist() for s in hello_ink.strokes]}
    assert client.post(INK_URL, json=untimed).json()["text"] == HELLO


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{", "malformed JSON"),
        (b"", "malformed JSON"),
        (b"[1, 2]", "'strokes' list"),
        (b'{"strokes": "abc"}', "'strokes' list"),
        (b'{"strokes": [[[1, "a"]]]}', "stroke 0"),
        (b'{"strokes": [[[1, 2, 0]]]}', "point"),
        (b'{"strokes": [[[1, 2, 0], [NaN, 3, 1]]]}', "non-finite"),
        (b'{"strokes": [[[1, 2], [2, 3]], [[4, 5, 0], [6, 7, 1]]]}', "mix"),
        (b"[" * 100_000 + b"]" * 100_000, "malformed JSON"),
    ],
)
def test_malformed_ink_is_422(client, body, fragment):
    response = client.post(INK_URL, content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 422, fragment)


def test_ink_limits_are_413(make_client, hello_json):
    small = make_client(max_ink_points=100)
    assert_error(small.post(INK_URL, json=hello_json), 413, "points", "limit 100")
    tiny_body = make_client(max_ink_bytes=1000)
    assert_error(tiny_body.post(INK_URL, json=hello_json), 413, "1000 bytes")


def test_a_chunked_body_is_cut_off_at_the_limit(make_client, hello_json):
    body = json.dumps(hello_json).encode()
    chunks = (body[i : i + 500] for i in range(0, len(body), 500))  # no Content-Length
    small = make_client(max_ink_bytes=1000)
    headers = {"Content-Type": "application/json"}
    assert_error(small.post(INK_URL, content=chunks, headers=headers), 413, "1000 bytes")


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data", ""])
def test_ink_of_the_wrong_media_type_is_415(client, content_type, hello_json):
    body = json.dumps(hello_json).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(INK_URL, content=body, headers=headers)
    assert_error(response, 415, "application/json")


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("nbest=0", "nbest"),
        ("nbest=11", "nbest"),
        ("beam_size=0", "beam_size"),
        ("decoder=viterbi", "decoder"),
        ("lm=maybe", "lm"),
    ],
)
def test_bad_ink_options_are_422(client, query, fragment, hello_json):
    assert_error(client.post(f"{INK_URL}?{query}", json=hello_json), 422, fragment)


# ---------------------------------------------------------------- speech


def test_transcribe_matches_the_recognizer_and_times_words(client, served_models, an4_sample):
    out = client.post(ASR_URL, files=audio_upload(an4_sample)).json()
    direct = served_models.asr.transcribe(an4_sample)
    assert out["text"] == direct.text and out["text"]
    assert out["duration"] == pytest.approx(sf.info(str(an4_sample)).duration, abs=1e-3)
    assert " ".join(w["word"] for w in out["words"]) == out["text"]
    bounds = [(w["start"], w["end"]) for w in out["words"]]
    assert all(0 <= a <= b <= out["duration"] for a, b in bounds)
    assert [a for a, _ in bounds] == sorted(a for a, _ in bounds)


def test_transcribe_reads_other_formats_rates_and_channels(client, an4_sample):
    samples, rate = sf.read(str(an4_sample), dtype="float32")
    stereo = np.stack([samples, samples], axis=1)
    wav = wav_bytes(stereo, rate, "FLOAT")
    out = client.post(ASR_URL, files={"file": ("x.wav", wav, "audio/wav")}).json()
    assert out["duration"] == pytest.approx(len(samples) / rate, abs=1e-3)
    assert out["text"] == client.post(ASR_URL, files=audio_upload(an4_sample)).json()["text"]


def test_transcribe_beam_nbest(client, an4_sample):
    form = {"decoder": "beam", "beam_size": "16", "nbest": "3"}
    out = client.post(ASR_URL, files=audio_upload(an4_sample), data=form).json()
    assert 1 <= len(out["nbest"]) <= 3 and out["nbest"][0]["text"] == out["text"]


def test_unreadable_audio_is_415_and_names_the_upload(client):
    response = client.post(ASR_URL, files={"file": ("notes.txt", b"hello there", "text/plain")})
    error = assert_error(response, 415, "notes.txt")
    assert "inkspeech-" not in error["message"]  # the server's temp path stays private


@pytest.mark.parametrize(
    ("samples", "subtype", "fragment"),
    [
        (np.zeros(0, np.float32), "PCM_16", "no samples"),
        (np.array([0.1, np.nan, 0.2] * 100, np.float32), "FLOAT", "NaN"),
    ],
)
def test_empty_or_non_finite_audio_is_422(client, samples, subtype, fragment):
    wav = wav_bytes(samples, 16000, subtype)
    assert_error(client.post(ASR_URL, files={"file": ("bad.wav", wav)}), 422, fragment)


def test_audio_limits_are_413(make_client, an4_sample):
    short = make_client(max_audio_seconds=1.0)
    assert_error(short.post(ASR_URL, files=audio_upload(an4_sample)), 413, "limit 1 s")
    small = make_client(max_upload_bytes=10_000)
    assert_error(small.post(ASR_URL, files=audio_upload(an4_sample)), 413, "10000 bytes")


def test_wrong_media_type_and_missing_file(client, an4_sample):
    assert_error(client.post(ASR_URL, json={"file": "x"}), 415, "multipart/form-data")
    body = an4_sample.read_bytes()
    raw = client.post(ASR_URL, content=body, headers={"Content-Type": "audio/flac"})
    assert_error(raw, 415, "got audio/flac")
    assert_error(client.post(ASR_URL, data={"nbest": "2"}, files={"x": ("a", b"")}), 422, "file")


@pytest.mark.parametrize(
    ("form", "fragment"),
    [
        ({"nbest": "0"}, "nbest"),
        ({"beam_size": "9999"}, "beam_size"),
        ({"decoder": "magic"}, "decoder"),
        ({"lm": "true"}, "without a speech language model"),
        ({"hotwords": ",".join(["w"] * 101)}, "hotwords"),
    ],
)
def test_bad_speech_options_are_422(client, an4_sample, form, fragment):
    response = client.post(ASR_URL, files=audio_upload(an4_sample), data=form)
    assert_error(response, 422, fragment)


def test_uploads_leave_no_temporary_files(client, an4_sample, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    client.post(ASR_URL, files=audio_upload(an4_sample))
    client.post(ASR_URL, files={"file": ("bad.txt", b"nope")})
    assert not list(tmp_path.glob("inkspeech-*"))


# ---------------------------------------------------------------- queue and missing models


def test_full_queue_is_503_and_frees_up(make_client, hello_json):
    import threading

    client = make_client(workers=1, queue_size=2)
    queue = client.app.state.queue
    release = threading.Event()
    blockers = [queue.submit(release.wait, 30) for _ in range(2)]
    response = client.post(INK_URL, json=hello_json)
    assert_error(response, 503, "busy", "limit 2")
    assert response.headers["retry-after"] == "1"
    assert client.get("/healthz").json()["queue"]["rejected"] == 1
    release.set()
    for blocker in blockers:
        blocker.result(timeout=30)
    assert client.post(INK_URL, json=hello_json).json()["text"] == HELLO


def test_a_task_served_without_its_model_is_503(make_client, served_models, an4_sample, hello_json):
    ink_only = make_client(models=Models(ink=served_models.ink))
    assert ink_only.get("/healthz").json()["models"] == {"asr": False, "handwriting": True}
    assert ink_only.get("/v1/models").json()["asr"] is None
    assert_error(ink_only.post(ASR_URL, files=audio_upload(an4_sample)), 503, "speech model")
    no_lm = make_client(models=Models(ink=served_models.ink))
    assert_error(no_lm.post(f"{INK_URL}?lm=true", json=hello_json), 422, "language model")
