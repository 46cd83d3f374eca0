#!/usr/bin/env bash
# Two evaluations of the same items compared item by item (paired): where two models' 95% intervals overlap,
# the interval of their paired difference can still exclude 0, because both judged the same items.
# Prints, overall and by number of responses n: items, accuracy of A and of B, the items A / B got more right,
# and A - B with its 95% interval (normal interval of the mean per-item difference, clipped to +-100; for 0/1
# values it is the Wald interval for paired proportions). A method at k below the pool's k_max scores an item by
# the fraction of its k-subsets judged right, so values may lie between 0 and 1.
# Usage: scripts/synth-paired.sh A_ITEMS B_ITEMS [METHOD [METHOD_B]]   (grm eval's items.jsonl files; METHOD
#        default greedy, METHOD_B default METHOD: e.g. one report against itself, metarm@8 against voting@8;
#        ties count as wrong, as in grm eval). Needs jq.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 A_ITEMS B_ITEMS [METHOD [METHOD_B]]" >&2; exit 2; }
a=$1 b=$2 method=${3:-greedy} method_b=${4:-${3:-greedy}}
pct='(. * 1000 | round / 10)'
rows=$(jq -rn --arg m "$method" --arg mb "$method_b" --arg fa "$a" --arg fb "$b" --slurpfile a "$a" --slurpfile b "$b" "
  def row(\$name; \$pairs):
    (\$pairs | length) as \$n |
    (\$pairs | map(select(.[0] > .[1])) | length) as \$only_a |
    (\$pairs | map(select(.[0] < .[1])) | length) as \$only_b |
    (\$pairs | map(.[0] - .[1]) | add / \$n) as \$d |
    (((\$pairs | map((.[0] - .[1]) * (.[0] - .[1])) | add / \$n) - \$d * \$d) / \$n | if . > 0 then sqrt * 1.96 else 0 end) as \$h |
    \"| \(\$name) | \(\$n) | \(\$pairs | map(.[0]) | add / \$n | $pct) | \(\$pairs | map(.[1]) | add / \$n | $pct) | \" +
    \"\(\$only_a) | \(\$only_b) | \(\$d | $pct) [\([\$d - \$h, -1] | max | $pct), \([\$d + \$h, 1] | min | $pct)] |\";
  def correct(\$file; \$method): .methods[\$method].correct // error(\"\(\$file): item \(.id) has no method \" + \$method);
  (\$b | map({key: .id, value: .}) | from_entries) as \$by_id |
  [\$a[] | . as \$x | \$by_id[\$x.id] // error(\"item \(\$x.id) of \(\$fa) is not in \(\$fb)\") |
   {n: \$x.n, pair: [(\$x | correct(\$fa; \$m)), correct(\$fb; \$mb)]}] as \$all |
  if (\$all | length) != (\$b | length) then error(\"\(\$fb) has items \(\$fa) lacks\") else . end |
  row(\"all\"; \$all | map(.pair)),
  (\$all | group_by(.n)[] | row(\"n = \(.[0].n)\"; map(.pair))),
  row(\"n >= 2\"; \$all | map(select(.n >= 2) | .pair))
")
echo "| items | n | A | B | A more right | B more right | A - B [95%] |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
echo "$rows"
