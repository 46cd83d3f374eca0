// Training a small tokenizer for a domain: a SentencePiece BPE model (the library does the training) written
// as a vocab-only GGUF in llama.cpp's "llama" (SPM) tokenizer format, so that `grm model init --vocab` and
// stock llama.cpp use it unchanged.
//
// The vocabulary: <unk> <s> </s>, the 256 byte tokens <0x00>..<0xFF> (byte fallback: any text, newlines
// included, stays encodable), then the learned pieces. Digits are always single tokens (split_digits), so a
// small model reads and writes numbers digit by digit. Text is not normalised (llama.cpp does not normalise
// either), a piece never spans a newline (sentences are the corpus's lines), and no space is put before the
// text (add_space_prefix off), so a word at the start of a line is the same token everywhere.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace grm {

struct VocabTrainOptions {
  int vocab_size = 1024;   // total, including the 259 special and byte tokens; an upper bound when the corpus
                           // has fewer distinct pieces
  int threads = 0;         // 0 = all cores
};

// lines: the training text, one sentence per element (empty ones are skipped). Writes out_path atomically.
Status train_domain_vocab(const std::vector<std::string>& lines, const VocabTrainOptions& opts, const std::string& out_path);

}  // namespace grm
