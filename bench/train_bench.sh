#!/usr/bin/env bash
# Training throughput (tokens/s, forward + backward + AdamW, every position trained) of grm's ggml trainer
# against PyTorch on CPU (Debian's python3-torch) for the same random llama-shaped model, batch and sequence
# length, both with THREADS threads, measured in the same run.
#
# The peer gets its best Debian setup: python3-torch with OpenBLAS (libopenblas0-pthread) behind libblas.so.3;
# with Debian's default reference BLAS it is ~12x slower, which would flatter us.
#
# Env: LAYERS (4), EMBD (256), HEADS (8), KV_HEADS (4), FF (768), BATCH (8), SEQ (128), STEPS (5),
# THREADS (nproc), BUILD_DIR (build), OUT (bench/out). The vocabulary is llama-spm's (32,000 tokens).
# Prints a Markdown table row per system and appends them to $OUT/train-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
out="${OUT:-bench/out}"
layers="${LAYERS:-4}" embd="${EMBD:-256}" heads="${HEADS:-8}" kv="${KV_HEADS:-4}" ff="${FF:-768}"
batch="${BATCH:-8}" seq="${SEQ:-128}" steps="${STEPS:-5}" threads="${THREADS:-$(nproc)}"
mkdir -p "$out"
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "train_bench: PyTorch is missing; install it with: apt-get install -y python3-torch" >&2
  exit 1
fi
if ! readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 | grep -q openblas; then
  echo "train_bench: libblas.so.3 is not OpenBLAS; install it for a fair peer: apt-get install -y libopenblas0-pthread" >&2
  exit 1
fi
llama_src=$(scripts/fetch-llama.sh)
cmake --build "$build" --target grm_bench_train -j "$threads" >/dev/null
model="$out/train-bench-${layers}x${embd}.gguf"
[ -f "$model" ] || "$build/grm" model init --vocab "$llama_src/models/ggml-vocab-llama-spm.gguf" --layers "$layers" \
    --embd "$embd" --heads "$heads" --kv-heads "$kv" --ff "$ff" --ctx "$((seq + 1))" --type f32 --seed 1 --out "$model" >/dev/null
shape="${layers}L/${embd}d/${heads}h/${kv}kv/ff${ff}, V=32000, B=${batch}, T=${seq}, ${threads} threads"
ours=$("$build/bench/grm_bench_train" --model "$model" --batch "$batch" --seq "$seq" --steps "$steps" --threads "$threads")
torch=$(/usr/bin/python3 bench/torch_train.py --vocab 32000 --embd "$embd" --layers "$layers" --heads "$heads" \
    --kv-heads "$kv" --ff "$ff" --batch "$batch" --seq "$seq" --steps "$steps" --threads "$threads")
torch_version=$(/usr/bin/python3 -c "import torch; print(torch.__version__)")
ratio=$(awk -v a="$ours" -v b="$torch" 'BEGIN { printf "%.2f", a / b }')
{
  echo "| grm (ggml) | $shape | $ours tok/s | ${ratio}x |"
  echo "| PyTorch $torch_version | $shape | $torch tok/s | 1.00x |"
} | tee -a "$out/train-results.md"
