#!/usr/bin/env bash
# The SPCT recipe on the synth domain (../shared/SYNTH.md, issue 5), end to end through grm's own commands:
#   data -> domain vocabulary -> random init -> S0 (SFT on the noisy teacher) -> S1 (RFT, learning rate chosen
#   on a dev split) -> S2 (GRPO, learning rate and beta chosen on the dev split) -> meta RM -> ablations (no
#   principles) -> evaluation on a fresh test split.
# Every stage writes its output atomically and is skipped when the output exists, and the training stages
# checkpoint, so re-running the script resumes where it stopped. Wall times go to $WORK/times.tsv.
#
# Usage: scripts/synth-recipe.sh [STAGE...]    (no stage: all, in order)
# Env:   WORK (default runs/synth), GRM (default build/grm), THREADS (default: all cores), and the sizes below.
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${WORK:-runs/synth}
GRM=${GRM:-$PWD/build/grm}
THREADS=${THREADS:-0}
# Model: 6 layers, 192 wide (3.4M parameters with the domain vocabulary). Runs 1-5 used 4 x 128 (1.3M; LAYERS=4
# EMBD=128 HEADS=4 FF=384), the largest whose k = 32 evaluation took half an hour here; its S0 stopped improving
# at 72,000 trajectories (49-50% greedy, under the 55-75% band). On the same data 6 x 192 is ahead after phase a
# (dev 26.3% against 19.8%); an S0 step costs 2.3x as much (docs/synth.md, sixth run).
LAYERS=${LAYERS:-6} EMBD=${EMBD:-192} HEADS=${HEADS:-6} KV_HEADS=${KV_HEADS:-2} FF=${FF:-576} VOCAB=${VOCAB:-2000}
# S0 is trained in phases, each continuing from the last on fresh teacher trajectories (one shuffled order per
# item): N_S0* items, S0*_STEPS steps of 16 at peak rate S0*_LR. Phases a-e were set for the 4 x 128 model, which
# saturates after them (49-50% greedy); the 6 x 192 model was still learning at their end (loss per token falling by
# a sixth per quarter, numbers misread), and phases f-h continue it at gentler rates (docs/synth.md, sessions 16
# and 18): after e 52.7% on test, after g 54.6% (57.3% on dev); a chain trained on 2 cores throughout: g 50.9%, h
# 52.2% (session 21). Phase f trains 600 steps on 16,000 trajectories (9,600 of them), as session 16's probe did; g
# and h are one epoch each.
N_S0=${N_S0:-6000}   N_S0B=${N_S0B:-12000} N_S0C=${N_S0C:-18000} N_S0D=${N_S0D:-36000}
N_S0E=${N_S0E:-36000} N_S0F=${N_S0F:-16000} N_S0G=${N_S0G:-24000} N_S0H=${N_S0H:-32000}
S0_STEPS=${S0_STEPS:-375}    S0_LR=${S0_LR:-2e-3}    S0B_STEPS=${S0B_STEPS:-750}  S0B_LR=${S0B_LR:-1.5e-3}
S0C_STEPS=${S0C_STEPS:-1100} S0C_LR=${S0C_LR:-1e-3}  S0D_STEPS=${S0D_STEPS:-2250} S0D_LR=${S0D_LR:-8e-4}
S0E_STEPS=${S0E_STEPS:-2250} S0E_LR=${S0E_LR:-6e-4}  S0F_STEPS=${S0F_STEPS:-600}  S0F_LR=${S0F_LR:-3e-4}
S0G_STEPS=${S0G_STEPS:-1500} S0G_LR=${S0G_LR:-3e-4}  S0H_STEPS=${S0H_STEPS:-2000} S0H_LR=${S0H_LR:-2e-4}
# The phase table (index 0 = phase a): model and data file names, item and teacher seeds, warmup, cosine floor.
S0_MODELS=(s0a s0b s0c s0d s0e s0f s0g s0h)
S0_DATA=(s0 s0b s0c s0d s0e s0f s0g s0h)
S0_ITEM_SEEDS=(101 104 105 106 107 108 109 110) S0_TEACHER_SEEDS=(11 12 13 14 15 16 17 18)
S0_WARMUP=(30 10 10 10 10 10 10 10) S0_MIN_LR=(0.1 0.1 0.05 0.05 0.05 0.05 0.05 0.05)
S0_ITEMS=("$N_S0" "$N_S0B" "$N_S0C" "$N_S0D" "$N_S0E" "$N_S0F" "$N_S0G" "$N_S0H")
S0_STEP_COUNTS=("$S0_STEPS" "$S0B_STEPS" "$S0C_STEPS" "$S0D_STEPS" "$S0E_STEPS" "$S0F_STEPS" "$S0G_STEPS" "$S0H_STEPS")
S0_LRS=("$S0_LR" "$S0B_LR" "$S0C_LR" "$S0D_LR" "$S0E_LR" "$S0F_LR" "$S0G_LR" "$S0H_LR")
# How many phases make S0: 7 (a-g), the best measured; 8 adds phase h; fewer make a cheaper run at a reduced budget
# (the seventh run compared the arms with and without principles after phase c).
S0_PHASES=${S0_PHASES:-7}
[[ "$S0_PHASES" =~ ^[1-8]$ ]] || { echo "recipe: S0_PHASES=$S0_PHASES: must be 1 to 8 (phases a-h)" >&2; exit 2; }
# The first phase to train (1-8): a run that carried an earlier phase's model to another machine continues from it
# ($WORK/s0a.gguf ... s0g.gguf; e.g. S0_START=8 with s0g.gguf trains phase h only).
S0_START=${S0_START:-1}
[[ "$S0_START" =~ ^[1-8]$ ]] || { echo "recipe: S0_START=$S0_START: must be 1 to 8 (phases a-h)" >&2; exit 2; }
[ "$S0_START" -le "$S0_PHASES" ] || { echo "recipe: S0_START=$S0_START is after the last phase (S0_PHASES=$S0_PHASES)" >&2; exit 2; }
N_RFT=${N_RFT:-1500}       # items sampled for RFT
N_GRPO=${N_GRPO:-2000}     # items GRPO draws from
N_DEV=${N_DEV:-800}        # dev split (RFT learning rate, GRPO learning rate and beta)
N_TEST=${N_TEST:-2000}     # test split (the claims)
S1_LRS=${S1_LRS:-"1e-4 2.5e-4 5e-4"}  S1_EPOCHS=${S1_EPOCHS:-1}   # RFT learning rates tried on the dev split
# The beta sweep runs 24 GRPO steps per beta: after 6 (the second and third runs) the betas were within dev noise,
# and the beta chosen that way (0.01) later collapsed part of the output format (third run: 18% unparseable).
# GRPO's learning rate is a tenth of RFT's (the paper: 4e-7 against 5e-6): at 2e-4 (the earlier runs) 24 steps
# at beta 0 took the fourth run's S1 from 52.8% to 42.5% on dev while the sampled reward did not move.
# The sweep is every GRPO_LRS x BETAS pair: 2e-5 held S1 (fourth run) without lifting it, so larger rates are tried.
GRPO_SWEEP_STEPS=${GRPO_SWEEP_STEPS:-24} GRPO_STEPS=${GRPO_STEPS:-100}
GRPO_LRS=${GRPO_LRS:-"2e-5 5e-5 1e-4"} BETAS=${BETAS:-"0 0.01 0.08"}
# Items per GRPO step (G = 4 samples each) and trajectories per forward/backward (a GPU takes larger ones).
GRPO_ITEMS=${GRPO_ITEMS:-8} GRPO_MICRO=${GRPO_MICRO:-8}
BT_STEPS=${BT_STEPS:-250}
N_META=${N_META:-1000}     # RFT items whose S2 samples (4 each) join the meta RM data
META_STEPS=${META_STEPS:-0}  # 0 = one epoch
EVAL_K=${EVAL_K:-"1,2,4,8,16,32"}
# The longest teacher trajectories (n = 4, F3) are ~600 characters, ~260 tokens: a 160-token budget cut 81% of
# the first run's n = 4 judgments short (forced verdicts), in evaluation, RFT sampling and GRPO alike.
MAX_TOKENS=${MAX_TOKENS:-320}
# SFT with batches of similar length (grm train sft --length-window N) runs 1.6-1.9x faster per step here, but
# in the sixth run the 6 x 192 model's phase b trained with windows of 64 steps ended at a higher loss per token
# than the small model's phase b on the same examples without (0.23 against 0.14 over the last 64 steps), where in
# phase a (no windows) it was the lower: off by default until a same-model comparison settles it (docs/synth.md,
# sixth run). A phase resumes only with the setting it started with (grm checks the data order). SFT's default
# token-budget micro-batches (--micro-tokens 2048: each step's 16 examples run longest first in micro-batches
# of at most 2,048 padded tokens) train the same gradients 1.41x faster and need no such choice.
LENGTH_WINDOW=${LENGTH_WINDOW:-0}
# Where the training stages run (grm train --device: cpu, gpu for a CUDA build, auto), and SFT's micro-batch
# token budget (0: whole --batch micro-batches, which suit a GPU: fewer, larger graphs; the same gradients).
TRAIN_DEVICE=${TRAIN_DEVICE:-auto} MICRO_TOKENS=${MICRO_TOKENS:-2048}

mkdir -p "$WORK/sweep"
times="$WORK/times.tsv"
[ -f "$times" ] || printf 'stage\tseconds\n' > "$times"

# run_stage NAME OUTPUT CMD...: runs CMD unless OUTPUT exists; records the wall time.
run_stage() {
  local name=$1 out=$2
  shift 2
  if [ -e "$out" ]; then
    echo "recipe: $name: $out exists, skipped" >&2
    return 0
  fi
  echo "recipe: $name ..." >&2
  local t0=$SECONDS
  "$@"
  printf '%s\t%d\n' "$name" $((SECONDS - t0)) >> "$times"
}

sft() {  # sft MODEL DATA OUT [extra flags]
  local model=$1 data=$2 out=$3
  shift 3
  "$GRM" train sft --model "$model" --data "$data" --out "$out" --batch 16 --threads "$THREADS" \
      --checkpoint-every 50 --resume --length-window "$LENGTH_WINDOW" --micro-tokens "$MICRO_TOKENS" \
      --device "$TRAIN_DEVICE" --log "$out.log" -q "$@"
}

# evaluate NAME MODEL K_LIST [extra flags]: grm eval on the test split into $WORK/eval/NAME; with greedy, also how
# its critiques compare with the teacher's (critiques.md / critiques.json: reading errors, not only verdicts).
evaluate() {
  local name=$1 model=$2 ks=$3 dir="$WORK/eval/$1"
  shift 3
  "$GRM" eval --bench items --data "$WORK/test.jsonl" --model "$model" --k "$ks" --report "$dir" \
      --max-tokens "$MAX_TOKENS" --threads "$THREADS" -q "$@"
  if [ -f "$dir/cache/items/greedy.jsonl" ]; then
    "$GRM" synth critiques --items "$WORK/test.jsonl" --judgments "$dir/cache/items/greedy.jsonl" \
        --json "$dir/critiques.json" --overwrite > "$dir/critiques.md"
  fi
}

# S0's data for phases a..S0_PHASES (at least a and b: the vocabulary reads phase a's, the Bradley-Terry baseline
# phases a and b's items), with and without principles (the ablation), then the RFT, GRPO, dev and test items.
stage_data() {
  local i last=$((S0_PHASES > 2 ? S0_PHASES : 2)) d
  for ((i = 0; i < last; i++)); do
    d=${S0_DATA[i]}
    run_stage "items-$d" "$WORK/$d-items.jsonl" "$GRM" synth items --n "${S0_ITEMS[i]}" --seed "${S0_ITEM_SEEDS[i]}" \
        --out "$WORK/$d-items.jsonl"
    run_stage "teacher-$d" "$WORK/$d-teacher.jsonl" "$GRM" synth teacher --in "$WORK/$d-items.jsonl" \
        --out "$WORK/$d-teacher.jsonl" --seed "${S0_TEACHER_SEEDS[i]}"
    run_stage "teacher-$d-np" "$WORK/$d-teacher-np.jsonl" "$GRM" synth teacher --in "$WORK/$d-items.jsonl" \
        --out "$WORK/$d-teacher-np.jsonl" --seed "${S0_TEACHER_SEEDS[i]}" --no-principles
  done
  run_stage items-rft "$WORK/rft-items.jsonl" "$GRM" synth items --n "$N_RFT" --seed 102 --out "$WORK/rft-items.jsonl"
  run_stage items-grpo "$WORK/grpo-items.jsonl" "$GRM" synth items --n "$N_GRPO" --seed 103 --out "$WORK/grpo-items.jsonl"
  run_stage items-dev "$WORK/dev.jsonl" "$GRM" synth items --n "$N_DEV" --seed 204 --out "$WORK/dev.jsonl"
  run_stage items-test "$WORK/test.jsonl" "$GRM" synth items --n "$N_TEST" --seed 303 --out "$WORK/test.jsonl"
}

stage_init() {
  run_stage vocab "$WORK/vocab.gguf" "$GRM" model vocab --records "$WORK/s0-teacher.jsonl" \
      --records "$WORK/s0-teacher-np.jsonl" --size "$VOCAB" --threads "$THREADS" --out "$WORK/vocab.gguf"
  run_stage init "$WORK/init.gguf" "$GRM" model init --vocab "$WORK/vocab.gguf" --layers "$LAYERS" --embd "$EMBD" \
      --heads "$HEADS" --kv-heads "$KV_HEADS" --ff "$FF" --ctx 1024 --template compact --seed 1 --out "$WORK/init.gguf"
}

# s0_phases SUFFIX: S0's phases S0_START..S0_PHASES, each continuing from the last, on
# $WORK/{s0,s0b,...,s0h}-teacher$SUFFIX.jsonl (SUFFIX -np: the no-principles ablation), into
# $WORK/{s0a,...,s0h}$SUFFIX.gguf; the last phase's model is then copied to $WORK/s0$SUFFIX.gguf, S0. Skipped
# when S0 exists (a work directory of runs 1-9, whose last phase wrote s0.gguf directly, resumes unchanged).
s0_phases() {
  local sfx=$1 from="$WORK/init.gguf" i out
  [ -f "$WORK/s0$sfx.gguf" ] && { echo "recipe: s0$sfx: $WORK/s0$sfx.gguf exists, skipped" >&2; return 0; }
  if [ "$S0_START" -gt 1 ]; then
    from="$WORK/${S0_MODELS[S0_START - 2]}$sfx.gguf"
    [ -f "$from" ] || { echo "recipe: S0_START=$S0_START continues from $from, which is missing" >&2; exit 1; }
  fi
  for ((i = S0_START - 1; i < S0_PHASES; i++)); do
    out="$WORK/${S0_MODELS[i]}$sfx.gguf"
    run_stage "${S0_MODELS[i]}$sfx" "$out" sft "$from" "$WORK/${S0_DATA[i]}-teacher$sfx.jsonl" "$out" \
        --max-steps "${S0_STEP_COUNTS[i]}" --lr "${S0_LRS[i]}" --warmup "${S0_WARMUP[i]}" --min-lr-ratio "${S0_MIN_LR[i]}"
    from=$out
  done
  run_stage "s0$sfx" "$WORK/s0$sfx.gguf" keep_model "$from" "$WORK/s0$sfx.gguf"
}

# The 6 x 192 S0 by phase, greedy: on dev after a / b / c 26-31% / 37% / 48%; on test after e 52.7% with the loss
# still falling (0.27 -> 0.19 -> 0.07 -> 0.06 per token at the ends of a, b, c, e), after g 54.6% (57.3% on dev;
# it copies 98% of the results it critiques and judges them at chance). Phase f alone: 55.6% on dev. The same
# phases all trained on 2 cores (tenth run, session 20): 50.6% after f, 50.9% after g on test (the loss flat since e).
stage_s0() {
  s0_phases ""
  run_stage eval-s0 "$WORK/eval/s0/report.json" evaluate s0 "$WORK/s0.gguf" greedy
}

# dev_eval NAME MODEL: greedy accuracy of MODEL on the dev split, into $WORK/sweep/dev-NAME (skipped when there).
dev_eval() {
  run_stage "dev-$1" "$WORK/sweep/dev-$1/report.json" \
      "$GRM" eval --bench items --data "$WORK/dev.jsonl" --model "$2" --k greedy \
      --report "$WORK/sweep/dev-$1" --max-tokens "$MAX_TOKENS" --threads "$THREADS" -q
}

# pick_on_dev OUT PREFIX VALUE...: writes to OUT the VALUE whose dev run $WORK/sweep/dev-PREFIX$VALUE has the
# best greedy accuracy (the first listed wins ties); kept once written, so a resumed run keeps its choice.
pick_on_dev() {
  local out=$1 prefix=$2
  shift 2
  [ -f "$out" ] && return 0
  local v
  for v in "$@"; do
    printf '%s %s\n' "$(jq -r '.benchmarks.items.methods.greedy.main.value' "$WORK/sweep/dev-$prefix$v/report.json")" "$v"
  done | sort -s -k1,1 -g -r | head -1 | cut -d' ' -f2 > "$out.tmp" && mv "$out.tmp" "$out"
}

# chosen NAME: the value a dev sweep wrote to $WORK/NAME (s1-lr: stage s1; grpo: stage s2, as lr-X-beta-Y); stops
# the recipe, naming the stage to run, when that sweep has not run. Call it in an assignment, so that set -e sees
# the exit.
chosen() {
  if [ ! -f "$WORK/$1" ]; then
    echo "recipe: $WORK/$1 is missing: run the stage whose dev sweep chooses it first (s1 for s1-lr, s2 for grpo)" >&2
    exit 1
  fi
  cat "$WORK/$1"
}

# keep_model FROM TO: a model (and its training log) under a stage's own name (the chosen sweep model, the last
# S0 phase); the model lands last and whole, so an interrupted copy is redone on resume.
keep_model() {
  cp "$1.log" "$2.log"
  cp "$1" "$2.tmp" && mv "$2.tmp" "$2"
}

stage_s1() {
  # One sampling pass writes the RFT records and, for the meta RM (stage meta), every non-hinted sample labelled.
  # --overwrite: a run stopped after rft-all.jsonl landed but before rft.jsonl redoes both (same seed, same samples).
  run_stage rft-data "$WORK/rft.jsonl" "$GRM" train rft-data --model "$WORK/s0.gguf" --items "$WORK/rft-items.jsonl" \
      --samples 3 --temperature 1 --max-tokens "$MAX_TOKENS" --threads "$THREADS" --seed 21 --out "$WORK/rft.jsonl" \
      --all-out "$WORK/rft-all.jsonl" --overwrite
  # The RFT learning rate is chosen on the dev split: a rate that suited a weak S0 (5e-4 for the second run's
  # 39% S0) lowered the third run's 50% S0 by four points.
  dev_eval s0 "$WORK/s0.gguf"
  local lr
  for lr in $S1_LRS; do
    run_stage "s1-lr-$lr" "$WORK/sweep/s1-lr-$lr.gguf" sft "$WORK/s0.gguf" "$WORK/rft.jsonl" "$WORK/sweep/s1-lr-$lr.gguf" \
        --epochs "$S1_EPOCHS" --lr "$lr" --warmup 10 --min-lr-ratio 0.1
    dev_eval "s1-lr-$lr" "$WORK/sweep/s1-lr-$lr.gguf"
  done
  pick_on_dev "$WORK/s1-lr" s1-lr- $S1_LRS
  lr=$(chosen s1-lr)
  echo "recipe: S1 lr = $lr (dev)" >&2
  run_stage s1 "$WORK/s1.gguf" keep_model "$WORK/sweep/s1-lr-$lr.gguf" "$WORK/s1.gguf"
  run_stage eval-s1 "$WORK/eval/s1/report.json" evaluate s1 "$WORK/s1.gguf" greedy
}

grpo() {  # grpo OUT STEPS LR BETA
  "$GRM" train grpo --model "$WORK/s1.gguf" --items "$WORK/grpo-hard.jsonl" --out "$1" --steps "$2" --lr "$3" \
      --beta "$4" --group 4 --items-per-step "$GRPO_ITEMS" --micro-batch "$GRPO_MICRO" --warmup 2 --temperature 1 \
      --max-tokens "$MAX_TOKENS" --checkpoint-every 4 --resume --log "$1.log" --threads "$THREADS" --device "$TRAIN_DEVICE" -q
}

stage_s2() {
  # SPEC 3.2: the items S1 already gets right 3 of 3 times leave GRPO's pool (their groups agree: zero advantage).
  # The fourth run's S2 predates this filter (it drew from all of grpo-items.jsonl).
  run_stage grpo-s1-samples "$WORK/grpo-s1.jsonl" "$GRM" train rft-data --model "$WORK/s1.gguf" \
      --items "$WORK/grpo-items.jsonl" --samples 3 --keep all --no-hint --temperature 1 --max-tokens "$MAX_TOKENS" \
      --threads "$THREADS" --seed 41 --out "$WORK/grpo-s1.jsonl"
  if [ ! -f "$WORK/grpo-hard.jsonl" ]; then
    jq -nc --slurpfile s "$WORK/grpo-s1.jsonl" '
      ($s | group_by(.item.id) | map(select(all(.[]; .label == 1)) | {key: .[0].item.id, value: true}) | from_entries)
      as $easy | inputs | select($easy[.id] | not)' "$WORK/grpo-items.jsonl" > "$WORK/grpo-hard.tmp"
    mv "$WORK/grpo-hard.tmp" "$WORK/grpo-hard.jsonl"
  fi
  local lr beta pairs=()
  for lr in $GRPO_LRS; do
    for beta in $BETAS; do
      pairs+=("lr-$lr-beta-$beta")
      run_stage "grpo-lr-$lr-beta-$beta" "$WORK/sweep/grpo-lr-$lr-beta-$beta.gguf" \
          grpo "$WORK/sweep/grpo-lr-$lr-beta-$beta.gguf" "$GRPO_SWEEP_STEPS" "$lr" "$beta"
      dev_eval "grpo-lr-$lr-beta-$beta" "$WORK/sweep/grpo-lr-$lr-beta-$beta.gguf"
    done
  done
  pick_on_dev "$WORK/grpo" grpo- "${pairs[@]}"
  local pair
  pair=$(chosen grpo)
  lr=${pair#lr-} && lr=${lr%-beta-*} && beta=${pair##*-beta-}
  echo "recipe: GRPO lr = $lr, beta = $beta (dev)" >&2
  run_stage s2 "$WORK/s2.gguf" grpo "$WORK/s2.gguf" "$GRPO_STEPS" "$lr" "$beta"
}

stage_meta() {
  # SPEC 4 (meta RM guided voting): the non-hinted RFT trajectories, i.e. all of S0's non-hinted samples on the RFT
  # items, right and wrong (the paper's "enough positive and negative rewards"; RFT's own records keep only the
  # right ones, which the recipe used before session 12), plus S2's own samples, labelled by the correctness rule.
  # Stage s1 writes them beside rft.jsonl; this sampling (same seed, same samples) only runs for a work directory
  # whose rft.jsonl predates that.
  run_stage meta-s0-samples "$WORK/rft-all.jsonl" "$GRM" train rft-data --model "$WORK/s0.gguf" \
      --items "$WORK/rft-items.jsonl" --samples 3 --keep all --no-hint --temperature 1 --max-tokens "$MAX_TOKENS" \
      --threads "$THREADS" --seed 21 --out "$WORK/rft-all.jsonl"
  if [ ! -f "$WORK/meta-items.jsonl" ]; then
    head -n "$N_META" "$WORK/rft-items.jsonl" > "$WORK/meta-items.tmp" && mv "$WORK/meta-items.tmp" "$WORK/meta-items.jsonl"
  fi
  run_stage meta-s2-samples "$WORK/meta-s2.jsonl" "$GRM" train rft-data --model "$WORK/s2.gguf" \
      --items "$WORK/meta-items.jsonl" --samples 4 --keep all --no-hint --temperature 0.5 --max-tokens "$MAX_TOKENS" \
      --threads "$THREADS" --seed 31 --out "$WORK/meta-s2.jsonl"
  if [ ! -f "$WORK/meta-data.jsonl" ]; then
    cat "$WORK/rft-all.jsonl" "$WORK/meta-s2.jsonl" > "$WORK/meta-data.tmp"
    mv "$WORK/meta-data.tmp" "$WORK/meta-data.jsonl"
  fi
  run_stage meta "$WORK/meta-rm/head.gguf" "$GRM" train meta --model "$WORK/s2.gguf" --data "$WORK/meta-data.jsonl" \
      --out "$WORK/meta-rm" --batch 16 --epochs 1 --max-steps "$META_STEPS" --lr 3e-4 --threads "$THREADS" --checkpoint-every 50 --resume \
      --device "$TRAIN_DEVICE" --log "$WORK/meta-rm.log" -q
}

stage_ablations() {
  # The pipeline without principles: S0 (the same phases on the same items) and S1 on trajectories without the
  # Specific Criteria block.
  s0_phases -np
  run_stage rft-data-np "$WORK/rft-np.jsonl" "$GRM" train rft-data --model "$WORK/s0-np.gguf" \
      --items "$WORK/rft-items.jsonl" --samples 3 --temperature 1 --max-tokens "$MAX_TOKENS" --threads "$THREADS" \
      --seed 21 --out "$WORK/rft-np.jsonl"
  local lr  # the learning rate S1's own dev sweep chose
  lr=$(chosen s1-lr)
  run_stage s1-np "$WORK/s1-np.gguf" sft "$WORK/s0-np.gguf" "$WORK/rft-np.jsonl" "$WORK/s1-np.gguf" \
      --epochs "$S1_EPOCHS" --lr "$lr" --warmup 10 --min-lr-ratio 0.1
}

stage_bt() {
  # The scalar Bradley-Terry baseline: same backbone shape and initialisation, the preference pairs of the S0
  # items (best vs each other response), a scalar head on the last token.
  if [ ! -f "$WORK/bt-items.jsonl" ]; then
    cat "$WORK/s0-items.jsonl" "$WORK/s0b-items.jsonl" > "$WORK/bt-items.tmp" && mv "$WORK/bt-items.tmp" "$WORK/bt-items.jsonl"
  fi
  run_stage bt "$WORK/bt/head.gguf" "$GRM" train bt --model "$WORK/init.gguf" --data "$WORK/bt-items.jsonl" --out "$WORK/bt" \
      --batch 16 --max-steps "$BT_STEPS" --lr 2e-3 --warmup 30 --threads "$THREADS" --checkpoint-every 50 --resume \
      --device "$TRAIN_DEVICE" --log "$WORK/bt.log" -q
  run_stage eval-bt "$WORK/eval/bt.json" "$GRM" eval-scalar --rm "$WORK/bt" --data "$WORK/test.jsonl" \
      --out "$WORK/eval/bt.json" --threads "$THREADS" -q
}

stage_eval_s2() {
  run_stage eval-s2 "$WORK/eval/s2/report.json" evaluate s2 "$WORK/s2.gguf" "$EVAL_K" --meta-rm "$WORK/meta-rm"
}

# Claim 4: S1 with and without principles, greedy and Voting@8 (eval-s0 has S0's greedy accuracy; eval-s0-np is
# its counterpart).
stage_eval_s1_k8() {
  run_stage eval-s1-k8 "$WORK/eval/s1-k8/report.json" evaluate s1-k8 "$WORK/s1.gguf" 1,8
}
stage_eval_np() {
  run_stage eval-s0-np "$WORK/eval/s0-np/report.json" evaluate s0-np "$WORK/s0-np.gguf" greedy
  run_stage eval-s1-np "$WORK/eval/s1-np/report.json" evaluate s1-np "$WORK/s1-np.gguf" 1,8
}

stage_eval() {
  stage_eval_s2
  # Claim 5: the same pool of 8 with every sample in the item's own order (scripts/synth-table.sh compares the
  # vote by position of the true best against eval-s2's shuffled pool). No greedy pass: it would repeat eval-s2's.
  run_stage eval-s2-fixed "$WORK/eval/s2-fixed/report.json" evaluate s2-fixed "$WORK/s2.gguf" 8 --orders fixed
  stage_eval_np
  stage_eval_s1_k8
}

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(data init s0 s1 s2 meta bt ablations eval)
for s in "${stages[@]}"; do
  "stage_$s"
done
echo "recipe: done; wall times in $times" >&2
