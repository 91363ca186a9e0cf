// engine/market/order_book.hpp — one instrument's L2 (market-by-price) order
// book, built from depth data: per side, the price levels and their total
// size, as the data last said.
//
// The venue also writes down, per level, how much of it our own taking
// orders have consumed (`taken`): that size is gone for our later orders
// until the data refreshes the level (any update of that price resets it),
// while strategies keep seeing the data's size (keel/host.h book_levels).
//
// Each side is a vector kept sorted worst to best, so the best level is at
// the back: the updates of a real feed are mostly near the top, where an
// insert or erase moves few elements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "keel/market.h"

namespace keel {

struct BookLevel {
  double price = 0;
  double size = 0;   // the data's size
  double taken = 0;  // consumed by our taking orders since the data last set this level

  double available() const { return size > taken ? size - taken : 0; }
};

class OrderBook {
 public:
  // Sets the level `price` of `side` (KEEL_BOOK_BID / KEEL_BOOK_ASK) to
  // `size` (0 removes it) and resets what we took from it. Returns the size
  // the level had before (0 when it was absent).
  double apply(int32_t side, double price, double size);

  // Levels of a side counted from the best (0) outwards.
  size_t depth(int32_t side) const { return levels(side).size(); }
  const BookLevel& level(int32_t side, size_t from_best) const {
    const auto& v = levels(side);
    return v[v.size() - 1 - from_best];
  }
  BookLevel& level(int32_t side, size_t from_best) {
    auto& v = levels(side);
    return v[v.size() - 1 - from_best];
  }
  // The best level of a side, or nullptr when it is empty.
  const BookLevel* best(int32_t side) const {
    const auto& v = levels(side);
    return v.empty() ? nullptr : &v.back();
  }
  // The level at exactly `price`, or nullptr.
  BookLevel* find(int32_t side, double price);
  const BookLevel* find(int32_t side, double price) const {
    return const_cast<OrderBook*>(this)->find(side, price);
  }
  // The data's size at `price` (0 when there is no such level).
  double size_at(int32_t side, double price) const {
    const BookLevel* l = find(side, price);
    return l ? l->size : 0;
  }
  // Copies up to `max` levels best first (price and the data's size);
  // returns how many.
  size_t copy_levels(int32_t side, keel_book_level_t* out, size_t max) const;

  // True once any depth update has been applied.
  bool has_depth() const { return has_depth_; }

 private:
  std::vector<BookLevel>& levels(int32_t side) { return side == KEEL_BOOK_BID ? bids_ : asks_; }
  const std::vector<BookLevel>& levels(int32_t side) const {
    return side == KEEL_BOOK_BID ? bids_ : asks_;
  }
  // Index of the first level at or better than `price` in storage order
  // (worst to best).
  size_t lower(int32_t side, double price) const;

  std::vector<BookLevel> bids_;  // ascending price: best (highest) last
  std::vector<BookLevel> asks_;  // descending price: best (lowest) last
  bool has_depth_ = false;
};

}  // namespace keel
