#include "test_models.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace grm::test {

int expect_gradients_match_finite_differences(const std::vector<ggml_tensor*>& params, const HostGrads& g,
                                              const std::function<double()>& loss, const std::function<bool(size_t)>& take) {
  int checked = 0;
  for (size_t pi = 0; pi < params.size(); ++pi) {
    if (!take(pi)) continue;
    size_t j = 0;
    for (size_t i = 0; i < g[pi].size(); ++i)
      if (std::fabs(g[pi][i]) > std::fabs(g[pi][j])) j = i;
    if (std::fabs(g[pi][j]) < 1e-4) continue;
    float* x = static_cast<float*>(params[pi]->data) + j;
    const float orig = *x, eps = 1e-2f;
    *x = orig + eps;
    const double up = loss();
    *x = orig - eps;
    const double down = loss();
    *x = orig;
    EXPECT_NEAR((up - down) / (2 * eps), g[pi][j], 0.05 * std::fabs(g[pi][j]) + 2e-4) << ggml_get_name(params[pi]) << "[" << j << "]";
    ++checked;
  }
  return checked;
}

std::string tiny_model_path() { return std::string(GRM_TEST_MODEL_DIR) + "/tiny.gguf"; }
std::string tiny_meta_rm_path() { return std::string(GRM_TEST_MODEL_DIR) + "/tiny-meta"; }

std::string scratch_dir(const std::string& name) {
  namespace fs = std::filesystem;
  fs::path p = fs::path(GRM_TEST_MODEL_DIR) / "scratch" / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream f(path);
  std::string l;
  while (std::getline(f, l)) lines.push_back(l);
  return lines;
}

CliRun run_grm(const std::string& args, const std::string& scratch, const std::string& stdin_path) {
  const std::string out = scratch + "/cli.stdout", err = scratch + "/cli.stderr";
  const std::string cmd = std::string("'") + GRM_BINARY + "' " + args + " >'" + out + "' 2>'" + err + "' <'" + stdin_path + "'";
  int status = std::system(cmd.c_str());
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {code, read_text(out), read_text(err)};
}

Item make_item(const std::string& id, std::vector<std::string> responses, std::string query) {
  Item it;
  it.id = id;
  it.conversation = {{"user", std::move(query)}};
  it.responses = std::move(responses);
  if (it.n() >= 2) it.best = 0;
  return it;
}

}  // namespace grm::test
