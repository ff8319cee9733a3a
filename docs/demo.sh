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

step "speech: synthesising 700 utterances with espeak-ng (train and held-out voices)"
$BIN/asr synth "$OUT/speech-corpus" --utterances 700 --seed 0 --no-progress

step "speech: building a word 3-gram LM from the training transcripts"
cat "$OUT"/speech-corpus/LibriSpeech/train-synth/*/*/*.trans.txt | cut -d' ' -f2- \
  > "$OUT/speech-train-text.txt"
$BIN/asr lm build "$OUT/speech-train-text.txt" -o "$OUT/speech-3gram.arpa" --order 3

step "speech: training a small BiLSTM-CTC model on CPU"
$BIN/asr train data=synth data.root="$OUT/speech-corpus" model=small \
  trainer.max_epochs=18 trainer.batch_size=16 trainer.progress=false \
  optim.lr=0.002 optim.warmup_steps=100 hydra.run.dir="$OUT/speech-model"

step "speech: evaluating on held-out voices (greedy, then beam search + LM)"
HELD_OUT="$OUT/speech-corpus/LibriSpeech/test-synth"
$BIN/asr evaluate "$HELD_OUT" --model "$OUT/speech-model/best.pt" --no-progress \
  --json "$OUT/speech-eval-greedy.json"
$BIN/asr evaluate "$HELD_OUT" --model "$OUT/speech-model/best.pt" --no-progress \
  --decoder beam --beam-size 32 --lm "$OUT/speech-3gram.arpa" --alpha 0.8 --beta 1.5 \
  --json "$OUT/speech-eval-beam-lm.json"

step "speech: transcribing one held-out file to SRT and JSON, with a plot"
FILE=$(find "$HELD_OUT" -name '*.flac' | sort | head -n 1)
$BIN/asr transcribe "$FILE" --model "$OUT/speech-model/best.pt" --format srt \
  --output-dir "$OUT/transcripts" --plot
$BIN/asr transcribe "$FILE" --model "$OUT/speech-model/best.pt" --format json \
  --output-dir "$OUT/transcripts"
cat "$OUT/transcripts/$(basename "${FILE%.flac}").srt"

step "speech: transcribing a real AN4 recording (held-out speaker) with models/an4.pt"
$BIN/asr transcribe models/samples/an4-cen7-fash-b.flac --format json \
  --output-dir "$OUT/transcripts"
echo "reference: TWO SIX EIGHT FOUR FOUR ONE EIGHT"

if [ -x "$BIN/handwriting" ] && [ -f conf/handwriting/train.yaml ]; then
  bash docs/demo_handwriting.sh "$OUT"
fi

step "summary"
$BIN/python - "$OUT" "$START" <<'EOF'
import json, sys, time
from pathlib import Path

out, start = Path(sys.argv[1]), int(sys.argv[2])
def show(name, path):
    if path.exists():
        m = json.loads(path.read_text())
        print(f"{name:<44} WER {100*m['wer']:6.2f}%  CER {100*m['cer']:6.2f}%  "
              f"({m['utterances']} utterances, decode {m['decode_seconds']:.1f}s)")
show("speech, held-out voices, greedy", out / "speech-eval-greedy.json")
show("speech, held-out voices, beam 32 + 3-gram LM", out / "speech-eval-beam-lm.json")
show("handwriting, held-out writers, greedy", out / "ink-eval-greedy.json")
show("handwriting, held-out writers, beam + char LM", out / "ink-eval-beam-lm.json")
an4 = out / "transcripts" / "an4-cen7-fash-b.json"
if an4.exists():
    print(f"real AN4 recording (models/an4.pt): {json.loads(an4.read_text())['text']!r}"
          "  (reference: 'two six eight four four one eight')")
print(f"demo wall time: {time.time() - start:.0f} s; outputs in {out}/")
EOF
