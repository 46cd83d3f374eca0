# Sourced by the GPU scripts. build_cuda_grm BUILD_DIR LLAMA_SRC LOG JOBS builds the grm binary with CUDA
# (GRM_CUDA=ON, sm_$CUDA_ARCH, default 90, plus $CMAKE_EXTRA), tests and benchmarks off, Ninja when there is one.
build_cuda_grm() {
  local build=$1 src=$2 log=$3 jobs=$4
  local generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  # shellcheck disable=SC2086  # CMAKE_EXTRA is a list of flags
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DGRM_LLAMA_SOURCE_DIR="$src" -DGRM_CUDA=ON \
      -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCH:-90}" -DGRM_BUILD_TESTS=OFF -DGRM_BUILD_BENCH=OFF ${CMAKE_EXTRA:-} \
      >"$log" 2>&1 && cmake --build "$build" --target grm -j "$jobs" >>"$log" 2>&1
}

# start_gpu_report FILE TITLE: starts the report FILE (emptied) with "# TITLE, date" and the machine's GPU and CPU
# lines; from then on say LINE... prints a line and appends it to the report.
start_gpu_report() {
  report=$1
  : > "$report"
  say "# $2, $(date -u +%F)"
  say_gpu_machine
}
say() { echo "$*" | tee -a "$report"; }

# say_gpu_machine: the report's GPU and CPU lines.
say_gpu_machine() {
  say "- GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -1)"
  say "- CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); nvcc $(nvcc --version 2>&1 | grep -o 'release [0-9.]*')"
}

# grm_for_gpu LOG JOBS: sets grm to GRM_BIN's absolute path when it is given (an existing build, e.g. to try a script
# without a GPU); else builds BUILD_DIR (default build-cuda) from LLAMA_SRC (default: scripts/fetch-llama.sh), says
# the build's exit status and time, and on failure shows the log's tail and returns 1.
grm_for_gpu() {
  local log=$1 jobs=$2 t=$SECONDS rc build="${BUILD_DIR:-build-cuda}"
  if [ -n "${GRM_BIN:-}" ]; then
    grm=$(realpath "$GRM_BIN")
    return 0
  fi
  build_cuda_grm "$build" "${LLAMA_SRC:-$(scripts/fetch-llama.sh)}" "$log" "$jobs"
  rc=$?
  say "- CUDA build of grm (sm_${CUDA_ARCH:-90} ${CMAKE_EXTRA:-}, $jobs jobs): exit $rc, $((SECONDS - t)) s"
  [ $rc -eq 0 ] || { tail -40 "$log"; return 1; }
  grm="$PWD/$build/grm"
}
