#!/usr/bin/env python3
"""How a judge reads the arithmetic family (F1) of the synth domain: the numbers in its critique lines.

Usage: scripts/synth-f1-reading.py ITEMS.jsonl REPORT_DIR [REPORT_DIR ...]

ITEMS are the synth items a `grm eval` report judged; each REPORT_DIR is such a report with a greedy cache
(cache/items/greedy.jsonl). The teacher's F1 line for a response is "computes {a} {op} {b} = {r}; {a} {op} {b} is
{t}, so the result is {correct|wrong}..." (worked form) or "answers {r} without working; ..." (bare form). For every
F1 line a judge wrote in that shape, this prints in % of those lines: the form matches the response's; the query's
"a op b" copied right; the response's result r quoted right; the true result t right; the verdict right (r == t);
the verdict follows the line's own numbers (it says correct exactly when the r and t it wrote are equal: a judge
that writes a wrong t can still compare consistently, so this separates computing t from comparing); r quoted right
by position in the sample, split by whether an earlier response in the sample has the same form (a copy keyed on the
text before the number, "a op b =" or "The answer is", can land in the earlier one); and r taken from another
response of the item. `grm synth critiques` gives the family-wide view (whole lines); this one says
which number went wrong.
"""
import json
import re
import sys
from collections import Counter

LINE = re.compile(r"- Response(?: (\d+))?: (.*)")
F1 = re.compile(r"(?:computes (\d+) ([-+*]) (\d+) = (-?\d+)|answers (-?\d+) without working); "
                r"(\d+) ([-+*]) (\d+) is (-?\d+), so the result is (correct|wrong)")
QUERY = re.compile(r"What is (\d+) ([-+*]) (\d+)\?")


def last_number(text):
    return re.findall(r"-?\d+", text)[-1]


def read_report(items, report):
    counts, lines = Counter(), 0
    for raw in open(f"{report}/cache/items/greedy.jsonl"):
        rec = json.loads(raw)
        item = items.get(rec["id"])
        if item is None or item["meta"]["family"] != "F1" or not rec.get("samples"):
            continue
        a, op, b = QUERY.match(item["conversation"][-1]["content"]).groups()
        t = {"+": int(a) + int(b), "-": int(a) - int(b), "*": int(a) * int(b)}[op]
        sample = rec["samples"][0]
        order = sample["order"]
        forms = ["=" in item["responses"][o] for o in order]
        results = [last_number(item["responses"][o]) for o in order]
        for m in LINE.finditer(sample["text"]):
            pos = int(m.group(1)) - 1 if m.group(1) else 0
            g = F1.match(m.group(2))
            if pos >= len(order) or not g:
                continue
            lines += 1
            r_quoted = g.group(4) or g.group(5)
            right = r_quoted == results[pos]
            counts["form right"] += (g.group(1) is not None) == forms[pos]
            counts["query copied"] += (g.group(6), g.group(7), g.group(8)) == (a, op, b)
            counts["r quoted"] += right
            counts["t right"] += g.group(9) == str(t)
            counts["verdict right"] += (g.group(10) == "correct") == (int(results[pos]) == t)
            counts["verdict follows its numbers"] += (g.group(10) == "correct") == (r_quoted == g.group(9))
            counts["r from another response"] += not right and r_quoted in results[:pos] + results[pos + 1:]
            key = "position 1" if pos == 0 else (
                "later, an earlier response has its form" if any(f == forms[pos] for f in forms[:pos])
                else "later, no earlier response has its form")
            counts[("lines", key)] += 1
            counts[("r quoted", key)] += right
    return lines, counts


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    items = {}
    for raw in open(sys.argv[1]):
        if raw.strip():
            it = json.loads(raw)
            items[it["id"]] = it
    keys = ["form right", "query copied", "r quoted", "t right", "verdict right", "verdict follows its numbers",
            "r from another response"]
    splits = ["position 1", "later, no earlier response has its form", "later, an earlier response has its form"]
    print("| report | F1 lines | " + " | ".join(keys) + " | r quoted: " + " / ".join(splits) + " |")
    print("| --- " * (len(keys) + 3) + "|")
    for report in sys.argv[2:]:
        lines, c = read_report(items, report)
        pct = lambda num, den: f"{100 * num / den:.1f}" if den else "-"
        split = " / ".join(pct(c[("r quoted", s)], c[("lines", s)]) for s in splits)
        print(f"| {report} | {lines} | " + " | ".join(pct(c[k], lines) for k in keys) + f" | {split} |")


if __name__ == "__main__":
    main()
