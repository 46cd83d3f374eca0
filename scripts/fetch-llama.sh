#!/usr/bin/env bash
# Fetches the pinned llama.cpp source into a cache outside the source tree and prints its path.
#
# llama.cpp is not packaged for Debian; the npm package node-llama-cpp@3.21.1 carries its full source as a
# git bundle (llama/gitRelease.bundle). We fetch that tarball with the npm client, check its SHA-256, and
# clone the bundle at the pinned commit, then apply our patches (patches/llama.cpp-*.patch: small, each explains
# itself). Idempotent: a cache at the commit with the same patches (its .grm-complete holds their hash) is left
# alone; a cache with other patches is rebuilt from the bundle.
#
# Env: GRM_CACHE (default ~/.cache/grm) - where the source lands.
set -euo pipefail

readonly NPM_PACKAGE="node-llama-cpp@3.21.1"
readonly TARBALL="node-llama-cpp-3.21.1.tgz"
readonly TARBALL_SHA256="7a231d6bafa14142a1cbed9893d4ec5bc6041b2a5f5939a623accaab4203c11f"
readonly LLAMA_COMMIT="80fb11ac73e66d89eae2c6a91d8a77428fa733ed"

root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${GRM_CACHE:-$HOME/.cache/grm}"
src="$cache/llama.cpp-${LLAMA_COMMIT:0:12}"
patches=("$root"/patches/llama.cpp-*.patch)
patch_hash=$(cat "${patches[@]}" | sha256sum | cut -c1-16)

if [ -f "$src/.grm-complete" ] && [ "$(cat "$src/.grm-complete")" = "$patch_hash" ] &&
   [ "$(git -C "$src" rev-parse HEAD 2>/dev/null)" = "$LLAMA_COMMIT" ]; then
  echo "$src"
  exit 0
fi

command -v npm >/dev/null || { echo "fetch-llama: npm is needed (apt-get install npm)" >&2; exit 1; }
mkdir -p "$cache"
work=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "fetch-llama: fetching $NPM_PACKAGE" >&2
(cd "$work" && npm pack --silent "$NPM_PACKAGE" >/dev/null)
echo "$TARBALL_SHA256  $work/$TARBALL" | sha256sum -c --quiet - >&2 || {
  echo "fetch-llama: checksum mismatch for $TARBALL; refusing to build from it" >&2; exit 1; }
tar -xzf "$work/$TARBALL" -C "$work" package/llama/gitRelease.bundle

rm -rf "$src.tmp" "$src"
git -c advice.detachedHead=false clone --quiet "$work/package/llama/gitRelease.bundle" "$src.tmp" >&2
git -C "$src.tmp" -c advice.detachedHead=false checkout --quiet "$LLAMA_COMMIT" >&2
for p in "${patches[@]}"; do
  git -C "$src.tmp" apply "$p" >&2 || { echo "fetch-llama: patch $p does not apply" >&2; exit 1; }
done
echo "$patch_hash" > "$src.tmp/.grm-complete"
mv "$src.tmp" "$src"
echo "$src"
