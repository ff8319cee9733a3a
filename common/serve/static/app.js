// inkspeech page: pen input and speech, recognised by the server's HTTP API.
// Plain browser JavaScript, no build step. Three parts: tabs and server info,
// the handwriting canvas (capture -> POST /v1/handwriting/recognize -> spans on the ink),
// and speech (file or microphone -> WAV -> POST /v1/asr/transcribe -> clickable words).
"use strict";

const $ = (id) => document.getElementById(id);
const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42a5b5",
  "#f032e6", "#9a9a0a", "#c2185b", "#008080", "#9a6324", "#1a7f5a"];
const RECOGNIZE_DELAY_MS = 450; // debounce after pen-up
const NBEST = 5;

// ---------------------------------------------------------------- API helpers

async function apiError(response) {
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) return body.error.message;
  } catch (_) { /* not JSON */ }
  return `HTTP ${response.status} ${response.statusText}`;
}

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(await apiError(response));
  return response.json();
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---------------------------------------------------------------- tabs and server info

function selectTab(tab) {
  for (const t of document.querySelectorAll('[role="tab"]')) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  history.replaceState(null, "", tab.id === "tab-speech" ? "#speech" : "#ink");
  if (tab.id === "tab-ink") ink.resize();
}

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      selectTab(next);
      next.focus();
    });
  });
  if (location.hash === "#speech") selectTab($("tab-speech"));
}

async function loadServerInfo() {
  const status = $("server-status");
  try {
    const response = await fetch("/v1/models");
    if (!response.ok) throw new Error(await apiError(response));
    const info = await response.json();
    const parts = [];
    if (info.handwriting) parts.push(`handwriting: ${info.handwriting.name}`);
    if (info.asr) parts.push(`speech: ${info.asr.name}`);
    status.textContent = `Server ready — ${parts.join(" · ")}`;
    ink.configure(info.handwriting, info.limits);
    speech.configure(info.asr, info.limits);
  } catch (err) {
    status.textContent = `Server unreachable (${err.message}). Is inkspeech serve running?`;
    status.classList.add("down");
  }
}

// ---------------------------------------------------------------- handwriting

const ink = {
  canvas: null, ctx: null,
  strokes: [],       // each {points: [[x, y, t], ...], pressure: [...]} in CSS pixels, t in s
  active: null,      // the stroke being drawn, with its pointerId
  t0: null,          // timeStamp (ms) of the first point of this ink
  result: null,      // last recognition shown on the ink
  highlight: -1,     // index of the character span emphasised on hover
  seq: 0,            // number of the newest request; older answers are dropped
  timer: null,
  maxPoints: Infinity,

  init() {
    this.canvas = $("ink-canvas");
    this.ctx = this.canvas.getContext("2d");
    const c = this.canvas;
    c.addEventListener("pointerdown", (e) => this.down(e));
    c.addEventListener("pointermove", (e) => this.move(e));
    c.addEventListener("pointerup", (e) => this.up(e));
    c.addEventListener("pointercancel", (e) => this.up(e));
    c.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "z") { e.preventDefault(); this.undo(); }
    });
    $("ink-undo").addEventListener("click", () => this.undo());
    $("ink-clear").addEventListener("click", () => this.clear());
    $("ink-lm").addEventListener("change", () => this.schedule(0));
    $("ink-json").addEventListener("click", () => this.downloadJSON());
    $("ink-inkml").addEventListener("click", () => this.downloadInkML());
    new ResizeObserver(() => this.resize()).observe(c);
    this.resize();
    this.updateButtons();
  },

  configure(info, limits) {
    const lm = $("ink-lm");
    if (!info) {
      $("ink-domain").textContent = "This server has no handwriting model.";
      this.canvas.setAttribute("aria-disabled", "true");
      return;
    }
    $("ink-domain").textContent = `Model ${info.name} reads ${info.domain}`;
    this.maxPoints = limits.max_ink_points;
    lm.disabled = !(info.lm && info.lm.available);
    lm.parentElement.title = info.lm ? `Rescore with a ${info.lm.description}` : "No LM on this server";
  },

  resize() {
    const c = this.canvas, dpr = window.devicePixelRatio || 1;
    if (!c.clientWidth) return;
    c.width = Math.round(c.clientWidth * dpr);
    c.height = Math.round(c.clientHeight * dpr);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.draw();
  },

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    if (this.t0 === null) this.t0 = e.timeStamp;
    const last = this.active.points[this.active.points.length - 1];
    const t = Math.max(last ? last[2] : 0, (e.timeStamp - this.t0) / 1000);
    const x = +(e.clientX - r.left).toFixed(2), y = +(e.clientY - r.top).toFixed(2);
    if (last && last[0] === x && last[1] === y) return;
    this.active.points.push([x, y, +t.toFixed(3)]);
    this.active.pressure.push(e.pointerType === "pen" && e.pressure > 0 ? e.pressure : 0.5);
  },

  down(e) {
    if (this.active || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    clearTimeout(this.timer);
    this.seq++; // answers for the ink before this stroke are stale
    this.result = null;
    this.active = { points: [], pressure: [], id: e.pointerId };
    this.strokes.push(this.active);
    this.point(e);
    $("ink-hint").hidden = true;
    this.draw();
  },

  move(e) {
    if (!this.active || e.pointerId !== this.active.id) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) this.point(ev);
    this.draw();
  },

  up(e) {
    if (!this.active || e.pointerId !== this.active.id) return;
    this.point(e);
    this.active = null;
    this.updateButtons();
    this.schedule(RECOGNIZE_DELAY_MS);
  },

  undo() {
    if (this.active || !this.strokes.length) return;
    this.strokes.pop();
    this.changed();
  },

  clear() {
    if (this.active) return;
    this.strokes = [];
    this.t0 = null;
    this.changed();
  },

  changed() {
    this.seq++;
    this.result = null;
    this.showResult(null);
    $("ink-hint").hidden = this.strokes.length > 0;
    this.updateButtons();
    this.draw();
    this.schedule(RECOGNIZE_DELAY_MS);
  },

  updateButtons() {
    const empty = this.strokes.length === 0;
    for (const id of ["ink-undo", "ink-clear", "ink-json", "ink-inkml"]) $(id).disabled = empty;
  },

  numPoints() {
    return this.strokes.reduce((n, s) => n + s.points.length, 0);
  },

  // The ink in the project's JSON format (y down, t in seconds).
  toJSON() {
    const text = this.result ? this.result.text : "";
    return { id: "canvas", text, strokes: this.strokes.map((s) => s.points) };
  },

  schedule(delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.recognize(), delay);
  },

  async recognize() {
    const seq = ++this.seq, count = this.numPoints();
    $("ink-error").textContent = "";
    if (count < 2) return this.showResult(null);
    if (count > this.maxPoints) {
      $("ink-error").textContent = `Too much ink (${count} points, limit ${this.maxPoints}): clear some.`;
      return;
    }
    const lm = $("ink-lm").checked && !$("ink-lm").disabled;
    const query = new URLSearchParams({ nbest: NBEST, lm });
    $("ink-busy").hidden = false;
    try {
      const body = { strokes: this.strokes.map((s) => s.points) };
      const result = await postJSON(`/v1/handwriting/recognize?${query}`, body);
      if (seq !== this.seq) return; // the ink changed meanwhile
      this.result = result;
      this.showResult(result);
    } catch (err) {
      if (seq === this.seq) $("ink-error").textContent = err.message;
    } finally {
      if (seq === this.seq) $("ink-busy").hidden = true;
    }
    this.draw();
  },

  showResult(result) {
    const text = $("ink-text"), list = $("ink-nbest");
    text.replaceChildren();
    list.replaceChildren();
    this.highlight = -1;
    if (!result) return;
    let k = 0;
    for (const ch of result.text) {
      if (ch === " ") { text.append(" "); continue; }
      const span = Object.assign(document.createElement("span"), { className: "ch", textContent: ch });
      const index = k++;
      span.style.color = PALETTE[index % PALETTE.length];
      span.tabIndex = 0;
      const show = (on) => { this.highlight = on ? index : -1; span.classList.toggle("active", on); this.draw(); };
      span.addEventListener("mouseenter", () => show(true));
      span.addEventListener("mouseleave", () => show(false));
      span.addEventListener("focus", () => show(true));
      span.addEventListener("blur", () => show(false));
      text.append(span);
    }
    text.setAttribute("aria-label", `Recognised: ${result.text}`);
    for (const alt of result.nbest) {
      const li = document.createElement("li");
      li.append(alt.text || "(nothing)");
      li.append(Object.assign(document.createElement("span"), {
        className: "score", textContent: alt.score.toFixed(2),
      }));
      list.append(li);
    }
  },

  // Span index of every point, or null (plain ink). CTC spans are short (a character's
  // peak), so a character is shown from its first point up to the next one's; the last
  // character of a word stops at the end of the stroke its span ends in, the first one
  // starts at the beginning of the stroke its span starts in.
  pointSpans() {
    const spans = new Array(this.numPoints()).fill(null);
    if (!this.result) return spans;
    const chars = this.result.spans.chars, lastOfWord = new Set();
    let k = -1;
    for (const ch of this.result.text) {
      if (ch !== " ") k++;
      else if (k >= 0) lastOfWord.add(k);
    }
    const strokeEnds = [];
    this.strokes.reduce((n, s) => (strokeEnds.push(n + s.points.length), n + s.points.length), 0);
    chars.forEach((span, k) => {
      let end = k + 1 < chars.length ? chars[k + 1].start_point : spans.length;
      if (lastOfWord.has(k)) end = Math.min(end, strokeEnds.find((e) => e >= span.end_point));
      let start = span.start_point;
      if (k === 0 || lastOfWord.has(k - 1)) { // a word's first stroke is all its first character's
        start = [0, ...strokeEnds].filter((e) => e <= start).pop();
      }
      for (let i = start; i < Math.min(end, spans.length); i++) spans[i] = k;
    });
    return spans;
  },

  // Each stroke as runs of points with the same colour and width, one path per run.
  draw() {
    const ctx = this.ctx, c = this.canvas;
    ctx.clearRect(0, 0, c.width, c.height);
    const plain = getComputedStyle(document.documentElement).getPropertyValue("--ink").trim();
    const spans = this.pointSpans();
    const style = (k, pressure) => {
      const width = Math.round(6.4 * (0.5 + pressure) * (k !== null && k === this.highlight ? 1.6 : 1)) / 2;
      return { k, width, alpha: this.highlight >= 0 && k !== this.highlight ? 0.2 : 1 };
    };
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    let offset = 0;
    for (const stroke of this.strokes) {
      const pts = stroke.points;
      let from = 0;
      for (let i = 1; i <= pts.length; i++) {
        const a = style(spans[offset + from], stroke.pressure[from]);
        const b = i < pts.length ? style(spans[offset + i], stroke.pressure[i]) : null;
        if (b && b.k === a.k && b.width === a.width) continue;
        this.drawRun(pts.slice(Math.max(from - 1, 0), i), a, plain);
        from = i;
      }
      offset += pts.length;
    }
    ctx.globalAlpha = 1;
  },

  drawRun(pts, s, plain) {
    const ctx = this.ctx;
    ctx.globalAlpha = s.alpha;
    ctx.strokeStyle = ctx.fillStyle = s.k === null ? plain : PALETTE[s.k % PALETTE.length];
    ctx.lineWidth = s.width;
    ctx.beginPath();
    if (pts.length === 1) {
      ctx.arc(pts[0][0], pts[0][1], s.width / 2, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    ctx.moveTo(pts[0][0], pts[0][1]);
    for (const p of pts.slice(1)) ctx.lineTo(p[0], p[1]);
    ctx.stroke();
  },

  downloadJSON() {
    download("ink.json", "application/json", JSON.stringify(this.toJSON()));
  },

  downloadInkML() {
    const escape = (s) => s.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
    const doc = this.toJSON();
    const traces = doc.strokes.map((pts) => `  <trace>${pts.map((p) => p.join(" ")).join(", ")}</trace>`);
    const truth = doc.text ? [`  <annotation type="truth">${escape(doc.text)}</annotation>`] : [];
    const xml = [
      "<?xml version='1.0' encoding='utf-8'?>",
      '<ink xmlns="http://www.w3.org/2003/InkML">',
      "  <traceFormat>",
      '    <channel name="X" type="decimal" />',
      '    <channel name="Y" type="decimal" />',
      '    <channel name="T" type="decimal" units="s" />',
      "  </traceFormat>",
      ...truth, ...traces, "</ink>", "",
    ].join("\n");
    download("ink.inkml", "application/inkml+xml", xml);
  },
};

// ---------------------------------------------------------------- speech

const speech = {
  recorder: null, chunks: [], started: 0, clock: null, stopAt: null, maxSeconds: 300, seq: 0,

  init() {
    $("audio-file").addEventListener("change", (e) => {
      const file = e.target.files[0];
      if (file) this.transcribe(file);
    });
    $("record").addEventListener("click", () => (this.recorder ? this.stopRecording() : this.record()));
    const player = $("player");
    player.addEventListener("play", () => this.watch());
    const canRecord = window.isSecureContext && navigator.mediaDevices && window.MediaRecorder;
    if (!canRecord) {
      $("record").disabled = true;
      $("record-note").textContent =
        "Recording needs a secure page (https:// or http://127.0.0.1); uploading a file works anywhere.";
    }
  },

  configure(info, limits) {
    if (!info) {
      $("speech-domain").textContent = "This server has no speech model.";
      return;
    }
    $("speech-domain").textContent = `Model ${info.name} understands ${info.domain}`;
    this.maxSeconds = Math.min(limits.max_audio_seconds, 300);
    this.loadSamples();
  },

  // Shipped recordings (in the model's domain): one button tries them in turn.
  async loadSamples() {
    const response = await fetch("/v1/samples");
    const samples = response.ok ? await response.json() : [];
    if (!samples.length) return;
    let next = 0;
    const button = $("sample");
    button.hidden = false;
    button.addEventListener("click", async () => {
      const sample = samples[next++ % samples.length];
      const blob = await (await fetch(sample.url)).blob();
      this.transcribe(new File([blob], sample.name, { type: blob.type }));
    });
  },

  async transcribe(file) {
    const seq = ++this.seq;
    const player = $("player");
    if (player.src) URL.revokeObjectURL(player.src);
    player.src = URL.createObjectURL(file);
    $("speech-error").textContent = "";
    $("speech-text").replaceChildren();
    $("speech-words").replaceChildren();
    $("speech-duration").textContent = "";
    $("speech-busy").hidden = false;
    const form = new FormData();
    form.append("file", file, file.name || "audio");
    try {
      const response = await fetch("/v1/asr/transcribe", { method: "POST", body: form });
      if (!response.ok) throw new Error(await apiError(response));
      const result = await response.json();
      if (seq === this.seq) this.show(result, file.name || "audio");
    } catch (err) {
      if (seq === this.seq) $("speech-error").textContent = err.message;
    } finally {
      if (seq === this.seq) $("speech-busy").hidden = true;
    }
  },

  show(result, name) {
    $("speech-text").textContent = result.text || "(silence)";
    $("speech-duration").textContent = `· ${name}, ${result.duration.toFixed(2)} s`;
    const words = $("speech-words");
    for (const w of result.words) {
      const b = document.createElement("button");
      b.type = "button";
      b.append(w.word);
      b.append(Object.assign(document.createElement("span"), {
        className: "t", textContent: `${w.start.toFixed(2)}–${w.end.toFixed(2)} s`,
      }));
      b.setAttribute("aria-label", `Play “${w.word}”, ${w.start.toFixed(2)} to ${w.end.toFixed(2)} seconds`);
      b.addEventListener("click", () => this.play(w, b));
      words.append(b);
    }
  },

  play(word, button) {
    const player = $("player");
    for (const b of $("speech-words").children) b.classList.toggle("playing", b === button);
    this.stopAt = word.end;
    player.currentTime = word.start;
    player.play().catch((err) => { $("speech-error").textContent = `Cannot play: ${err.message}`; });
  },

  // Pause at the end of a clicked word's span (checked every frame while playing).
  watch() {
    const player = $("player");
    const tick = () => {
      if (player.paused) return;
      if (this.stopAt !== null && player.currentTime >= this.stopAt) {
        player.pause();
        this.stopAt = null;
        for (const b of $("speech-words").children) b.classList.remove("playing");
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  },

  async record() {
    $("speech-error").textContent = "";
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      $("speech-error").textContent = `Microphone unavailable: ${err.message}`;
      return;
    }
    this.chunks = [];
    this.recorder = new MediaRecorder(stream);
    this.recorder.addEventListener("dataavailable", (e) => this.chunks.push(e.data));
    this.recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((t) => t.stop());
      this.finishRecording(new Blob(this.chunks, { type: this.recorder.mimeType }));
      this.recorder = null;
    });
    this.recorder.start();
    this.started = performance.now();
    $("record").setAttribute("aria-pressed", "true");
    $("record").textContent = "■ Stop";
    this.clock = setInterval(() => {
      const s = (performance.now() - this.started) / 1000;
      $("record-time").textContent = `${s.toFixed(1)} s`;
      if (s >= this.maxSeconds) this.stopRecording();
    }, 100);
  },

  stopRecording() {
    clearInterval(this.clock);
    $("record").setAttribute("aria-pressed", "false");
    $("record").textContent = "● Record";
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
  },

  // The browser records WebM/Ogg/MP4; the server reads what libsndfile reads, so the
  // recording is decoded here and sent as 16 kHz mono 16-bit WAV.
  async finishRecording(blob) {
    try {
      const wav = await toWav(await blob.arrayBuffer(), 16000);
      this.transcribe(new File([wav], "recording.wav", { type: "audio/wav" }));
    } catch (err) {
      $("speech-error").textContent = `Could not decode the recording: ${err.message}`;
    }
  },
};

async function toWav(encoded, rate) {
  const AudioCtx = window.AudioContext || window.webkitAudioContext;
  const ctx = new AudioCtx();
  const decoded = await ctx.decodeAudioData(encoded);
  ctx.close();
  const frames = Math.max(1, Math.ceil(decoded.duration * rate));
  const offline = new OfflineAudioContext(1, frames, rate); // mixes down to mono
  const source = offline.createBufferSource();
  source.buffer = decoded;
  source.connect(offline.destination);
  source.start();
  const samples = (await offline.startRendering()).getChannelData(0);
  const view = new DataView(new ArrayBuffer(44 + 2 * samples.length));
  const text = (at, s) => [...s].forEach((ch, i) => view.setUint8(at + i, ch.charCodeAt(0)));
  text(0, "RIFF"); view.setUint32(4, 36 + 2 * samples.length, true); text(8, "WAVE");
  text(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); view.setUint32(24, rate, true); view.setUint32(28, 2 * rate, true);
  view.setUint16(32, 2, true); view.setUint16(34, 16, true);
  text(36, "data"); view.setUint32(40, 2 * samples.length, true);
  samples.forEach((v, i) => view.setInt16(44 + 2 * i, Math.max(-1, Math.min(1, v)) * 0x7fff, true));
  return view.buffer;
}

// ---------------------------------------------------------------- start

document.addEventListener("DOMContentLoaded", () => {
  setupTabs();
  ink.init();
  speech.init();
  loadServerInfo();
});
