# Sourced on a lent GPU machine that reaches no package registry, before bench/gpu_train.sh or gpu_check.sh: unpacks
# the Debian packages grm builds against, carried there as .debs in DEBS_DIR (default .device/debs; fetched here
# with `apt-get download nlohmann-json3-dev libcli11-dev libfmt-dev libfmt9 libsentencepiece-dev libsentencepiece0
# pkgconf pkgconf-bin libpkgconf3`), into PREFIX (default /tmp/pfx) and points PATH, LD_LIBRARY_PATH, CMake and
# pkg-config at it; LLAMA_SRC defaults to .device/llama (the pinned llama.cpp source, carried).
# Do not carry jq's .debs: the machine's own jq is newer, and an older libjq on LD_LIBRARY_PATH breaks it.
prefix=${PREFIX:-/tmp/pfx}
if [ ! -d "$prefix/usr" ]; then
  for deb in "${DEBS_DIR:-.device/debs}"/*.deb; do dpkg -x "$deb" "$prefix"; done
fi
sed -i "s#^prefix=/usr\$#prefix=$prefix/usr#" "$prefix/usr/lib/x86_64-linux-gnu/pkgconfig/sentencepiece.pc"
ln -sf pkgconf "$prefix/usr/bin/pkg-config"
export PATH="$PATH:/usr/local/cuda/bin:$prefix/usr/bin"
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}:$prefix/usr/lib/x86_64-linux-gnu"
export CMAKE_PREFIX_PATH="$prefix/usr" PKG_CONFIG_PATH="$prefix/usr/lib/x86_64-linux-gnu/pkgconfig"
export LLAMA_SRC="${LLAMA_SRC:-$PWD/.device/llama}"
