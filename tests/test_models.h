// Shared helpers for tests that run the tiny random model made by the `make_tiny_model` CTest fixture
// (tests/CMakeLists.txt): 2 layers, 64 wide, llama-spm tokenizer. Its judgments are noise by design.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/item.h"
#include "train/gradient_tape.h"

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

// Checks analytic gradients against central finite differences (eps 1e-2) of `loss`: for parameter i when
// take(i), the coordinate with the largest |gradient| (skipped below 1e-4). EXPECTs each to agree within 5%
// (+2e-4) and returns how many were checked.
int expect_gradients_match_finite_differences(const std::vector<ggml_tensor*>& params, const HostGrads& grads,
                                              const std::function<double()>& loss, const std::function<bool(size_t)>& take);

}  // namespace grm::test
