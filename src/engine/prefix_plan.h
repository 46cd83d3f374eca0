// Planning the evaluation of several token sequences so that every distinct prefix is evaluated once.
//
// Given token sequences D[0..m) (the prompts of one item's distinct response orders, or the meta RM's
// inputs) and a cached sequence H already in the KV cache (the template header), the plan lists each token
// to evaluate exactly once, with the set of sequences it belongs to (llama_batch supports several sequence
// ids per token in a unified KV cache). Positions [0, cached[d]) of sequence d come from H instead
// (llama_memory_seq_cp), where cached[d] = LCP(D[d], H).
//
// The number of planned tokens equals the number of distinct prefixes of the D[d] (the nodes of their trie)
// minus those covered by H.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"

namespace grm {

using Tokens = std::vector<int32_t>;

struct PlannedToken {
  int32_t token;
  int32_t pos;
  std::vector<int> sequences;  // indices into D; the first one is the sequence the token is taken from
  int output_of = -1;          // d when this is the last token of D[d] (its logits/embedding are wanted)
};

struct PrefixPlan {
  std::vector<PlannedToken> tokens;  // in an order valid for decoding (each sequence's positions ascending)
  std::vector<int> cached;           // per d: how many leading tokens come from H
};

size_t common_prefix(const Tokens& a, const Tokens& b);

// REQUIRES: the D[d] are pairwise distinct and none is a prefix of another or of H (an error otherwise).
Result<PrefixPlan> plan_shared_prefill(const std::vector<Tokens>& sequences, const Tokens& cached_header);

}  // namespace grm
