#!/usr/bin/env bash
# Trains the piano Complex Autoencoder that ships with Reprise (models/cae-piano/), from
# renders of public-domain scores (music21's Bach chorales) through the MIT-licensed
# FluidR3 SoundFont only, and writes the shipped float16 copy.
#
#   bash scripts/train_cae.sh [DATA_DIR] [RUN_DIR]        (defaults: /work/data/patterns, runs/cae-piano)
#
# 1. scripts/data/pattern_corpus.py builds DATA_DIR (3 h of chorales rendered with fluid in
#    DATA_DIR/train; test pieces and transpositions that share no score with them).
# 2. `reprise train --model cae`: the reference's model and optimiser (120 × 32 CQT windows,
#    256 complex bases, input dropout 0.5, Adam 1e-3, batch 1000, 100 000 pairs an epoch,
#    seed 1), for EPOCHS epochs (default 40; the reference trains 500, out of reach of a
#    2-core machine: RESULTS.md says what that costs), validating on 10 % of the chorales.
#    The log is RUN_DIR/train.log; the curves RUN_DIR/training.png.
# 3. The best weights are written as float16 to crates/reprise/models/cae-piano/ (model.json +
#    weights.safetensors), with the run's metrics.jsonl and its log without progress bars
#    (train.log): the model that `reprise structure` and `reprise features cae` use when no
#    --model is given, compiled into the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-/work/data/patterns}
RUN=${2:-runs/cae-piano}
EPOCHS=${EPOCHS:-40}
PY=${PYTHON:-python3}
cargo build --release --locked -p reprise-cli -p reprise --example export_cae
"$PY" scripts/data/pattern_corpus.py "$DATA" --venv "${M21_VENV:-$DATA/../m21venv}" --reprise target/release/reprise
mkdir -p "$RUN"
target/release/reprise train --model cae --train "$DATA/train/manifest.csv" -o "$RUN" \
  --epochs "$EPOCHS" --epoch-size 100000 --batch-size 1000 --lr 1e-3 --seed 1 --patience 0 --val-split 0.1 \
  $( [ -f "$RUN/model.json" ] && echo --resume ) 2>&1 | tee -a "$RUN/train.log"
OUT=crates/reprise/models/cae-piano
target/release/examples/export_cae "$RUN" "$OUT"
cp "$RUN/metrics.jsonl" "$OUT/metrics.jsonl"
tr '\r' '\n' < "$RUN/train.log" | grep -v '\[[=> ]*\]' | grep -v '^\s*$' > "$OUT/train.log"
