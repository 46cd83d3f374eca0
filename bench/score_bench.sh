#!/usr/bin/env bash
# Judging throughput: grm score vs. (b) k independent generations through libllama (no sharing) vs.
# (c) llama-server from the same pinned llama.cpp with n_cmpl = k and prompt caching.
#
# Model: a random Qwen2-0.5B-shaped llama model (24 layers, 896 wide, 14 heads / 2 KV heads, ff 4864, the
# qwen2 tokenizer: ~0.5B parameters), quantised to Q8_0. Items: the paper's default template, one-turn
# arithmetic questions with 2 short responses. Every sample generates exactly GEN tokens (end tokens
# suppressed, no verdict stop) so that the three do the same amount of generation.
#
# Env: ITEMS (8), GEN (32), KS ("1 8 32"), ITEMS_B_K32 (items for peer b at k >= 32, default 2: it
# re-evaluates the whole prompt k times), THREADS (nproc), BUILD_DIR (build), OUT (bench/out).
# Prints one Markdown table row per (system, k) and appends them to $OUT/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
out="${OUT:-bench/out}"
items="${ITEMS:-8}"
gen="${GEN:-32}"
ks="${KS:-1 8 32}"
threads="${THREADS:-$(nproc)}"
mkdir -p "$out"
llama_src=$(scripts/fetch-llama.sh)
grm="$build/grm"

model="$out/qwen-shape-0.5b-q8_0.gguf"
if [ ! -f "$model" ]; then
  "$grm" model init --vocab "$llama_src/models/ggml-vocab-qwen2.gguf" --layers 24 --embd 896 --heads 14 \
      --kv-heads 2 --ff 4864 --ctx 32768 --type f16 --seed 1 --out "$out/model-f16.gguf"
  "$grm" model quantize --in "$out/model-f16.gguf" --out "$model" --type q8_0
  rm -f "$out/model-f16.gguf"
fi

server_bin="$out/llama-server-build/bin/llama-server"
if [ ! -x "$server_bin" ]; then
  cmake -S "$llama_src" -B "$out/llama-server-build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_OPENSSL=OFF \
      -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF >/dev/null
  cmake --build "$out/llama-server-build" -j "$threads" --target llama-server >/dev/null
fi

# shellcheck source=bench/items.sh
source bench/items.sh

now() { date +%s.%N; }
row() {  # system k items seconds
  local per_item jps
  per_item=$(echo "$4 / $3" | bc -l); jps=$(echo "$3 * $2 / $4" | bc -l)
  printf '| %s | %d | %d | %.2f | %.3f | %.2f |\n' "$1" "$2" "$3" "$4" "$jps" "$per_item" | tee -a "$out/results.md"
}

echo "| system | k | items | wall s | judgments/s | s/item |" | tee "$out/results.md"
echo "| --- | --- | --- | --- | --- | --- |" | tee -a "$out/results.md"
port=18089
for k in $ks; do
  make_items "$items" "$out/items.jsonl"
  # (a) grm score: balanced orders (2 distinct prompts for 2 responses), and fixed (1 prompt, like peer c).
  for orders in balanced fixed; do
    t0=$(now)
    "$grm" score --model "$model" --in "$out/items.jsonl" --out "$out/grm-k$k.jsonl" --overwrite -q -k "$k" \
        --max-tokens "$gen" --fixed-length --grammar off --orders "$orders" --threads "$threads" \
        --parallel $((k > 64 ? k : 64)) --ctx 32768
    row "grm score ($orders orders)" "$k" "$items" "$(echo "$(now) - $t0" | bc -l)"
  done
  # (b) independent generations.
  nb=$items; [ "$k" -ge 32 ] && nb="${ITEMS_B_K32:-2}"
  make_items "$nb" "$out/items-b.jsonl"
  t0=$(now)
  "$build/bench/grm_bench_independent" --model "$model" --in "$out/items-b.jsonl" -k "$k" --max-tokens "$gen" \
      --threads "$threads" --ctx 65536 >/dev/null
  row "k independent generations (libllama)" "$k" "$nb" "$(echo "$(now) - $t0" | bc -l)"
  # (c) llama-server, n_cmpl = k, prompt caching, as many requests in flight as 64 slots allow.
  conc=$((64 / k)); [ "$conc" -lt 1 ] && conc=1
  slots=$((k * conc))
  if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
    echo "score_bench: port $port is already in use (a server left from another run?)" >&2; exit 1
  fi
  "$server_bin" -m "$model" --port "$port" -np "$slots" -c 32768 -kvu -t "$threads" -tb "$threads" \
      --no-webui >"$out/server.log" 2>&1 &
  spid=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
  kill -0 "$spid" 2>/dev/null || { echo "score_bench: llama-server did not start, see $out/server.log" >&2; exit 1; }
  "$grm" prompt --in "$out/items.jsonl" -k "$k" --orders fixed > "$out/prompts.jsonl"
  secs=$(python3 bench/server_client.py --port "$port" --prompts "$out/prompts.jsonl" -k "$k" --gen "$gen" \
      --concurrency "$conc" --banned "$("$build/bench/grm_bench_independent" --model "$model" --list-control-tokens)")
  kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
  row "llama-server (n_cmpl=k, $conc in flight)" "$k" "$items" "$secs"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), threads $threads, gen $gen tokens" | tee -a "$out/results.md"
