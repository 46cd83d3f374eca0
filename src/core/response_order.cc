#include "core/response_order.h"

#include <fmt/format.h>

#include <numeric>

#include "core/random.h"

namespace grm {
namespace {

// Fisher-Yates with our own generator, so orders are identical across standard libraries.
std::vector<int> random_permutation(int n, uint64_t& state) {
  std::vector<int> p(n);
  std::iota(p.begin(), p.end(), 0);
  for (int i = n - 1; i > 0; --i) {
    int j = static_cast<int>(splitmix64(state) % static_cast<uint64_t>(i + 1));
    std::swap(p[i], p[j]);
  }
  return p;
}

}  // namespace

Result<OrderMode> order_mode_from_name(const std::string& name) {
  if (name == "balanced") return OrderMode::kBalanced;
  if (name == "random") return OrderMode::kRandom;
  if (name == "fixed") return OrderMode::kFixed;
  return Error{fmt::format("unknown order mode '{}': expected balanced, random or fixed", name)};
}

const char* order_mode_name(OrderMode mode) {
  switch (mode) {
    case OrderMode::kBalanced: return "balanced";
    case OrderMode::kRandom: return "random";
    case OrderMode::kFixed: return "fixed";
  }
  return "?";
}

std::vector<std::vector<int>> sample_orders(int n, int k, OrderMode mode, uint64_t seed) {
  std::vector<std::vector<int>> orders;
  orders.reserve(k);
  uint64_t state = seed;
  std::vector<int> identity(n);
  std::iota(identity.begin(), identity.end(), 0);
  const std::vector<int> base = mode == OrderMode::kBalanced ? random_permutation(n, state) : identity;
  for (int j = 0; j < k; ++j) {
    if (mode == OrderMode::kRandom) {
      orders.push_back(random_permutation(n, state));
    } else if (mode == OrderMode::kFixed) {
      orders.push_back(identity);
    } else {
      std::vector<int> o(n);
      for (int p = 0; p < n; ++p) o[p] = base[(p + j) % n];
      orders.push_back(std::move(o));
    }
  }
  return orders;
}

bool is_order_of(const std::vector<int>& order, int n) {
  if (static_cast<int>(order.size()) != n) return false;
  std::vector<bool> seen(order.size(), false);
  for (int i : order) {
    if (i < 0 || i >= n || seen[i]) return false;
    seen[i] = true;
  }
  return true;
}

uint64_t item_seed(uint64_t run_seed, const std::string& item_id) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : item_id) h = (h ^ c) * 1099511628211ull;
  uint64_t state = run_seed ^ h;
  return splitmix64(state);
}

}  // namespace grm
