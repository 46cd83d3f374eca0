#include "pipeline/judgment_writer.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace grm {

Result<std::unique_ptr<JudgmentWriter>> JudgmentWriter::open(const std::string& path, OpenMode mode) {
  std::unique_ptr<JudgmentWriter> w(new JudgmentWriter());
  w->path_ = path;
  if (path == "-") {
    w->f_ = stdout;
    return w;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  const auto size = exists ? fs::file_size(path, ec) : 0;
  if (mode == OpenMode::kCreate && exists && size > 0)
    return Error{fmt::format("output '{}' already exists: pass --resume to continue it or --overwrite to replace it", path)};
  if (mode == OpenMode::kResume && exists) {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    uintmax_t complete = 0;  // bytes up to and including the last newline
    uintmax_t offset = 0;
    int no = 0;
    while (std::getline(in, line)) {
      ++no;
      const bool had_newline = !in.eof();
      offset += line.size() + (had_newline ? 1 : 0);
      if (!had_newline) break;  // partial last line: dropped below
      complete = offset;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j["id"].is_string())
        return Error{fmt::format("{}:{}: not a judgment line written by grm; refusing to resume into it", path, no)};
      w->existing_.insert(j["id"].get<std::string>());
    }
    if (complete < size) {
      fs::resize_file(path, complete, ec);
      if (ec) return Error{fmt::format("cannot cut the partial last line of '{}': {}", path, ec.message())};
    }
  }
  w->f_ = std::fopen(path.c_str(), mode == OpenMode::kResume ? "ab" : "wb");
  if (!w->f_) return Error{fmt::format("cannot open output '{}': {}", path, std::strerror(errno))};
  w->owned_ = true;
  return w;
}

JudgmentWriter::~JudgmentWriter() {
  if (owned_ && f_) std::fclose(f_);
}

Status JudgmentWriter::write(const nlohmann::json& record) {
  std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line += '\n';
  const long before = owned_ ? std::ftell(f_) : -1;
  errno = 0;
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0) {
    const int err = errno;
    // Cut back whatever part of the line reached the file: lines are complete or absent.
    if (before >= 0 && ftruncate(fileno(f_), before) == 0) std::fseek(f_, before, SEEK_SET);
    return Error{fmt::format("writing '{}' failed: {}", path_, err ? std::strerror(err) : "short write")};
  }
  return Ok{};
}

}  // namespace grm
