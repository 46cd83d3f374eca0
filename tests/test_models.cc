#include "test_models.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace grm::test {

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
