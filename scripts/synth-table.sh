#!/usr/bin/env bash
# Markdown tables of a synth recipe run's evaluations (scripts/synth-recipe.sh), for docs/synth.md:
# per model, accuracy overall and per family with 95% bootstrap intervals, for every method grm eval reported
# (greedy, voting@k, meta_voting@k), the scalar Bradley-Terry baseline, and the dev-split choices of the sweeps.
# Usage: scripts/synth-table.sh [WORK]   (default runs/synth). Needs jq.
set -euo pipefail
work=${1:-runs/synth}
pct='(. * 1000 | round / 10)'
echo "| model | method | all | F1 | F2 | F3 | F4 | F5 | F6 |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for dir in "$work"/eval/*/; do
  name=$(basename "$dir")
  [ -f "$dir/report.json" ] || continue
  jq -r --arg name "$name" "
    .benchmarks.items.methods | to_entries | sort_by(.key | capture(\"^(?<m>[a-z_]+)(@(?<k>[0-9]+))?$\") | [.m, ((.k // \"0\") | tonumber)])[] |
    .key as \$m | .value as \$v |
    \"| \(\$name) | \(\$m) | \(\$v.main.value | $pct) [\(\$v.main.ci95[0] | $pct), \(\$v.main.ci95[1] | $pct)] | \" +
    ([\"F1\",\"F2\",\"F3\",\"F4\",\"F5\",\"F6\"] | map(\$v.subsets[.].value // null | if . == null then \"-\" else ($pct | tostring) end) | join(\" | \")) + \" |\"
  " "$dir/report.json"
done
if [ -f "$work/eval/bt.json" ]; then
  jq -r "
    .subsets as \$s |
    \"| bt (n >= 2 items) | scalar | \(.accuracy.value | $pct) [\(.accuracy.ci[0] | $pct), \(.accuracy.ci[1] | $pct)] | \" +
    ([\"F1\",\"F2\",\"F3\",\"F4\",\"F5\",\"F6\"] | map(\$s[.].value // null | if . == null then \"-\" else ($pct | tostring) end) | join(\" | \")) + \" |\"
  " "$work/eval/bt.json"
fi
if ls "$work"/sweep/dev-*/report.json > /dev/null 2>&1; then
  echo
  echo "Dev split choices (greedy accuracy on \`dev.jsonl\`; s0 = the start of RFT, s1-lr-X = RFT at learning rate X,"
  echo "grpo-lr-X-beta-Y = GRPO_SWEEP_STEPS GRPO steps from S1 at learning rate X and beta Y; runs 3 and 4 swept beta"
  echo "alone, named beta-Y (run 3: the bare beta), at the GRPO_LR of the time):"
  echo
  echo "| dev run | greedy |"
  echo "| --- | --- |"
  for report in "$work"/sweep/dev-*/report.json; do
    name=$(basename "$(dirname "$report")"); name=${name#dev-}
    printf '| %s | %s |\n' "$name" "$(jq -r ".benchmarks.items.methods.greedy.main.value | $pct" "$report")"
  done
fi
echo
echo "Stage wall times (2 cores):"
echo
echo "| stage | seconds |"
echo "| --- | --- |"
tail -n +2 "$work/times.tsv" | awk -F'\t' '$2 > 0 { printf "| %s | %s |\n", $1, $2 }'

# Claim 5 (shuffling): Voting@K over the first K samples of each item's pool (K = POS_K, default 8), by the
# position of the true best in the item as written (test.jsonl), for every evaluation with a pool of at least K
# samples. With balanced orders each sample sees the responses in another order (the first K of a balanced pool
# put every response at every position equally often when K is a multiple of n), so a judge's bias for a
# position is voted away; with fixed orders it is not.
test_items="$work/test.jsonl"
pos_k=${POS_K:-8}
if [ -f "$test_items" ]; then
  echo
  echo "Voting@$pos_k (the first $pos_k samples of each pool) by position of the true best (items with n >= 2; ties count as wrong):"
  echo
  echo "| evaluation | orders | pool | 1st | 2nd | 3rd | 4th |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  for dir in "$work"/eval/*/; do
    name=$(basename "$dir")
    # A pool of exactly K samples when the evaluation made one, else its largest (greedy-only: none).
    pool="$dir"cache/items/pool-k$pos_k.jsonl
    [ -f "$pool" ] || pool=$(ls "$dir"cache/items/pool-k*.jsonl 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$pool" ] || continue
    k=$(basename "$pool" .jsonl | sed 's/pool-k//')
    [ "$k" -ge "$pos_k" ] && [ "$pos_k" -gt 1 ] || continue
    orders=$(jq -r '.orders // "balanced"' "$dir/cache/items/settings.json")
    jq -rn --arg name "$name" --arg orders "$orders" --arg k "$k" --argjson K "$pos_k" \
       --slurpfile items "$test_items" --slurpfile pool "$pool" '
      ($items | map(select(.label.best != null) | {key: .id, value: .label.best}) | from_entries) as $best |
      [$pool[] | select($best[.id] != null) |
        ([.samples[:$K][] | select(.valid) | .scores] | transpose | map(add // 0)) as $sum |
        ($sum | max) as $top |
        {pos: $best[.id],
         ok: (($sum | length) > 0 and ([$sum[] | select(. == $top)] | length) == 1 and $sum[$best[.id]] == $top)}] |
      group_by(.pos) | map({pos: .[0].pos, acc: (map(if .ok then 1 else 0 end) | add / length), n: length}) |
      "| \($name) | \($orders) | \($k) | " +
      (map("\(.acc * 1000 | round / 10) (n=\(.n))") | join(" | ")) + " |"'
  done
fi
