#include "engine/gguf_write.h"

#include <fmt/format.h>

#include <filesystem>

namespace grm {

Status write_gguf_atomically(const gguf_context* g, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp";
  if (!gguf_write_to_file(g, tmp.c_str(), false)) {
    fs::remove(tmp, ec);
    return Error{fmt::format("cannot write '{}' (disk full or not writable?)", path)};
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Error{fmt::format("cannot rename '{}' to '{}': {}", tmp, path, ec.message())};
  }
  return Ok{};
}

}  // namespace grm
