#!/usr/bin/env bash
# One-step setup on Debian 12: system packages, the pinned llama.cpp source, the build, and the default model.
# Idempotent: re-running only redoes what is missing or out of date.
#
# Env: BUILD_DIR (default build), BUILD_TYPE (default Release), GRM_CACHE (llama.cpp source cache),
#      GRM_CUDA=ON to build ggml with CUDA, JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"

# Libraries are checked as Debian packages; tools by command, since a machine may have them from elsewhere
# (node and npm often come from NodeSource or nvm).
packages=(nlohmann-json3-dev libcli11-dev libfmt-dev libgtest-dev libgmock-dev gnuplot-nox libsentencepiece-dev pkg-config jq)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
for tool in g++:g++ make:make cmake:cmake git:git npm:npm; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

llama_src=$(scripts/fetch-llama.sh)

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
      -DGRM_LLAMA_SOURCE_DIR="$llama_src" -DGRM_CUDA="${GRM_CUDA:-OFF}" >/dev/null
cmake --build "$build_dir" -j "$jobs"

echo "setup: done (binary: $build_dir/grm, default judge: assets/synth-judge/judge.gguf)" >&2
