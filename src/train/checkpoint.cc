#include "train/checkpoint.h"

#include <fmt/format.h>
#include <ggml-backend.h>
#include <gguf.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace grm {
namespace fs = std::filesystem;

Status write_checkpoint(const std::string& dir, long step, const std::function<Status(const std::string&)>& write_files,
                        uint64_t plan) {
  const std::string final_dir = (fs::path(dir) / fmt::format("step-{:06}", step)).string();
  const std::string tmp = final_dir + ".tmp";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return Error{fmt::format("cannot create checkpoint directory '{}': {}", tmp, ec.message())};
  if (auto st = write_files(tmp); !st) return st;
  {
    std::ofstream state(fs::path(tmp) / "state.json");
    nlohmann::json j{{"step", step}};
    if (plan != 0) j["plan"] = fmt::format("{:016x}", plan);
    state << j.dump() << "\n";
    if (!state.flush()) return Error{fmt::format("cannot write '{}/state.json'", tmp)};
  }
  fs::remove_all(final_dir, ec);
  fs::rename(tmp, final_dir, ec);
  if (ec) return Error{fmt::format("cannot finish checkpoint '{}': {}", final_dir, ec.message())};
  return Ok{};
}

std::optional<CheckpointRef> newest_checkpoint(const std::string& dir) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return std::nullopt;
  std::optional<CheckpointRef> best;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("step-", 0) != 0 || name.find(".tmp") != std::string::npos) continue;
    std::ifstream sf(e.path() / "state.json");
    if (!sf) continue;
    auto j = nlohmann::json::parse(sf, nullptr, false);
    if (j.is_discarded() || !j.contains("step") || !j["step"].is_number_integer()) continue;
    const long step = j["step"].get<long>();
    uint64_t plan = 0;
    if (j.contains("plan") && j["plan"].is_string()) plan = std::strtoull(j["plan"].get<std::string>().c_str(), nullptr, 16);
    if (!best || step > best->step) best = CheckpointRef{e.path().string(), step, plan};
  }
  return best;
}

Status write_training_checkpoint(const std::string& dir, long step,
                                 const std::function<Status(const std::string&)>& save_weights, const AdamW& opt,
                                 uint64_t plan) {
  return write_checkpoint(
      dir, step,
      [&](const std::string& tmp) -> Status {
        if (auto st = save_weights(tmp); !st) return st;
        return opt.save((fs::path(tmp) / "optimizer.gguf").string());
      },
      plan);
}

Result<long> resume_training(const std::string& dir, const std::function<Status(const std::string&)>& load_weights, AdamW& opt,
                             const std::function<uint64_t(long)>& plan_upto) {
  auto ck = newest_checkpoint(dir);
  if (!ck) return 0L;
  if (plan_upto && ck->plan != 0 && ck->plan != plan_upto(ck->step))
    return Error{fmt::format(
        "checkpoint '{}' was written for another data order (seed, batch, accum, epochs, data or --length-window "
        "changed): resume with the options it was started with, or remove {} to start over",
        ck->path, dir)};
  if (auto st = load_weights(ck->path); !st) return st.error();
  if (auto st = opt.load((fs::path(ck->path) / "optimizer.gguf").string()); !st) return st.error();
  return ck->step;
}

Status load_tensors(const std::string& gguf_path, const std::vector<ggml_tensor*>& params) {
  ggml_context* ctx = nullptr;
  gguf_context* g = gguf_init_from_file(gguf_path.c_str(), {false, &ctx});
  if (!g) return Error{fmt::format("'{}' is missing or not a GGUF file", gguf_path)};
  std::string err;
  for (ggml_tensor* p : params) {
    ggml_tensor* t = ggml_get_tensor(ctx, ggml_get_name(p));
    if (!t || t->type != GGML_TYPE_F32 || ggml_nelements(t) != ggml_nelements(p)) {
      err = fmt::format("tensor '{}' is missing or has another type or shape", ggml_get_name(p));
      break;
    }
    ggml_backend_tensor_set(p, t->data, 0, ggml_nbytes(p));
  }
  gguf_free(g);
  ggml_free(ctx);
  if (!err.empty()) return Error{fmt::format("'{}': {}", gguf_path, err)};
  return Ok{};
}

}  // namespace grm
