// Whole-file writes that readers never see half done: the text goes to PATH.tmp, then is renamed over PATH.
#pragma once

#include <string>

#include "core/status.h"

namespace grm {

// On failure PATH is untouched (an older file stays as it was) and PATH.tmp is removed.
Status write_file_atomically(const std::string& path, const std::string& text);

}  // namespace grm
