#!/usr/bin/env bash
# scripts/synth-paired.sh on four hand-made items whose paired counts are known: items matched by id whatever
# their order, the rows by n, the difference and its interval; two methods of one report with fractional
# per-item values (k below k_max); and a clear error, with no table, when the two files hold different items or
# lack the method.
set -euo pipefail
paired="$(cd "$(dirname "$0")/.." && pwd)/scripts/synth-paired.sh"
dir=$(mktemp -d) && trap 'rm -rf "$dir"' EXIT
fail() { echo "synth_paired_test: $*" >&2; exit 1; }
item() { printf '{"id":"%s","n":%d,"methods":{"greedy":{"correct":%s}}}\n' "$@"; }
{ item x1 2 1.0; item x2 2 1.0; item x3 1 1.0; item x4 3 0.0; } > "$dir/a.jsonl"
{ item x4 3 1.0; item x2 2 0.0; item x1 2 1.0; item x3 1 0.0; } > "$dir/b.jsonl"

out=$("$paired" "$dir/a.jsonl" "$dir/b.jsonl")
# all: A 3/4, B 2/4, only A right x2 and x3, only B right x4; d = 1/4, half-width 1.96 sqrt((3/4 - 1/16) / 4).
grep -qxF '| all | 4 | 75 | 50 | 2 | 1 | 25 [-56.3, 100] |' <<< "$out" || fail "wrong 'all' row: $out"
grep -qxF '| n = 1 | 1 | 100 | 0 | 1 | 0 | 100 [100, 100] |' <<< "$out" || fail "wrong n = 1 row: $out"
grep -qxF '| n >= 2 | 3 | 66.7 | 66.7 | 1 | 1 | 0 [-92.4, 92.4] |' <<< "$out" || fail "wrong n >= 2 row: $out"

# One report, metarm@8 against voting@8, values between 0 and 1: d = (0.125 - 0.25) / 2, half-width
# 1.96 sqrt(((0.125^2 + 0.25^2) / 2 - d^2) / 2).
two() { printf '{"id":"%s","n":2,"methods":{"metarm@8":{"correct":%s},"voting@8":{"correct":%s}}}\n' "$@"; }
{ two y1 0.625 0.5; two y2 0.25 0.5; } > "$dir/m.jsonl"
out=$("$paired" "$dir/m.jsonl" "$dir/m.jsonl" metarm@8 voting@8)
grep -qxF '| all | 2 | 43.8 | 50 | 1 | 1 | -6.3 [-32.2, 19.7] |' <<< "$out" || fail "wrong fractional row: $out"

head -n 3 "$dir/b.jsonl" > "$dir/c.jsonl"
if out=$("$paired" "$dir/a.jsonl" "$dir/c.jsonl" 2> "$dir/err"); then fail "different items were compared"; fi
[ -z "$out" ] || fail "a failed comparison printed a table"
grep -q 'item x3 of .*a.jsonl is not in .*c.jsonl' "$dir/err" || fail "unclear error: $(cat "$dir/err")"
if "$paired" "$dir/a.jsonl" "$dir/b.jsonl" voting@8 > /dev/null 2> "$dir/err"; then fail "a missing method passed"; fi
grep -q 'item x1 has no method voting@8' "$dir/err" || fail "unclear error: $(cat "$dir/err")"
echo "synth_paired_test: ok"
