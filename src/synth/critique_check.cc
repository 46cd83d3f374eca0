#include "synth/critique_check.h"

#include <fmt/format.h>

namespace grm::synth {

const char* critique_class_name(CritiqueClass c) {
  switch (c) {
    case CritiqueClass::kExact: return "exact";
    case CritiqueClass::kFlipped: return "verdict flipped";
    case CritiqueClass::kAnotherResponse: return "another response's";
    case CritiqueClass::kGeneric: return "generic";
    case CritiqueClass::kOther: return "other";
    case CritiqueClass::kMissing: return "missing";
  }
  return "?";
}

std::vector<CritiqueClass> classify_critiques(const SynthItem& item, const std::vector<int>& order,
                                              const std::vector<std::optional<std::string>>& analysis) {
  std::vector<CritiqueClass> out;
  for (size_t p = 0; p < order.size(); ++p) {
    if (p >= analysis.size() || !analysis[p]) {
      out.push_back(CritiqueClass::kMissing);
      continue;
    }
    const std::string& line = *analysis[p];
    const Response& own = item.responses[order[p]];
    // Own lines first: two responses can share a line (two wrong answers to a word task read alike), and a line
    // that is right for this response is right whoever else it also fits.
    if (line == own.analysis) {
      out.push_back(CritiqueClass::kExact);
    } else if (line == own.flipped) {
      out.push_back(CritiqueClass::kFlipped);
    } else if (line == "looks good." || line == "looks poor.") {
      out.push_back(CritiqueClass::kGeneric);
    } else {
      bool another = false;
      for (const Response& r : item.responses) another = another || line == r.analysis || line == r.flipped;
      out.push_back(another ? CritiqueClass::kAnotherResponse : CritiqueClass::kOther);
    }
  }
  return out;
}

void CritiqueReport::add(const SynthItem& item, const std::vector<CritiqueClass>& classes) {
  ++samples_;
  const int n = static_cast<int>(item.responses.size());
  for (size_t p = 0; p < classes.size(); ++p) {
    tallies_["all"].add(classes[p]);
    tallies_[item.family].add(classes[p]);
    tallies_[fmt::format("n = {}", n)].add(classes[p]);
    if (n >= 2) tallies_[fmt::format("position {}", p + 1)].add(classes[p]);
  }
}

std::vector<std::pair<std::string, CritiqueTally>> CritiqueReport::rows() const {
  std::vector<std::string> keys = {"all"};
  for (int f = 1; f <= 6; ++f) keys.push_back(fmt::format("F{}", f));
  for (int n = 1; n <= 4; ++n) keys.push_back(fmt::format("n = {}", n));
  for (int p = 1; p <= 4; ++p) keys.push_back(fmt::format("position {}", p));
  std::vector<std::pair<std::string, CritiqueTally>> out;
  for (const auto& k : keys)
    if (auto it = tallies_.find(k); it != tallies_.end() && it->second.lines > 0) out.emplace_back(k, it->second);
  return out;
}

}  // namespace grm::synth
