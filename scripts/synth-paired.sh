#!/usr/bin/env bash
# Two evaluations of the same items compared item by item (paired): where two models' 95% intervals overlap,
# the interval of their paired difference can still exclude 0, because both judged the same items.
# Prints, overall and by number of responses n: items, accuracy of A and of B, the items only A / only B got
# right, and A - B with its 95% interval (Wald interval for paired proportions, clipped to +-100).
# Usage: scripts/synth-paired.sh A_ITEMS B_ITEMS [METHOD]   (grm eval's items.jsonl files; METHOD default greedy;
#        ties count as wrong, as in grm eval). Needs jq.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 A_ITEMS B_ITEMS [METHOD]" >&2; exit 2; }
a=$1 b=$2 method=${3:-greedy}
pct='(. * 1000 | round / 10)'
rows=$(jq -rn --arg m "$method" --arg fa "$a" --arg fb "$b" --slurpfile a "$a" --slurpfile b "$b" "
  def row(\$name; \$pairs):
    (\$pairs | length) as \$n |
    (\$pairs | map(select(.[0] == 1 and .[1] == 0)) | length) as \$only_a |
    (\$pairs | map(select(.[0] == 0 and .[1] == 1)) | length) as \$only_b |
    ((\$only_a - \$only_b) / \$n) as \$d |
    (((\$only_a + \$only_b) / \$n - \$d * \$d) / \$n | sqrt * 1.96) as \$h |
    \"| \(\$name) | \(\$n) | \(\$pairs | map(.[0]) | add / \$n | $pct) | \(\$pairs | map(.[1]) | add / \$n | $pct) | \" +
    \"\(\$only_a) | \(\$only_b) | \(\$d | $pct) [\([\$d - \$h, -1] | max | $pct), \([\$d + \$h, 1] | min | $pct)] |\";
  def correct(\$file): .methods[\$m].correct // error(\"\(\$file): item \(.id) has no method \" + \$m);
  (\$b | map({key: .id, value: .}) | from_entries) as \$by_id |
  [\$a[] | . as \$x | \$by_id[\$x.id] // error(\"item \(\$x.id) of \(\$fa) is not in \(\$fb)\") |
   {n: \$x.n, pair: [(\$x | correct(\$fa) | floor), (correct(\$fb) | floor)]}] as \$all |
  if (\$all | length) != (\$b | length) then error(\"\(\$fb) has items \(\$fa) lacks\") else . end |
  row(\"all\"; \$all | map(.pair)),
  (\$all | group_by(.n)[] | row(\"n = \(.[0].n)\"; map(.pair))),
  row(\"n >= 2\"; \$all | map(select(.n >= 2) | .pair))
")
echo "| items | n | A | B | only A right | only B right | A - B [95%] |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
echo "$rows"
