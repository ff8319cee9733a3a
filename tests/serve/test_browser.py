"""The page in a real browser: headless Debian Chromium driven by Playwright against a live
``inkspeech serve``. Ink is drawn with real pointer events and must read back as the text
it was drawn from; audio is uploaded (and recorded from a fake microphone) and the page
must show what the API says. Screenshots are saved as test artifacts."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest
import soundfile as sf

pytestmark = pytest.mark.slow

HELLO = "hello world"  # the text ``hello_ink`` was drawn from
WIDE = {"width": 1000, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000


def draw(page, ink, margin: float = 40.0) -> None:
    """Draw ``ink`` (y down) onto the canvas with mouse pointer events, scaled to fit."""
    box = page.locator("#ink-canvas").bounding_box()
    xy = ink.points[:, :2]
    low, size = xy.min(axis=0), np.ptp(xy, axis=0)
    scale = min((box["width"] - 2 * margin) / size[0], (box["height"] - 2 * margin) / size[1])
    origin = np.array([box["x"], box["y"]]) + margin
    for stroke in ink.strokes:
        points = (stroke[:, :2] - low) * scale + origin
        page.mouse.move(*points[0])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(x, y)
        page.mouse.up()


@pytest.fixture(scope="module")
def drawn_page(browser, live_server, hello_ink):
    """A page on which 'hello world' was written and recognised."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport=WIDE, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server)
    expect(page.locator("#server-status")).to_contain_text("Server ready")
    draw(page, hello_ink)
    expect(page.locator("#ink-text")).to_have_text(HELLO, timeout=TIMEOUT_MS)
    yield page
    assert not errors, errors
    context.close()


def test_ink_drawn_with_pointer_events_is_recognised(drawn_page, hello_ink, save_screenshot):
    from playwright.sync_api import expect

    page = drawn_page
    chars = page.locator("#ink-text .ch")
    expect(chars).to_have_count(len(HELLO.replace(" ", "")))
    expect(page.locator("#ink-nbest li").first).to_contain_text(HELLO)
    assert page.locator("#ink-nbest li").count() > 1
    expect(page.locator("#ink-domain")).to_contain_text("synthetic")
    save_screenshot(page, "web")
    chars.nth(4).hover()  # the 'o' of hello: its span is emphasised on the ink
    expect(chars.nth(4)).to_have_class("ch active")


def test_downloads_hold_the_drawn_ink(drawn_page, hello_ink, tmp_path):
    from handwriting.readers.inkml import read_inkml
    from handwriting.readers.json_ink import read_json_ink

    page = drawn_page
    saved = {}
    for button, name in (("#ink-json", "ink.json"), ("#ink-inkml", "ink.inkml")):
        with page.expect_download() as info:
            page.click(button)
        saved[name] = tmp_path / name
        info.value.save_as(saved[name])
    from_json, from_inkml = read_json_ink(saved["ink.json"]), read_inkml(saved["ink.inkml"])
    assert from_json.text == from_inkml.text == HELLO
    assert from_json.num_strokes == from_inkml.num_strokes == hello_ink.num_strokes
    assert np.allclose(from_json.points, from_inkml.points)
    sent = json.loads(saved["ink.json"].read_text())["strokes"]
    assert sum(map(len, sent)) == from_json.num_points >= 0.9 * hello_ink.num_points


def test_undo_and_clear(drawn_page):
    from playwright.sync_api import expect

    page = drawn_page
    page.click("#ink-undo")
    expect(page.locator("#ink-text")).not_to_have_text(HELLO, timeout=TIMEOUT_MS)
    page.click("#ink-clear")
    expect(page.locator("#ink-text")).to_be_empty()
    expect(page.locator("#ink-undo")).to_be_disabled()


def test_uploaded_synthesised_audio_is_transcribed(
    browser, live_server, spoken_flac, save_screenshot
):
    from playwright.sync_api import expect

    with spoken_flac.open("rb") as f:
        api = httpx.post(f"{live_server}/v1/asr/transcribe", files={"file": f}, timeout=60).json()
    page = browser.new_page(viewport=WIDE)
    page.goto(f"{live_server}/#speech")
    expect(page.locator("#speech-domain")).to_contain_text("AN4")
    page.set_input_files("#audio-file", str(spoken_flac))
    shown = api["text"] or "(silence)"
    expect(page.locator("#speech-text")).to_have_text(shown, timeout=TIMEOUT_MS)
    words = page.locator("#speech-words button")
    expect(words).to_have_count(len(api["words"]))
    seconds = sf.info(str(spoken_flac)).duration
    expect(page.locator("#speech-duration")).to_contain_text(f"{seconds:.2f} s")
    save_screenshot(page, "web-speech")
    if api["words"]:  # clicking a word plays its span and stops at its end
        word = api["words"][-1]
        words.last.click()
        page.wait_for_function("() => document.getElementById('player').paused", timeout=10_000)
        at = page.evaluate("document.getElementById('player').currentTime")
        assert word["start"] <= at <= word["end"] + 0.3
    page.close()


def test_microphone_recording_is_sent_as_wav(launch, live_server, spoken_flac, tmp_path):
    """A fake microphone plays a WAV; the page records it, converts it and transcribes it."""
    from playwright.sync_api import expect

    wav = tmp_path / "mic.wav"
    samples, rate = sf.read(str(spoken_flac))
    sf.write(wav, samples, rate, subtype="PCM_16")
    fake_mic = (
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
    )
    page = launch(*fake_mic).new_page(viewport=WIDE)
    page.goto(f"{live_server}/#speech")
    expect(page.locator("#record")).to_be_enabled()
    page.click("#record")
    expect(page.locator("#record")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(2000)
    page.click("#record")
    duration = page.locator("#speech-duration")
    expect(duration).to_contain_text("recording.wav", timeout=TIMEOUT_MS)
    seconds = float(duration.inner_text().split(",")[-1].strip().removesuffix(" s"))
    assert 1.5 <= seconds <= 4.0
    expect(page.locator("#speech-error")).to_be_empty()
    page.close()


def test_phone_sized_screen(browser, live_server, save_screenshot):
    from playwright.sync_api import expect

    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{live_server}/#speech")
    page.click("#sample")  # a shipped AN4 recording: the speaker spells 'pittsburgh'
    expect(page.locator("#speech-text")).to_have_text("p i t t s b u r g h", timeout=TIMEOUT_MS)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    save_screenshot(page, "web-phone")
    page.click("#tab-ink")
    canvas = page.locator("#ink-canvas").bounding_box()
    assert canvas["x"] >= 0 and canvas["x"] + canvas["width"] <= PHONE["width"]
    for name in ("Handwriting", "Speech"):
        expect(page.get_by_role("tab", name=name)).to_be_visible()
    page.close()


def test_api_docs_render_without_a_network(browser, live_server):
    """/docs is Swagger UI with its assets served by the app (the test machine is offline)."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport=WIDE)
    page.goto(f"{live_server}/docs")
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible(timeout=TIMEOUT_MS)
    paths = set(operations.all_inner_texts())
    assert {"/v1/asr/transcribe", "/v1/handwriting/recognize"} <= {p.strip() for p in paths}
    page.close()
