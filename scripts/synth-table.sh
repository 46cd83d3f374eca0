#!/usr/bin/env bash
# Markdown tables of a synth recipe run's evaluations (scripts/synth-recipe.sh), for docs/synth.md:
# per model, accuracy overall and per family with 95% bootstrap intervals, for every method grm eval reported
# (greedy, voting@k, meta_voting@k), and the scalar Bradley-Terry baseline.
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
    .benchmarks.items.methods | to_entries[] |
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
echo
echo "Stage wall times (2 cores):"
echo
echo "| stage | seconds |"
echo "| --- | --- |"
tail -n +2 "$work/times.tsv" | awk -F'\t' '$2 > 0 { printf "| %s | %s |\n", $1, $2 }'
