// Shared helpers for tests that run the tiny random model made by the `make_tiny_model` CTest fixture
// (tests/CMakeLists.txt): 2 layers, 64 wide, llama-spm tokenizer. Its judgments are noise by design.
#pragma once

#include <string>
#include <vector>

#include "core/item.h"

namespace grm::test {

std::string tiny_model_path();
std::string tiny_meta_rm_path();

// A fresh empty directory under the build tree for one test.
std::string scratch_dir(const std::string& name);
void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);
std::vector<std::string> read_lines(const std::string& path);

// Runs `grm ARGS` through the shell; returns the exit code and captures stdout and stderr.
struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};
CliRun run_grm(const std::string& args, const std::string& scratch, const std::string& stdin_path = "/dev/null");

Item make_item(const std::string& id, std::vector<std::string> responses, std::string query = "Which answer is right?");

}  // namespace grm::test
