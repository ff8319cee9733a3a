#!/usr/bin/env bash
# The end-to-end demo behind `make demo`: every step is a command a user would type.
# Speech: synthesise a multi-voice corpus -> train a small model on CPU -> evaluate on
# held-out voices (greedy, beam + LM) -> transcribe a held-out file to SRT/JSON with a
# plot -> transcribe a real AN4 recording with the shipped models/an4.pt.
# Handwriting: synthesise Hershey-font ink -> train -> evaluate on held-out writers ->
# recognise and render one line. Everything lands in $OUT (default runs/demo).
set -euo pipefail
OUT=${1:-runs/demo}
BIN=.venv/bin
export PYTHONUNBUFFERED=1
START=$(date +%s)
rm -rf "$OUT"
mkdir -p "$OUT"
step() { printf '\n==> %s\n' "$*"; }

step "speech: synthesising 600 utterances with espeak-ng (train and held-out voices)"
$BIN/asr synth "$OUT/speech-corpus" --utterances 600 --seed 0 --no-progress

step "speech: building a word 3-gram LM from the packaged sentences, held-out ones removed"
$BIN/python - "$OUT/speech-corpus" > "$OUT/speech-lm-text.txt" <<'PY'
import sys
from pathlib import Path
from asr.synth import load_sentences, normalize_sentence
held_out = {line.split(" ", 1)[1].strip() for f in
            Path(sys.argv[1], "LibriSpeech", "test-synth").rglob("*.trans.txt")
            for line in f.read_text().splitlines() if " " in line}
for sentence in load_sentences(None):
    text = normalize_sentence(sentence)
    if text and text not in held_out:
        print(text)
PY
$BIN/asr lm build "$OUT/speech-lm-text.txt" -o "$OUT/speech-3gram.arpa" --order 3

step "speech: training a small BiLSTM-CTC model on CPU"
$BIN/asr train data=synth data.root="$OUT/speech-corpus" model=small model.conv_layers=2 \
  trainer.max_epochs=30 trainer.batch_size=16 trainer.sortagrad=true trainer.progress=false \
  optim.lr=0.003 optim.warmup_steps=60 hydra.run.dir="$OUT/speech-model"

step "speech: evaluating on held-out voices (greedy, then beam search + LM)"
HELD_OUT="$OUT/speech-corpus/LibriSpeech/test-synth"
$BIN/asr evaluate "$HELD_OUT" --model "$OUT/speech-model/best.pt" --no-progress \
  --json "$OUT/speech-eval-greedy.json"
$BIN/asr evaluate "$HELD_OUT" --model "$OUT/speech-model/best.pt" --no-progress \
  --decoder beam --beam-size 32 --lm "$OUT/speech-3gram.arpa" --alpha 0.5 --beta 1.0 \
  --json "$OUT/speech-eval-beam-lm.json"

step "speech: transcribing one held-out file to SRT and JSON, with a plot"
FILE=$(find "$HELD_OUT" -name '*.flac' | sort | sed -n 1p)  # sed reads all: no SIGPIPE under pipefail
$BIN/asr transcribe "$FILE" --model "$OUT/speech-model/best.pt" --format srt \
  --output-dir "$OUT/transcripts" --plot
$BIN/asr transcribe "$FILE" --model "$OUT/speech-model/best.pt" --format json \
  --output-dir "$OUT/transcripts"
cat "$OUT/transcripts/$(basename "${FILE%.flac}").srt"

step "speech: transcribing a real AN4 recording (held-out speaker) with models/an4.pt"
$BIN/asr transcribe models/samples/an4-cen7-fash-b.flac --format json \
  --output-dir "$OUT/transcripts"
echo "reference: TWO SIX EIGHT FOUR FOUR ONE EIGHT"

step "handwriting: synthesising 600 lines (Hershey and handwriting fonts; train and held-out writers)"
# Human-like synthesis: per-writer stroke order and direction, cursive ligatures, delayed
# dots and crosses, per-instance deformation, sigma-lognormal pen speed, curved baselines.
$BIN/handwriting synth "$OUT/ink-corpus" --lines 600 --seed 1 --no-progress
$BIN/python bench/ink_samples.py "$OUT/ink-samples.png"

step "handwriting: building a character 6-gram LM from the packaged sentences, held-out ones removed"
$BIN/python - "$OUT/ink-corpus" > "$OUT/ink-lm-text.txt" <<'PY'
import sys
from handwriting.readers import read_iam_ondb
from handwriting.synth import clean_text, load_sentences
held_out = [e.text for e in read_iam_ondb(sys.argv[1], "testset_f")]
for sentence in map(clean_text, load_sentences()):
    if sentence and not any(line in sentence for line in held_out):
        print(sentence)
PY
$BIN/handwriting lm build "$OUT/ink-lm-text.txt" -o "$OUT/ink-char6.arpa" --order 6 --unit char

step "handwriting: fine-tuning models/ink-synthetic.pt briefly on the new writers' lines"
# From scratch, CTC on ink needs ~20 CPU-minutes to leave its all-blank plateau; the demo
# shows the cheaper path a user takes with new data: start from the shipped weights.
$BIN/handwriting train data=synth data.root="$OUT/ink-corpus" model=bilstm model.hidden=128 \
  model.layers=3 model.dropout=0.1 features=bezier_augment trainer.max_epochs=3 \
  trainer.batch_size=16 trainer.progress=false trainer.init_from=models/ink-synthetic.pt \
  optim.lr=0.001 optim.warmup_steps=10 hydra.run.dir="$OUT/ink-model"

step "handwriting: evaluating on held-out writers (fonts and styles never seen in training)"
$BIN/handwriting evaluate "$OUT/ink-corpus" --split testset_f --model "$OUT/ink-model/best.pt" \
  --no-progress --json "$OUT/ink-eval-greedy.json"
# alpha/beta were chosen with `handwriting tune-lm` on another corpus (bench/ink_ablation.py's
# held-out corpus, `handwriting synth --seed 99`, its testset_v), never on this one's writers.
$BIN/handwriting evaluate "$OUT/ink-corpus" --split testset_f --model "$OUT/ink-model/best.pt" \
  --no-progress --decoder beam --beam-size 16 --lm "$OUT/ink-char6.arpa" --lm-unit char \
  --alpha 0.8 --beta 2 --json "$OUT/ink-eval-beam-lm.json"

if [ -d ../shared/data/omniglot-latin ]; then
  step "handwriting: real pen input (Omniglot drawers' letters composed into lines), shipped model"
  $BIN/python bench/ink_real_proxy.py --lines 60 --png "$OUT/ink-real-proxy.png" --examples 3
fi

step "handwriting: recognising and rendering one held-out line"
FORM=$(head -n 1 "$OUT/ink-corpus/testset_f.txt")
LINE=$(find "$OUT/ink-corpus/lineStrokes" -name "$FORM-01.xml")
$BIN/handwriting recognize "$LINE" --model "$OUT/ink-model/best.pt" --format json \
  --output-dir "$OUT/ink-recognized" --plot
$BIN/handwriting render "$LINE" -o "$OUT/ink-recognized/line-default-model.png" \
  --model models/ink-synthetic.pt

step "summary"
$BIN/python - "$OUT" "$START" <<'EOF'
import json, sys, time
from pathlib import Path

out, start = Path(sys.argv[1]), int(sys.argv[2])
def show(name, path):
    if path.exists():
        m = json.loads(path.read_text())
        print(f"{name:<52} WER {100*m['wer']:6.2f}%  CER {100*m['cer']:6.2f}%  "
              f"({m['utterances']} utterances, decode {m['decode_seconds']:.1f}s)")
show("speech, held-out voices, greedy", out / "speech-eval-greedy.json")
show("speech, held-out voices, beam 32 + 3-gram LM", out / "speech-eval-beam-lm.json")
show("handwriting, held-out writers, greedy", out / "ink-eval-greedy.json")
show("handwriting, held-out writers, beam 16 + char 6-gram", out / "ink-eval-beam-lm.json")
an4 = out / "transcripts" / "an4-cen7-fash-b.json"
if an4.exists():
    print(f"real AN4 recording (models/an4.pt): {json.loads(an4.read_text())['text']!r}"
          "  (reference: 'two six eight four four one eight')")
print(f"demo wall time: {time.time() - start:.0f} s; outputs in {out}/")
EOF
