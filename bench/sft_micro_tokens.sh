#!/usr/bin/env bash
# SFT throughput of token-budget micro-batches (`grm train sft --micro-tokens N`) against the planned --batch
# micro-batches (--micro-tokens 0): same model, data, steps and examples per step, so the same gradients (the
# logged losses agree to float rounding, which the script checks); only the padding differs. The settings
# alternate REPS times, so that a slower or faster stretch of the machine hits all of them.
#
# Usage: bench/sft_micro_tokens.sh MODEL.gguf TEACHER.jsonl
# Env: STEPS (8), BATCH (16), BUDGETS ("2048 1024 1"), REPS (2), THREADS (nproc), GRM (build/grm), OUT (bench/out).
# Prints a Markdown row per setting: mean wall seconds per run (loading the model and data included, the same for
# all) and the speed per step against --micro-tokens 0 (from the step log's tokens/s, loading excluded), and
# appends them to $OUT/sft-micro-tokens-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: bench/sft_micro_tokens.sh MODEL.gguf TEACHER.jsonl"
model=${1:?$usage} data=${2:?$usage}
steps=${STEPS:-8} batch=${BATCH:-16} budgets=${BUDGETS:-2048 1024 1} reps=${REPS:-2} threads=${THREADS:-$(nproc)}
grm=${GRM:-build/grm} out=${OUT:-bench/out}
mkdir -p "$out/sft-micro"
for rep in $(seq 1 "$reps"); do
  for b in 0 $budgets; do
    run="$out/sft-micro/m$b-r$rep"
    rm -rf "$run.gguf" "$run.gguf.ckpt" "$run.log"
    t0=$(date +%s.%N)
    "$grm" train sft --model "$model" --data "$data" --out "$run.gguf" --batch "$batch" --threads "$threads" \
        --max-steps "$steps" --lr 1e-3 --micro-tokens "$b" --log "$run.log" -q
    awk -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { print t1 - t0 }' > "$run.wall"
  done
done
# Step seconds = tokens processed / tokens_per_s; the tokens processed per step are the same in every run, so the
# per-step ratio is that of the summed 1 / tokens_per_s. Losses must agree with --micro-tokens 0's.
python3 - "$out/sft-micro" "$reps" "$(basename "$model"), batch $batch, $steps steps x $reps, $threads threads" $budgets <<'PY' | tee -a "$out/sft-micro-tokens-results.md"
import json, sys
d, reps, shape, budgets = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
def load(b, r):
    return [json.loads(l) for l in open(f"{d}/m{b}-r{r}.log")]
def inv_speed(b):  # sum over steps and reps of 1 / tokens_per_s
    return sum(1 / s["tokens_per_s"] for r in range(1, reps + 1) for s in load(b, r))
base = inv_speed("0")
ref = load("0", 1)
for b in ["0"] + budgets:
    for r in range(1, reps + 1):
        for x, y in zip(load(b, r), ref):
            if abs(x["loss"] - y["loss"]) > 1e-5 * abs(y["loss"]):
                sys.exit(f"--micro-tokens {b} step {x['step']}: loss {x['loss']} differs from {y['loss']}")
    label = "--micro-tokens 0 (--batch micro-batches)" if b == "0" else f"--micro-tokens {b}"
    wall = sum(float(open(f"{d}/m{b}-r{r}.wall").read()) for r in range(1, reps + 1)) / reps
    print(f"| {label} | {shape} | {wall:.1f} s | {base / inv_speed(b):.2f}x |")
PY
