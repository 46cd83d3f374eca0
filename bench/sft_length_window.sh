#!/usr/bin/env bash
# SFT throughput with and without length windows (`grm train sft --length-window`): same model, same data and
# the same examples, since the first STEPS steps with windows of WINDOW steps (STEPS a multiple of WINDOW) train
# exactly the examples of the first STEPS steps without windows, only batched by length. The two settings
# alternate REPS times, so that a slower or faster stretch of the machine hits both.
#
# Usage: bench/sft_length_window.sh MODEL.gguf TEACHER.jsonl
# Env: STEPS (32), WINDOW (16), BATCH (16), REPS (2), THREADS (nproc), GRM (build/grm), OUT (bench/out).
# Prints a Markdown row per setting (wall seconds per run include loading the model and the data, the same
# for both) and the ratio, and appends them to $OUT/sft-window-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: bench/sft_length_window.sh MODEL.gguf TEACHER.jsonl"
model=${1:?$usage} data=${2:?$usage}
steps=${STEPS:-32} window=${WINDOW:-16} batch=${BATCH:-16} reps=${REPS:-2} threads=${THREADS:-$(nproc)}
grm=${GRM:-build/grm} out=${OUT:-bench/out}
if [ $((steps % window)) -ne 0 ]; then
  echo "sft_length_window: STEPS ($steps) must be a multiple of WINDOW ($window), so that both settings train the same examples" >&2
  exit 1
fi
mkdir -p "$out/sft-window"
declare -A total=()
for rep in $(seq 1 "$reps"); do
  for w in 0 "$window"; do
    run="$out/sft-window/w$w-r$rep"
    rm -rf "$run.gguf" "$run.gguf.ckpt" "$run.log"
    t0=$(date +%s.%N)
    "$grm" train sft --model "$model" --data "$data" --out "$run.gguf" --batch "$batch" --threads "$threads" \
        --max-steps "$steps" --lr 1e-3 --length-window "$w" --log "$run.log" -q
    t1=$(date +%s.%N)
    total[$w]=$(awk -v a="${total[$w]:-0}" -v t0="$t0" -v t1="$t1" 'BEGIN { print a + t1 - t0 }')
  done
done
shape="$(basename "$model"), batch $batch, $steps steps x $reps, $threads threads"
rows=$(awk -v off="${total[0]}" -v on="${total[$window]}" -v reps="$reps" -v n="$((steps * batch))" -v w="$window" -v shape="$shape" 'BEGIN {
  printf "| no windows | %s | %.1f s | %.2f seq/s | 1.00x |\n", shape, off / reps, n * reps / off
  printf "| --length-window %d | %s | %.1f s | %.2f seq/s | %.2fx |\n", w, shape, on / reps, n * reps / on, off / on
}')
echo "$rows" | tee -a "$out/sft-window-results.md"
