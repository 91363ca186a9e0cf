#include "engine/market/order_book.hpp"

#include <algorithm>

namespace keel {

size_t OrderBook::lower(int32_t side, double price) const {
  const auto& v = levels(side);
  // Worst to best: bids ascend, asks descend. The common update is at or
  // near the top, so look from the back first.
  size_t i = v.size();
  if (side == KEEL_BOOK_BID) {
    while (i > 0 && v.size() - i < 8 && v[i - 1].price >= price) --i;
    if (i == 0 || v[i - 1].price < price) return i;
    auto it = std::lower_bound(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), price,
                               [](const BookLevel& l, double p) { return l.price < p; });
    return static_cast<size_t>(it - v.begin());
  }
  while (i > 0 && v.size() - i < 8 && v[i - 1].price <= price) --i;
  if (i == 0 || v[i - 1].price > price) return i;
  auto it = std::lower_bound(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), price,
                             [](const BookLevel& l, double p) { return l.price > p; });
  return static_cast<size_t>(it - v.begin());
}

BookLevel* OrderBook::find(int32_t side, double price) {
  auto& v = levels(side);
  const size_t i = lower(side, price);
  return i < v.size() && v[i].price == price ? &v[i] : nullptr;
}

double OrderBook::apply(int32_t side, double price, double size) {
  has_depth_ = true;
  auto& v = levels(side);
  const size_t i = lower(side, price);
  const auto at = v.begin() + static_cast<std::ptrdiff_t>(i);
  if (i < v.size() && v[i].price == price) {
    const double before = v[i].size;
    if (size > 0) {
      v[i].size = size;
      v[i].taken = 0;
    } else {
      v.erase(at);
    }
    return before;
  }
  if (size > 0) v.insert(at, BookLevel{price, size, 0});
  return 0;
}

size_t OrderBook::copy_levels(int32_t side, keel_book_level_t* out, size_t max) const {
  const auto& v = levels(side);
  const size_t n = std::min(max, v.size());
  for (size_t k = 0; k < n; ++k) {
    const BookLevel& l = v[v.size() - 1 - k];
    out[k] = keel_book_level_t{l.price, l.size};
  }
  return n;
}

}  // namespace keel
