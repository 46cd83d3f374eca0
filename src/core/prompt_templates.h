// The prompt templates compiled into the binary from templates/*.txt (see CMakeLists.txt).
#pragma once

#include <string>
#include <vector>

namespace grm {

struct EmbeddedTemplate {
  std::string name;  // file name without .txt
  std::string text;  // the file's bytes
};

const std::vector<EmbeddedTemplate>& embedded_templates();

}  // namespace grm
