// The text a domain vocabulary is trained on (engine/vocab_train.h): everything the judge will read and write
// for a file of judgment records (train/judge_record.h): each record's filled judge prompt, its hinted form
// (the hint line, for items with a best response), its meta RM prompt and its trajectory, cut into lines.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace grm {

struct VocabCorpus {
  std::vector<std::string> lines;
  long records = 0;
  std::vector<std::string> errors;  // "path:line: reason" for records that could not be read
};

Result<VocabCorpus> vocab_corpus_from_records(const std::vector<std::string>& paths);

}  // namespace grm
