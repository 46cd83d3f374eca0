// Writing GGUF files so that a path holds a complete file or nothing: write to PATH.tmp, then rename.
#pragma once

#include <gguf.h>

#include <string>

#include "core/status.h"

namespace grm {

// Creates the parent directory if needed. On failure the temporary file is removed and the message names
// the path ("disk full or not writable?").
Status write_gguf_atomically(const gguf_context* g, const std::string& path);

}  // namespace grm
