# The pinned llama.cpp (libllama + ggml), built static as part of our build from a source cache outside the
# tree. scripts/fetch-llama.sh fills the cache; scripts/setup.sh passes its path as GRM_LLAMA_SOURCE_DIR.
set(GRM_LLAMA_COMMIT 80fb11ac73e66d89eae2c6a91d8a77428fa733ed)
string(SUBSTRING ${GRM_LLAMA_COMMIT} 0 12 _short)
if(DEFINED ENV{GRM_CACHE})
  set(_cache $ENV{GRM_CACHE})
else()
  set(_cache $ENV{HOME}/.cache/grm)
endif()
set(GRM_LLAMA_SOURCE_DIR ${_cache}/llama.cpp-${_short} CACHE PATH "pinned llama.cpp source (scripts/fetch-llama.sh)")
if(NOT EXISTS ${GRM_LLAMA_SOURCE_DIR}/.grm-complete)
  message(FATAL_ERROR "llama.cpp source not found at ${GRM_LLAMA_SOURCE_DIR}. "
                      "Run scripts/fetch-llama.sh (or scripts/setup.sh), or pass -DGRM_LLAMA_SOURCE_DIR=...")
endif()

set(BUILD_SHARED_LIBS OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_COMMON OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_TESTS OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_TOOLS OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_EXAMPLES OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_SERVER OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_APP OFF CACHE BOOL "" FORCE)
set(LLAMA_OPENSSL OFF CACHE BOOL "" FORCE)
set(LLAMA_ALL_WARNINGS OFF CACHE BOOL "" FORCE)
set(GGML_CUDA ${GRM_CUDA} CACHE BOOL "" FORCE)
# CUDA graphs off: on an H100 (CUDA 13.0, driver 580) the pinned llama.cpp's graph replay aborted grm's
# multi-sequence decoding with "illegal instruction" (score at k >= 8, eval's pools), and the same binary ran
# clean with graphs disabled at run time (GGML_CUDA_DISABLE_GRAPHS=1); bench/RESULTS.md, "GPU check".
set(GGML_CUDA_GRAPHS OFF CACHE BOOL "" FORCE)
add_subdirectory(${GRM_LLAMA_SOURCE_DIR} ${CMAKE_BINARY_DIR}/llama.cpp EXCLUDE_FROM_ALL SYSTEM)
set(GRM_LLAMA_VOCAB_DIR ${GRM_LLAMA_SOURCE_DIR}/models)
