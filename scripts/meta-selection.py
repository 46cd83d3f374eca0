#!/usr/bin/env python3
"""What MetaRM@K gains from which ranking of an item's judgments, on a cached pool of K (n >= 2 items).

Usage: scripts/meta-selection.py REPORT_DIR ITEMS.jsonl [META_CACHE.jsonl ...]

REPORT_DIR is a `grm eval` report with a sampled pool (its cache/items/pool-kK.jsonl, K its largest k); ITEMS the
labelled items it judged; each META_CACHE a cache/items/meta-*-kK.jsonl of a `--meta-rm` run on that pool. For the
items with two or more responses, it prints Voting@K and the accuracy of voting with the K/2 valid judgments that
each ranking puts first: oracles (right before wrong; by margin = the true best's score minus the best other
score), random, and each meta RM, with the mean within-item Spearman correlation of its scores with the margin.
Ties count as wrong, as in grm eval; at k = K there is one subset, so these are the report's MetaRM@K figures on
the n >= 2 items.
"""
import glob
import json
import os
import random
import sys


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for t in range(i, j + 1):
            r[order[t]] = (i + j) / 2
        i = j + 1
    return r


def spearman(a, b):
    if len(set(a)) < 2 or len(set(b)) < 2:
        return None
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    return cov / (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5


def vote_correct(samples, voters, best):
    totals = [0] * len(samples[voters[0]]["scores"])
    for j in voters:
        for i, s in enumerate(samples[j]["scores"]):
            totals[i] += s
    top = max(totals)
    return totals.count(top) == 1 and totals.index(top) == best


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    report, items_path, metas = sys.argv[1], sys.argv[2], sys.argv[3:]
    best = {}
    with open(items_path) as f:
        for line in f:
            it = json.loads(line)
            if "best" in it.get("label", {}) and len(it["responses"]) >= 2:
                best[it["id"]] = it["label"]["best"]
    pool = {}
    pool_path = glob.glob(os.path.join(report, "cache", "items", "pool-k*.jsonl"))[0]
    k = int(pool_path.rsplit("-k", 1)[1].split(".")[0])
    with open(pool_path) as f:
        for line in f:
            r = json.loads(line)
            if r["id"] in best:
                pool[r["id"]] = r["samples"]
    margin = {}  # (item, sample) -> margin, valid samples only
    for iid, samples in pool.items():
        b = best[iid]
        for j, s in enumerate(samples):
            if s["valid"]:
                margin[iid, j] = s["scores"][b] - max(v for i, v in enumerate(s["scores"]) if i != b)
    rng = random.Random(1)
    noise = {key: rng.random() for key in margin}

    def accuracy(key, keep=k // 2):
        hits = 0
        for iid, samples in pool.items():
            valid = [j for j in range(len(samples)) if (iid, j) in margin]
            top = sorted(valid, key=lambda j: (-key(iid, j), j))[:keep]
            hits += bool(top) and vote_correct(samples, top, best[iid])
        return 100 * hits / len(pool)

    print(f"{len(pool)} items with n >= 2 in {report}, pool of {k}")
    print(f"| selection | accuracy | Spearman(score, margin) within items |")
    print(f"| --- | --- | --- |")
    print(f"| all {k} (Voting@{k}) | {accuracy(lambda i, j: 0, keep=k):.1f} | |")
    print(f"| oracle: right ones first | {accuracy(lambda i, j: (margin[i, j] > 0) + 0.5 * noise[i, j]):.1f} | |")
    print(f"| oracle: by margin | {accuracy(lambda i, j: margin[i, j] + 0.01 * noise[i, j]):.1f} | 1 |")
    print(f"| random {k // 2} | {accuracy(lambda i, j: noise[i, j]):.1f} | 0 |")
    for path in metas:
        meta = {}
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                meta[r["id"]] = r["meta"]
        rho = []
        for iid, samples in pool.items():
            valid = [j for j in range(len(samples)) if (iid, j) in margin]
            r = spearman([meta[iid][j] for j in valid], [margin[iid, j] for j in valid])
            if r is not None:
                rho.append(r)
        print(f"| {path} | {accuracy(lambda i, j: meta[i][j]):.1f} | {sum(rho) / len(rho):.3f} |")


if __name__ == "__main__":
    main()
