#!/usr/bin/env bash
# GPU training check, for a machine with an NVIDIA GPU (roadmap item 6; issue 5's S0 needs more compute than 2 cores):
#   1. builds grm with CUDA (bench/cuda_build.sh), unless GRM_BIN names one;
#   2. parity: the same SFT steps of the synth recipe's small model (4 x 128, batch 16, one epoch of the teacher
#      trajectories of 160 fresh items: 10 steps, same seed) with `grm train sft --device gpu` and `--device cpu`
#      (all cores): the loss and gradient norm of every step side by side, and both wall times;
#   3. the synth recipe on the GPU (scripts/synth-recipe.sh, TRAIN_DEVICE=gpu, MICRO_TOKENS=0: one graph per
#      step) for STAGES until DEADLINE seconds after this script started, then packs what it made.
# Env: LLAMA_SRC (pinned llama.cpp source; default: scripts/fetch-llama.sh), BUILD_DIR (build-cuda), OUT
#      (bench/out/gpu-train), THREADS (nproc), DEADLINE (540), STAGES ("data init s0 s1"), WORK ($OUT/../synth-gpu,
#      kept out of $OUT), and the recipe's variables (model shape, S0_PHASES, ...).
# Writes $OUT/gpu-train.md; the recipe's models s0.gguf and s1.gguf (F32) and S0 phases c and d (F16) when they
# were made; $OUT/logs.tar.gz (build log, training logs, times.tsv, eval reports, RFT data).
set -uo pipefail
export LC_ALL=C  # sort and join below must agree on the order
cd "$(dirname "$0")/.."
t_start=$SECONDS
build="${BUILD_DIR:-build-cuda}"
out="${OUT:-bench/out/gpu-train}"
threads="${THREADS:-$(nproc)}"
deadline="${DEADLINE:-540}"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work="${WORK:-$(dirname "$out")/synth-gpu}"
report="$out/gpu-train.md"
: > "$report"
say() { echo "$*" | tee -a "$report"; }
# shellcheck source=bench/cuda_build.sh
source bench/cuda_build.sh

say "# grm GPU training check, $(date -u +%F)"
say "- GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -1)"
say "- CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

if [ -n "${GRM_BIN:-}" ]; then
  grm=$GRM_BIN
else
  llama_src="${LLAMA_SRC:-$(scripts/fetch-llama.sh)}"
  t=$SECONDS
  build_cuda_grm "$build" "$llama_src" "$out/build.log" "$threads"
  rc=$?
  say "- CUDA build of grm (sm_${CUDA_ARCH:-90} ${CMAKE_EXTRA:-}, $threads jobs): exit $rc, $((SECONDS - t)) s"
  [ $rc -eq 0 ] || { tail -40 "$out/build.log"; exit 1; }
  grm="$PWD/$build/grm"
fi

say ""
say "## Parity: 10 SFT steps, 4 x 128, batch 16, GPU against CPU ($threads threads)"
p="$work/parity"
mkdir -p "$p"
"$grm" synth items --n 160 --seed 909 --out "$p/items.jsonl" >/dev/null
"$grm" synth teacher --in "$p/items.jsonl" --out "$p/traj.jsonl" --seed 9 >/dev/null
"$grm" model init --vocab assets/synth-judge/judge.gguf --layers 4 --embd 128 --heads 4 --kv-heads 2 --ff 384 \
    --ctx 1024 --template compact --seed 1 --out "$p/init.gguf" >/dev/null
for dev in gpu cpu; do
  rm -rf "$p/sft-$dev.gguf"*
  t=$SECONDS
  "$grm" train sft --model "$p/init.gguf" --data "$p/traj.jsonl" --out "$p/sft-$dev.gguf" --batch 16 \
      --lr 1e-3 --device "$dev" --threads "$threads" --log "$p/sft-$dev.log" -q >"$p/sft-$dev.out" 2>&1
  say "- $dev: exit $?, 10 steps in $((SECONDS - t)) s (load included)"
  tail -3 "$p/sft-$dev.out"
done
say "| step | loss GPU | loss CPU | grad norm GPU | grad norm CPU |"
say "| --- | --- | --- | --- | --- |"
steps() { jq -r '"\(.step) \(.loss) \(.grad_norm)"' "$1" 2>/dev/null | sort -k1,1; }
join <(steps "$p/sft-gpu.log") <(steps "$p/sft-cpu.log") | sort -n |
  awk '{printf "| %s | %.5f | %.5f | %.4f | %.4f |\n", $1, $2, $4, $3, $5}' | tee -a "$report"

say ""
say "## The synth recipe on the GPU: stages ${STAGES:-data init s0 s1}, until ${deadline} s after the start"
left=$((deadline - (SECONDS - t_start)))
t=$SECONDS
WORK="$work" GRM="$grm" THREADS="$threads" TRAIN_DEVICE=gpu MICRO_TOKENS=0 \
    timeout "$left" scripts/synth-recipe.sh ${STAGES:-data init s0 s1} >"$out/recipe.log" 2>&1
say "- recipe: exit $? after $((SECONDS - t)) s (124: stopped at the deadline)"
say "- stage wall times (s):"
sed 's/^/    /' "$work/times.tsv" | tee -a "$report"
for r in s0 s1; do
  f="$work/eval/$r/report.json"
  [ -f "$f" ] && say "- $r greedy on the test split: $(jq -c '.benchmarks.items.methods.greedy.main' "$f")"
done

for m in s0 s1; do [ -f "$work/$m.gguf" ] && cp "$work/$m.gguf" "$out/$m.gguf"; done
for m in s0c s0d; do
  [ -f "$work/$m.gguf" ] && "$grm" model quantize --in "$work/$m.gguf" --out "$out/$m.f16.gguf" --type f16 >/dev/null 2>&1
done
(cd "$work" && tar czf "$out/logs.tar.gz" ./*.log ./times.tsv eval sweep/*.log sweep/dev-*/report.json rft.jsonl \
    "$out/build.log" "$out/recipe.log" parity/*.log 2>/dev/null)
rm -f "$out/build.log" "$out/recipe.log"
say "- packed: $(cd "$out" && ls | tr '\n' ' ')"
