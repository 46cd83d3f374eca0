#!/usr/bin/env bash
# GPU check, for a machine with an NVIDIA GPU: builds grm with CUDA (GRM_CUDA=ON) and measures, in the same
# run on the same machine, grm on the GPU against grm on all CPU cores (the GPU hidden with
# CUDA_VISIBLE_DEVICES=, which makes the same binary fall back to ggml's CPU backend):
#   1. judging throughput: `grm score` on score_bench.sh's Qwen2-0.5B-shaped Q8_0 model and items, k = 1, 8, 32;
#   2. the shipped synth judge on synth test items (`grm eval`, greedy and Voting@8): wall time, and the
#      accuracies, which must agree between the two backends up to sampling noise;
#   3. the trainer's S0 step time on ggml's CPU backend at 2 threads and all cores (the GPU trainer:
#      bench/gpu_train.sh).
#
# Env: LLAMA_SRC (pinned llama.cpp source; default: scripts/fetch-llama.sh, which needs the npm registry),
#      BUILD_DIR (build-cuda), OUT (bench/out/gpu), CUDA_ARCH (90), SYNTH_ITEMS (synth items JSONL for 2;
#      default: 500 fresh ones, `grm synth items --seed 303`), TRAIN_DATA (SFT records for 3; default: teacher
#      trajectories of 160 fresh items), THREADS (nproc), CMAKE_EXTRA (more configure flags, e.g.
#      -DGGML_CUDA_FA=OFF, which leaves out the FlashAttention kernels and most of the build time), KS (score's
#      k values, "1 8 32"), GRM_BIN (use this grm instead of building one).
# Writes $OUT/gpu-check.md (tables) and a log per step; a step that fails is reported and the rest still run.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-bench/out/gpu}"
threads="${THREADS:-$(nproc)}"
mkdir -p "$out"
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc -l | xargs printf '%.2f'; }
# shellcheck source=bench/items.sh
source bench/items.sh
# shellcheck source=bench/cuda_build.sh
source bench/cuda_build.sh

start_gpu_report "$out/gpu-check.md" "grm GPU check"

llama_src="${LLAMA_SRC:-$(scripts/fetch-llama.sh)}"
LLAMA_SRC=$llama_src grm_for_gpu "$out/build.log" "$threads" || exit 1

# run_both LABEL CMD...: runs CMD on the GPU, then with the GPU hidden; one table row with both wall times.
run_both() {
  local label=$1
  shift
  local t g c
  t=$(now); "$@" >"$out/gpu-$label.log" 2>&1; local rg=$?; g=$(since "$t")
  t=$(now); CUDA_VISIBLE_DEVICES= "$@" >"$out/cpu-$label.log" 2>&1; local rc=$?; c=$(since "$t")
  say "| $label | $g (exit $rg) | $c (exit $rc) | $(echo "$c / $g" | bc -l | xargs printf '%.1f')x |"
}

say ""
say "## 1. grm score, Qwen2-0.5B-shaped Q8_0, 8 items, 32 generated tokens per sample, fixed orders"
model="$out/qwen-shape-0.5b-q8_0.gguf"
if [ ! -f "$model" ]; then
  "$grm" model init --vocab "$llama_src/models/ggml-vocab-qwen2.gguf" --layers 24 --embd 896 --heads 14 \
      --kv-heads 2 --ff 4864 --ctx 32768 --type f16 --seed 1 --out "$out/model-f16.gguf" >"$out/model.log" 2>&1 &&
    "$grm" model quantize --in "$out/model-f16.gguf" --out "$model" --type q8_0 >>"$out/model.log" 2>&1
  rm -f "$out/model-f16.gguf"
fi
make_items 8 "$out/items.jsonl"
say "| run | GPU s | CPU ($threads threads) s | CPU / GPU |"
say "| --- | --- | --- | --- |"
for k in ${KS:-1 8 32}; do
  run_both "score-k$k" "$grm" score --model "$model" --in "$out/items.jsonl" --out "$out/score-k$k.jsonl" --overwrite -q \
      -k "$k" --max-tokens 32 --fixed-length --grammar off --orders fixed --threads "$threads" --parallel 64 --ctx 32768
done

say ""
say "## 2. Shipped synth judge (assets/synth-judge, Q8_0), grm eval --k 1,8"
items="${SYNTH_ITEMS:-}"
if [ -z "$items" ]; then
  items="$out/synth-items.jsonl"
  "$grm" synth items --n 500 --seed 303 --out "$items" >/dev/null
fi
say "| run | GPU s | CPU ($threads threads) s | CPU / GPU |"
say "| --- | --- | --- | --- |"
for dev in gpu cpu; do rm -rf "$out/eval-$dev"; done
t=$(now); "$grm" eval --bench items --data "$items" --model assets/synth-judge/judge.gguf --k 1,8 --max-tokens 320 \
    --threads "$threads" --report "$out/eval-gpu" -q >"$out/gpu-eval.log" 2>&1; g=$(since "$t")
t=$(now); CUDA_VISIBLE_DEVICES= "$grm" eval --bench items --data "$items" --model assets/synth-judge/judge.gguf --k 1,8 \
    --max-tokens 320 --threads "$threads" --report "$out/eval-cpu" -q >"$out/cpu-eval.log" 2>&1; c=$(since "$t")
say "| eval $(wc -l < "$items") items, greedy + pool of 8 | $g | $c | $(echo "$c / $g" | bc -l | xargs printf '%.1f')x |"
for dev in gpu cpu; do
  say "- $dev accuracy: $(jq -c '.benchmarks.items.methods | {greedy: .greedy.main.value, voting8: .["voting@8"].main.value}' \
      "$out/eval-$dev/report.json" 2>&1)"
done

say ""
say "## 3. Trainer (CPU backend): SFT steps of the synth recipe's model shape (4 x 128), batch 16"
data="${TRAIN_DATA:-}"
if [ -z "$data" ]; then
  "$grm" synth items --n 160 --seed 909 --out "$out/train-items.jsonl" >/dev/null
  "$grm" synth teacher --in "$out/train-items.jsonl" --out "$out/train-traj.jsonl" --seed 9 >/dev/null
  data="$out/train-traj.jsonl"
fi
model="$out/synth-init.gguf"
"$grm" model init --vocab assets/synth-judge/judge.gguf --layers 4 --embd 128 --heads 4 --kv-heads 2 --ff 384 \
    --ctx 1024 --template compact --seed 1 --out "$model" >/dev/null
for n in 2 "$threads"; do
  rm -f "$out/sft-$n.gguf"*
  t=$(now)
  "$grm" train sft --model "$model" --data "$data" --out "$out/sft-$n.gguf" \
      --batch 16 --max-steps 10 --lr 1e-4 --threads "$n" --device cpu --log "$out/sft-$n.log" -q >"$out/sft-$n.out" 2>&1
  say "- $n threads: exit $?, 10 steps in $(since "$t") s"
done
