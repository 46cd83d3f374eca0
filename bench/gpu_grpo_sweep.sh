#!/usr/bin/env bash
# GRPO arms side by side on one GPU, chosen on a dev split (issue 5: S2's learning rate and beta at the batch of 32
# items x 4 samples a step, which 2 cores cannot afford: ~40 s a step there):
#   1. builds grm with CUDA (bench/cuda_build.sh), unless GRM_BIN names one;
#   2. every arm of ARMS ("LR:BETA ...") runs `grm train grpo` from FROM (also the KL reference) on ITEMS, all at
#      once, until TRAIN_UNTIL seconds after this script started (a small model leaves the GPU idle between
#      launches, so arms share it well), with a checkpoint every CKPT_EVERY steps;
#   3. beside them, each arm's checkpoints are judged greedily on DEV as they land (and FROM once, as step 0);
#   4. the best (arm, step) on DEV (ties: the earlier) is judged greedily on TEST, unless the deadline is near.
# Offline (a lent machine reaches no registry): `source bench/gpu_offline_env.sh` first.
# Env: FROM, ITEMS (required); DEV, TEST (default: the synth recipe's splits, 800 items of seed 204 and 2,000 of
#      seed 303); ARMS ("1e-4:0 1e-4:0.01 1e-4:0.08"); GRPO_ITEMS (32), GRPO_MICRO (32), STEPS (150), CKPT_EVERY
#      (10), MAX_TOKENS (320); TRAIN_UNTIL (400), DEADLINE (560: no test evaluation starts after DEADLINE - 45);
#      THREADS (nproc), TRAIN_DEVICE (gpu), OUT (bench/out/gpu-grpo), WORK ($OUT/../grpo-sweep, kept out of $OUT),
#      BUILD_DIR (build-cuda), LLAMA_SRC, GRM_BIN.
# Writes $OUT/gpu-grpo.md (build time, steps per arm, the dev table, the choice, its test accuracy), $OUT/s2.gguf
# (the chosen checkpoint's policy, F32), $OUT/ARM.f16.gguf (each arm's newest checkpoint, F16) and $OUT/logs.tar.gz
# (training logs, dev and test reports, build log). Wall-clock deadlines make the step counts depend on the
# machine: the report states how many steps each arm made.
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
t_start=$SECONDS
elapsed() { echo $((SECONDS - t_start)); }
: "${FROM:?FROM: the policy to start from}" "${ITEMS:?ITEMS: the GRPO items}"
FROM=$(realpath "$FROM") ITEMS=$(realpath "$ITEMS")
out="${OUT:-bench/out/gpu-grpo}"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work="${WORK:-$(dirname "$out")/grpo-sweep}"
rm -rf "$work" && mkdir -p "$work"
threads="${THREADS:-$(nproc)}"
train_until="${TRAIN_UNTIL:-400}" deadline="${DEADLINE:-560}"
arms=(${ARMS:-1e-4:0 1e-4:0.01 1e-4:0.08})
max_tokens="${MAX_TOKENS:-320}"
# shellcheck source=bench/cuda_build.sh
source bench/cuda_build.sh

start_gpu_report "$out/gpu-grpo.md" "grm GRPO sweep on a GPU"
grm_for_gpu "$work/build.log" "$threads" || exit 1
dev="${DEV:-$work/dev.jsonl}" test="${TEST:-$work/test.jsonl}"
[ -n "${DEV:-}" ] || "$grm" synth items --n 800 --seed 204 --out "$dev" >/dev/null
[ -n "${TEST:-}" ] || "$grm" synth items --n 2000 --seed 303 --out "$test" >/dev/null

greedy() {  # greedy MODEL ITEMS REPORT_DIR THREADS -> prints the accuracy (or "-" when it did not finish)
  "$grm" eval --bench items --data "$2" --model "$1" --k greedy --report "$3" --max-tokens "$max_tokens" \
      --threads "$4" -q >"$3.out" 2>&1 &&
    jq -r '.benchmarks.items.methods.greedy.main.value' "$3/report.json" 2>/dev/null || echo -
}

# One evaluator per arm: judges each checkpoint once it is renamed into place, oldest first, and the final policy
# when the arm ran all its steps (the trainer then removes its checkpoints), until the arm has stopped and all is
# judged, or no time is left for one more. Results: $work/dev.tsv (arm, step, accuracy, model).
evaluate_arm() {  # evaluate_arm ARM PID
  local arm=$1 pid=$2 ck step acc alive name
  while :; do
    alive=0 && kill -0 "$pid" 2>/dev/null && alive=1
    local pending=()
    for ck in "$work/$arm.gguf.ckpt"/step-*; do
      [ -f "$ck/model.gguf" ] && [[ $ck != *.tmp* ]] && [ ! -e "$work/dev/$arm-$(basename "$ck").out" ] &&
        pending+=("$ck/model.gguf")
    done
    [ $alive = 0 ] && [ -f "$work/$arm.gguf" ] && [ ! -e "$work/dev/$arm-final.out" ] && pending+=("$work/$arm.gguf")
    if [ ${#pending[@]} -eq 0 ]; then
      [ $alive = 1 ] || return 0
      sleep 2; continue
    fi
    [ "$(elapsed)" -lt $((deadline - 75)) ] || return 0
    if [[ ${pending[0]} == */model.gguf ]]; then
      name=$(basename "$(dirname "${pending[0]}")") step=$((10#${name#step-}))
    else
      name=final step=$(tail -1 "$work/$arm.log" | jq .step)
    fi
    acc=$(greedy "${pending[0]}" "$dev" "$work/dev/$arm-$name" 2)
    printf '%s\t%s\t%s\t%s\n' "$arm" "$step" "$acc" "${pending[0]}" >> "$work/dev.tsv"
  done
}

mkdir -p "$work/dev"
left=$((train_until - $(elapsed)))
arm_threads=$(( threads / ${#arms[@]} > 1 ? threads / ${#arms[@]} - 1 : 1 ))
say ""
say "## Arms from $FROM on $(wc -l < "$ITEMS") items: ${GRPO_ITEMS:-32} items x 4 samples a step, $arm_threads threads each, until $train_until s"
declare -A pids
for a in "${arms[@]}"; do
  lr=${a%%:*} beta=${a##*:} arm="lr-$lr-beta-$beta"
  timeout "$left" "$grm" train grpo --model "$FROM" --items "$ITEMS" --out "$work/$arm.gguf" --steps "${STEPS:-150}" \
      --lr "$lr" --beta "$beta" --group 4 --items-per-step "${GRPO_ITEMS:-32}" --micro-batch "${GRPO_MICRO:-32}" \
      --warmup 2 --temperature 1 --max-tokens "$max_tokens" --checkpoint-every "${CKPT_EVERY:-10}" --resume \
      --log "$work/$arm.log" --threads "$arm_threads" --device "${TRAIN_DEVICE:-gpu}" -q >"$work/$arm.out" 2>&1 &
  pids[$arm]=$!
done
t_arms=$(elapsed)
(printf 'from\t0\t%s\t%s\n' "$(greedy "$FROM" "$dev" "$work/dev/from" 2)" "$FROM" >> "$work/dev.tsv") &
epids=($!)
for arm in "${!pids[@]}"; do evaluate_arm "$arm" "${pids[$arm]}" & epids+=($!); done
for arm in "${!pids[@]}"; do
  wait "${pids[$arm]}"
  say "- $arm: exit $? (124: stopped at $train_until s), $(( $(elapsed) - t_arms )) s, $(wc -l < "$work/$arm.log" 2>/dev/null || echo 0) steps, last: $(tail -1 "$work/$arm.log" 2>/dev/null | jq -c '{step, reward, accuracy, kl, valid}')"
done
wait "${epids[@]}"
say "- training and dev evaluations done at $(elapsed) s"

say ""
say "## Dev greedy accuracy ($(wc -l < "$dev") items), by arm and step"
say "| arm | step | dev |"
say "| --- | --- | --- |"
sort -k1,1 -k2,2n "$work/dev.tsv" | awk -F'\t' '{printf "| %s | %s | %s |\n", $1, $2, $3}' | tee -a "$report"
best=$(awk -F'\t' '$1 != "from" && $3 != "-" && ($3 > b || n == 0) {b = $3; a = $1; s = $2; m = $4; n = 1}
    END {if (n) print a, s, m}' \
    <(sort -k1,1 -k2,2n "$work/dev.tsv"))
if [ -n "$best" ]; then
  read -r arm step model <<<"$best"
  cp "$model" "$out/s2.gguf"
  say "- chosen on dev: $arm, step $step"
  if [ "$(elapsed)" -lt $((deadline - 45)) ]; then
    say "- test greedy ($(wc -l < "$test") items): $(greedy "$model" "$test" "$work/test" "$threads") at $(elapsed) s"
  else
    say "- test not judged: too close to the deadline ($(elapsed) s)"
  fi
fi
for a in "${arms[@]}"; do
  arm="lr-${a%%:*}-beta-${a##*:}"
  m=$work/$arm.gguf
  [ -f "$m" ] || m=$(ls -d "$work/$arm.gguf.ckpt"/step-*/model.gguf 2>/dev/null | grep -v '\.tmp' | tail -1)
  [ -n "$m" ] && "$grm" model quantize --in "$m" --out "$out/$arm.f16.gguf" --type f16 >/dev/null 2>&1
done
(cd "$work" && tar czf "$out/logs.tar.gz" ./*.log ./*.out dev.tsv dev/*/report.json dev/*/summary.md \
    dev/*/items.jsonl test/report.json test/summary.md test/items.jsonl 2>/dev/null)
say "- packed at $(elapsed) s: $(cd "$out" && ls | tr '\n' ' ')"
