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

std::vector<LineCheck> check_critiques(const SynthItem& item, const std::vector<int>& order,
                                       const std::vector<std::optional<std::string>>& analysis) {
  std::vector<LineCheck> out;
  for (size_t p = 0; p < order.size(); ++p) {
    if (p >= analysis.size() || !analysis[p]) {
      out.push_back({CritiqueClass::kMissing, std::nullopt});
      continue;
    }
    const std::string& line = *analysis[p];
    const Response& own = item.responses[order[p]];
    // Own lines first: two responses can share a line (two wrong answers to a word task read alike), and a line
    // that is right for this response is right whoever else it also fits.
    if (line == own.analysis) {
      out.push_back({CritiqueClass::kExact, teacher_score(item, own, false)});
    } else if (line == own.flipped) {
      out.push_back({CritiqueClass::kFlipped, teacher_score(item, own, true)});
    } else if (line == kGenericGoodLine || line == kGenericPoorLine) {
      out.push_back({CritiqueClass::kGeneric, std::nullopt});
    } else {
      LineCheck c{CritiqueClass::kOther, std::nullopt};
      for (const Response& r : item.responses)
        if (!c.implied_score && (line == r.analysis || line == r.flipped))
          c = {CritiqueClass::kAnotherResponse, teacher_score(item, r, line != r.analysis)};
      out.push_back(c);
    }
  }
  return out;
}

void CritiqueReport::add(const SynthItem& item, const std::vector<LineCheck>& checks, const std::vector<int>& scores) {
  ++samples_;
  const int n = static_cast<int>(item.responses.size());
  for (size_t p = 0; p < checks.size(); ++p) {
    const bool scored = checks[p].implied_score && p < scores.size();
    const std::string position = n >= 2 ? fmt::format("position {}", p + 1) : "";
    for (const std::string& key : {std::string("all"), item.family, fmt::format("n = {}", n), position}) {
      if (key.empty()) continue;
      CritiqueTally& t = tallies_[key];
      ++t.lines;
      ++t.by_class[static_cast<int>(checks[p].cls)];
      t.scored += scored;
      t.follows += scored && scores[p] == *checks[p].implied_score;
    }
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
