#!/usr/bin/env bash
# GPU training check, for a machine with an NVIDIA GPU (roadmap item 6; issue 5's S0 needs more compute than 2 cores):
#   1. builds grm with CUDA (bench/cuda_build.sh), unless GRM_BIN names one;
#   2. parity: the same SFT steps of the recipe's model shape (LAYERS x EMBD, HEADS / KV_HEADS, FF: the recipe's
#      6 x 192 unless set; batch 16, one epoch of the teacher trajectories of 160 fresh items: 10 steps, same
#      seed) with `grm train sft --device gpu` and `--device cpu` (all cores): the loss and gradient norm of
#      every step side by side, and both wall times;
#   3. the synth recipe on the GPU (scripts/synth-recipe.sh, TRAIN_DEVICE=gpu, MICRO_TOKENS=0: one graph per
#      step) for STAGES until DEADLINE seconds after this script started, then packs what it made;
#   4. with GRPO_FROM=MODEL, beside the recipe and to the same deadline: GRPO from MODEL on the recipe's GRPO items
#      (2,000, seed 103, unfiltered) with GRPO_ARGS (default: 150 steps of 32 items x 4 samples at 5e-5, beta
#      0.08): batches a GPU affords and 2 cores do not. Both jobs share the GPU (small models leave it idle
#      between launches) and split the cores.
# Offline (a lent machine reaches no registry): `source bench/gpu_offline_env.sh` first.
# Env: LLAMA_SRC (pinned llama.cpp source; default: scripts/fetch-llama.sh), BUILD_DIR (build-cuda), OUT
#      (bench/out/gpu-train), THREADS (nproc), DEADLINE (540), STAGES ("data init s0 s1"), WORK ($OUT/../synth-gpu,
#      kept out of $OUT), PARITY (1; 0 skips step 2), SEED_DIR (files copied into WORK first, e.g. an S0 phase's
#      model carried here for the recipe's S0_START), GRPO_FROM, GRPO_ARGS, and the recipe's variables (model
#      shape, S0_PHASES, S0_START, ...). GRM_BIN names a grm binary to use instead of building one.
# Writes $OUT/gpu-train.md; the recipe's models s0.gguf, s1.gguf and s2.gguf (F32), its meta RM
# (meta-rm-model.gguf, meta-rm-head.gguf) and every S0 phase model made here (s0a ... s0h, F16; not those carried
# in SEED_DIR), so that a later session continues S0 from the newest with the recipe's S0_START; step 4's policy
# (grpo-side.gguf: the final one, else its newest checkpoint's); $OUT/logs.tar.gz (build log, training logs,
# times.tsv, eval reports, RFT data).
set -uo pipefail
export LC_ALL=C  # sort and join below must agree on the order
cd "$(dirname "$0")/.."
t_start=$SECONDS
out="${OUT:-bench/out/gpu-train}"
threads="${THREADS:-$(nproc)}"
deadline="${DEADLINE:-540}"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work="${WORK:-$(dirname "$out")/synth-gpu}"
# shellcheck source=bench/cuda_build.sh
source bench/cuda_build.sh

start_gpu_report "$out/gpu-train.md" "grm GPU training check"

grm_for_gpu "$out/build.log" "$threads" || exit 1

parity() {
  say ""
  # The recipe's model shape defaults (scripts/synth-recipe.sh), unless set.
  local layers=${LAYERS:-6} embd=${EMBD:-192} heads=${HEADS:-6} kv_heads=${KV_HEADS:-2} ff=${FF:-576}
  local shape="$layers x $embd, $heads / $kv_heads heads, ff $ff"
  say "## Parity: 10 SFT steps, $shape, batch 16, GPU against CPU ($threads threads)"
  p="$work/parity"
  mkdir -p "$p"
  "$grm" synth items --n 160 --seed 909 --out "$p/items.jsonl" >/dev/null
  "$grm" synth teacher --in "$p/items.jsonl" --out "$p/traj.jsonl" --seed 9 >/dev/null
  "$grm" model init --vocab assets/synth-judge/judge.gguf --layers "$layers" --embd "$embd" --heads "$heads" \
      --kv-heads "$kv_heads" --ff "$ff" --ctx 1024 --template compact --seed 1 --out "$p/init.gguf" >/dev/null
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
}
[ "${PARITY:-1}" = 0 ] || parity

mkdir -p "$work"
[ -z "${SEED_DIR:-}" ] || cp -r "$SEED_DIR"/. "$work"/
left=$((deadline - (SECONDS - t_start)))
recipe_threads=$threads
side="$work/side"
if [ -n "${GRPO_FROM:-}" ]; then
  recipe_threads=$(( (threads + 1) / 2 ))
  grpo_args=${GRPO_ARGS:-"--steps 150 --items-per-step 32 --micro-batch 32 --lr 5e-5 --beta 0.08"}
  say ""
  say "## GRPO beside the recipe: from $GRPO_FROM, $grpo_args, $((threads - recipe_threads)) threads"
  mkdir -p "$side"
  "$grm" synth items --n 2000 --seed 103 --out "$side/grpo-items.jsonl" >/dev/null
  # shellcheck disable=SC2086  # GRPO_ARGS is a list of flags
  (t=$SECONDS
   timeout "$left" "$grm" train grpo --model "$GRPO_FROM" --items "$side/grpo-items.jsonl" --out "$side/grpo.gguf" \
       $grpo_args --group 4 --warmup 2 --temperature 1 --max-tokens 320 --checkpoint-every 10 --resume \
       --log "$side/grpo.log" --threads "$((threads - recipe_threads))" --device "${TRAIN_DEVICE:-gpu}" -q \
       >"$side/grpo.out" 2>&1
   echo "- side GRPO: exit $? after $((SECONDS - t)) s (124: stopped at the deadline)," \
       "$(wc -l < "$side/grpo.log") steps logged" >"$side/summary") &
fi

say ""
say "## The synth recipe on the GPU: stages ${STAGES:-data init s0 s1}, until ${deadline} s after the start"
t=$SECONDS
WORK="$work" GRM="$grm" THREADS="$recipe_threads" TRAIN_DEVICE="${TRAIN_DEVICE:-gpu}" MICRO_TOKENS=0 \
    timeout "$left" scripts/synth-recipe.sh ${STAGES:-data init s0 s1} >"$out/recipe.log" 2>&1
say "- recipe: exit $? after $((SECONDS - t)) s (124: stopped at the deadline)"
wait
[ -f "$side/summary" ] && say "$(cat "$side/summary")"
say "- stage wall times (s):"
sed 's/^/    /' "$work/times.tsv" | tee -a "$report"
for r in s0 s1; do
  f="$work/eval/$r/report.json"
  [ -f "$f" ] && say "- $r greedy on the test split: $(jq -c '.benchmarks.items.methods.greedy.main' "$f")"
done

for m in s0 s1 s2; do [ -f "$work/$m.gguf" ] && cp "$work/$m.gguf" "$out/$m.gguf"; done
for m in s0a s0b s0c s0d s0e s0f s0g s0h; do
  carried=false
  [ -n "${SEED_DIR:-}" ] && [ -f "$SEED_DIR/$m.gguf" ] && carried=true
  [ -f "$work/$m.gguf" ] && [ "$carried" = false ] &&
    "$grm" model quantize --in "$work/$m.gguf" --out "$out/$m.f16.gguf" --type f16 >/dev/null 2>&1
done
if [ -f "$work/meta-rm/head.gguf" ]; then
  cp "$work/meta-rm/model.gguf" "$out/meta-rm-model.gguf" && cp "$work/meta-rm/head.gguf" "$out/meta-rm-head.gguf"
fi
if [ -f "$side/grpo.gguf" ]; then
  cp "$side/grpo.gguf" "$out/grpo-side.gguf"
elif ckpt=$(ls -d "$side/grpo.gguf.ckpt"/step-* 2>/dev/null | tail -1) && [ -n "$ckpt" ]; then
  cp "$ckpt/model.gguf" "$out/grpo-side.gguf" && say "- side GRPO policy: checkpoint $(basename "$ckpt")"
fi
(cd "$work" && tar czf "$out/logs.tar.gz" ./*.log ./times.tsv eval sweep/*.log sweep/dev-*/report.json rft.jsonl \
    side/*.log side/*.out "$out/build.log" "$out/recipe.log" parity/*.log 2>/dev/null)
rm -f "$out/build.log" "$out/recipe.log"
say "- packed: $(cd "$out" && ls | tr '\n' ' ')"
