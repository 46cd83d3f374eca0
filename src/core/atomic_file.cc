#include "core/atomic_file.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace grm {

Status write_file_atomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const std::string tmp = path + ".tmp";
  std::error_code ec;
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) {
      fs::remove(tmp, ec);
      return Error{fmt::format("cannot write '{}'", tmp)};
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(tmp, ec);
    return Error{fmt::format("cannot rename '{}' to '{}': {}", tmp, path, why)};
  }
  return Ok{};
}

}  // namespace grm
