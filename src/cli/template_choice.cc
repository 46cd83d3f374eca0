#include "cli/template_choice.h"

#include <fmt/format.h>

namespace grm::cli {

Result<TemplateKind> choose_template(const std::string& flag, const LlamaModel& model) {
  if (!flag.empty()) return template_kind_from_name(flag);
  const std::string family = model.meta(kModelTemplateKey);
  if (family.empty()) return TemplateKind::kDefault;
  auto kind = template_kind_from_name(family);
  if (!kind) return Error{fmt::format("{}: metadata {}: {}; pass --template", model.path(), kModelTemplateKey, kind.error().message)};
  return multi_of(kind.value());
}

}  // namespace grm::cli
