#!/usr/bin/env bash
# scripts/synth-recipe.sh end to end on a tiny budget (a 1-layer model, a few items, a step or two per stage):
# every stage runs, a reduced S0 (S0_PHASES=2) is its last phase, the dev sweeps choose among what they tried,
# a second run resumes by skipping every stage, and S0_START continues S0 from a carried phase's model (also
# through the late phases g and h). The
# script is not compiled: only a run finds a stage that reads a file no earlier stage writes, or a renamed
# function.
# Usage: synth_recipe_test.sh GRM WORKDIR
set -euo pipefail
grm=$1 work=$2
recipe="$(cd "$(dirname "$0")/.." && pwd)/scripts/synth-recipe.sh"
rm -rf "$work" && mkdir -p "$work"

export WORK="$work" GRM="$grm" THREADS=2 LAYERS=1 EMBD=32 HEADS=2 KV_HEADS=1 FF=64 VOCAB=400 \
  N_S0=40 N_S0B=8 N_S0C=8 N_S0D=8 N_S0E=8 N_S0F=8 N_S0G=8 N_S0H=32 N_RFT=6 N_GRPO=6 N_DEV=4 N_TEST=6 N_META=3 \
  S0_STEPS=2 S0B_STEPS=2 S0C_STEPS=2 S0D_STEPS=2 S0E_STEPS=2 S0F_STEPS=2 S0G_STEPS=2 S0H_STEPS=2 \
  S0_PHASES=2 S1_LRS="1e-3 2e-3" \
  GRPO_SWEEP_STEPS=1 GRPO_STEPS=1 GRPO_LRS=1e-4 BETAS="0 0.08" BT_STEPS=2 META_STEPS=1 EVAL_K=1,2 MAX_TOKENS=48

fail() { echo "synth_recipe_test: $*" >&2; exit 1; }

"$recipe" > "$work/first.out" 2>&1 || { cat "$work/first.out"; fail "the first run failed"; }

for f in s0.gguf s1.gguf s2.gguf meta-rm/head.gguf bt/head.gguf s0-np.gguf s1-np.gguf eval/s0/report.json \
         eval/s2/report.json eval/s2-fixed/report.json eval/s0-np/report.json eval/s1-np/report.json eval/s1-k8/report.json eval/bt.json; do
  [ -s "$work/$f" ] || fail "$f was not written"
done
# S0_PHASES=2: phases a and b only, and S0 is phase b's model, for both arms.
for sfx in "" -np; do
  [ ! -e "$work/s0c$sfx.gguf" ] || fail "s0c$sfx.gguf was trained with S0_PHASES=2"
  cmp -s "$work/s0b$sfx.gguf" "$work/s0$sfx.gguf" || fail "s0$sfx.gguf is not phase b's model"
done
# Greedy evaluations also check the critiques against the teacher's lines.
jq -e '.groups[0].group == "all" and .groups[0].lines > 0' "$work/eval/s0/critiques.json" > /dev/null \
  || fail "eval/s0/critiques.json lacks the critique check"
grep -q '^| all |' "$work/eval/s1/critiques.md" || fail "eval/s1/critiques.md lacks the critique table"
grep -qxE '1e-3|2e-3' "$work/s1-lr" || fail "s1-lr holds '$(cat "$work/s1-lr")', not one of S1_LRS"
grep -qxE 'lr-1e-4-beta-(0|0.08)' "$work/grpo" || fail "grpo holds '$(cat "$work/grpo")', not a pair it tried"
jq -e '.benchmarks.items.methods | has("greedy") and has("voting@8")' "$work/eval/s1-np/report.json" > /dev/null \
  || fail "eval/s1-np/report.json lacks greedy or voting@8"
# The meta RM's data: every non-hinted RFT sample of S0 (3 per RFT item, labelled), then S2's 4 per meta item.
[ "$(jq -s 'map(select(has("label") and (.hinted | not))) | length' "$work/rft-all.jsonl")" -eq 18 ] \
  || fail "rft-all.jsonl does not hold 3 labelled non-hinted samples per RFT item"
[ "$(wc -l < "$work/meta-data.jsonl")" -eq 30 ] || fail "meta-data.jsonl is not rft-all.jsonl + meta-s2.jsonl"
# Stage s1's sampling pass wrote them: the meta stage did not sample S0 again.
if grep -q '^meta-s0-samples' "$work/times.tsv"; then fail "the meta stage sampled S0 again (rft-all.jsonl should come from stage s1)"; fi

# The run's curves: S0's phases and S1 as one loss curve, GRPO's per step (scripts/synth-plots.sh, needs gnuplot).
"$(dirname "$recipe")/synth-plots.sh" "$work" "$work/plots" > "$work/plots.out" 2>&1 || { cat "$work/plots.out"; fail "synth-plots.sh failed"; }
for f in sft-loss.png grpo.png; do
  [ "$(head -c 4 "$work/plots/$f" | tail -c 3)" = PNG ] || fail "synth-plots.sh did not write $f"
done

stages_run=$(($(wc -l < "$work/times.tsv") - 1))
"$recipe" > "$work/second.out" 2>&1 || { cat "$work/second.out"; fail "the second run failed"; }
if grep -E '^recipe: [^ ]+ \.\.\.$' "$work/second.out"; then fail "the second run redid the stages above"; fi
[ $(($(wc -l < "$work/times.tsv") - 1)) -eq "$stages_run" ] || fail "the second run timed new stages"

# S0_START=2 continues from a carried phase-a model: phase b only, then S0 is phase b's model.
start="$work/start2"
mkdir -p "$start" && cp "$work/s0a.gguf" "$start/"
WORK="$start" S0_START=2 "$recipe" data s0 > "$work/start2.out" 2>&1 || { cat "$work/start2.out"; fail "S0_START=2 failed"; }
[ ! -e "$start/init.gguf" ] || fail "S0_START=2 made a random init"
cmp -s "$work/s0a.gguf" "$start/s0a.gguf" || fail "S0_START=2 changed the carried phase-a model"
cmp -s "$start/s0b.gguf" "$start/s0.gguf" || fail "S0_START=2: s0.gguf is not phase b's model"
if WORK="$work/start3" S0_START=3 S0_PHASES=3 "$recipe" s0 > "$work/start3.out" 2>&1; then fail "S0_START=3 ran without phase b's model"; fi
grep -q "continues from .*s0b.gguf, which is missing" "$work/start3.out" || fail "S0_START=3 without s0b.gguf: $(cat "$work/start3.out")"
# The late phases: S0_START=7 S0_PHASES=8 continues from a carried phase-f model (here phase a's file under that
# name) through phases g and h, on their own data (items seeds 109 and 110), and S0 is phase h's model.
late="$work/late"
mkdir -p "$late" && cp "$work/s0a.gguf" "$late/s0f.gguf"
WORK="$late" S0_START=7 S0_PHASES=8 "$recipe" data s0 > "$work/late.out" 2>&1 || { cat "$work/late.out"; fail "S0_START=7 S0_PHASES=8 failed"; }
for f in s0g.gguf s0h.gguf s0g-teacher.jsonl s0h-teacher-np.jsonl; do [ -s "$late/$f" ] || fail "S0_PHASES=8: $f was not written"; done
cmp -s "$late/s0h.gguf" "$late/s0.gguf" || fail "S0_PHASES=8: s0.gguf is not phase h's model"
"$grm" synth items --n 32 --seed 110 --out "$work/h-items.jsonl"
cmp -s "$work/h-items.jsonl" "$late/s0h-items.jsonl" || fail "phase h's items are not items seed 110"
jq -e '.step == 2' <(tail -1 "$late/s0h.gguf.log") > /dev/null || fail "phase h did not train S0H_STEPS = 2 steps"
if S0_START=3 S0_PHASES=2 "$recipe" s0 > "$work/order.out" 2>&1; then fail "S0_START after S0_PHASES was accepted"; fi
grep -q "S0_START=3 is after the last phase" "$work/order.out" || fail "S0_START > S0_PHASES: $(cat "$work/order.out")"
echo "synth_recipe_test: $stages_run stages ran, then all were skipped; S0_START continues from a carried phase, up to phase h"
