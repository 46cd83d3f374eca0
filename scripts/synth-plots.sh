#!/usr/bin/env bash
# Curves of a synth recipe run (scripts/synth-recipe.sh) as PNGs for docs/synth.md: the SFT losses of S0 (phases a-h) and
# S1 end to end (each phase continues the last, so its steps are counted on from the last one's), and GRPO's
# reward, accuracy, KL and validity per step for each run of the sweep and for S2.
# Usage: scripts/synth-plots.sh [WORK] [OUT_DIR]   (defaults: runs/synth, docs/synth). Needs jq and gnuplot.
set -euo pipefail
work=${1:-runs/synth}
out=${2:-docs/synth}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# SFT losses: one column file per run (step counted on from the previous phase, loss).
sft_plots=()
offset=0
last_log=""
for run in s0a s0b s0c s0d s0e s0f s0g s0h s0 s1; do
  log="$work/$run.gguf.log"
  [ -f "$log" ] || continue
  # s0.gguf.log is a copy of the last phase's log; only work directories of runs 1-9, where the last phase wrote
  # s0.gguf itself, have it as a curve of its own.
  title=$run
  if [ "$run" = s0 ]; then
    [ -n "$last_log" ] && cmp -s "$log" "$last_log" && continue
    title="s0 (last phase)"
  fi
  jq -r --argjson off "$offset" '[.step + $off, .loss] | @tsv' "$log" > "$tmp/$run.dat"
  offset=$(tail -1 "$tmp/$run.dat" | cut -f1)
  last_log=$log
  sft_plots+=("'$tmp/$run.dat' using 1:2 with lines title '$title'")
done
if [ ${#sft_plots[@]} -gt 0 ]; then
  gnuplot <<GP
set terminal pngcairo size 800,450
set output '$out/sft-loss.png'
set xlabel 'optimizer step (phases in sequence)'; set ylabel 'loss per trajectory token'; set logscale y; set grid
plot $(IFS=,; echo "${sft_plots[*]}")
GP
fi

# GRPO: one file per run (step, reward, accuracy, kl, valid), first update of each batch only.
grpo_runs=()
for log in "$work"/sweep/beta-*.gguf.log "$work"/sweep/grpo-*.gguf.log "$work/s2.gguf.log"; do
  [ -f "$log" ] || continue
  name=$(basename "$log" .gguf.log)
  jq -r 'select(.update == 0) | [.step, .reward, .accuracy, .kl, .valid] | @tsv' "$log" > "$tmp/$name.dat"
  grpo_runs+=("$name")
done
if [ ${#grpo_runs[@]} -gt 0 ]; then
  plot_col() {  # column title
    local col=$1 first=1 s=""
    for r in "${grpo_runs[@]}"; do
      [ $first -eq 1 ] || s+=", "
      s+="'$tmp/$r.dat' using 1:$col with linespoints title '$r'"
      first=0
    done
    echo "$s"
  }
  gnuplot <<GP
set terminal pngcairo size 1000,700
set output '$out/grpo.png'
set multiplot layout 2,2 title 'GRPO from S1 (sampled batch per step; G = 4)'
set grid; set xlabel 'step'
set title 'rule reward (mean)'; plot $(plot_col 2)
set title 'accuracy of samples'; plot $(plot_col 3)
set title 'KL to S1 (k3)'; plot $(plot_col 4)
set title 'valid verdicts'; plot $(plot_col 5)
unset multiplot
GP
fi
echo "synth-plots: wrote $(ls "$out"/*.png 2>/dev/null | tr '\n' ' ')" >&2
