"""Benchmark client for llama-server: one /completion request per prompt with n_cmpl = k, a fixed number of
generated tokens, prompt caching on; `--concurrency` requests in flight. Prints the wall time in seconds."""
import argparse
import concurrent.futures
import json
import sys
import time
import urllib.request


def complete(port, prompt, k, gen, seed, banned):
    # Control tokens are banned: the server's output parser rejects them as text (a random model emits them).
    body = {"prompt": prompt, "n_predict": gen, "n_cmpl": k, "temperature": 0.5, "ignore_eos": True,
            "cache_prompt": True, "seed": seed, "logit_bias": [[t, False] for t in banned]}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/completion", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=3600) as r:
        out = json.loads(r.read())
    # n_cmpl > 1 answers with a list of k completions.
    results = out if isinstance(out, list) else [out]
    if len(results) != k:
        raise SystemExit(f"expected {k} completions, got {len(results)}")
    return sum(x.get("tokens_predicted", 0) for x in results)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--prompts", required=True)
    ap.add_argument("-k", type=int, required=True)
    ap.add_argument("--gen", type=int, required=True)
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--banned", default="[]", help="JSON list of token ids never to sample")
    a = ap.parse_args()
    prompts = [json.loads(l)["prompt"] for l in open(a.prompts) if l.strip()]
    banned = json.loads(a.banned)
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(a.concurrency) as pool:
        tokens = list(pool.map(lambda ip: complete(a.port, ip[1], a.k, a.gen, ip[0], banned), enumerate(prompts)))
    secs = time.time() - t0
    if sum(tokens) != len(prompts) * a.k * a.gen:
        print(f"warning: generated {sum(tokens)} tokens, expected {len(prompts) * a.k * a.gen}", file=sys.stderr)
    print(f"{secs:.3f}")


if __name__ == "__main__":
    main()
