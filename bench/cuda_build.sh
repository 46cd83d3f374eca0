# Sourced by the GPU scripts: build_cuda_grm BUILD_DIR LLAMA_SRC LOG JOBS builds the grm binary with CUDA
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
