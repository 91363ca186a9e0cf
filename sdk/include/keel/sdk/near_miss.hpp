// keel/sdk/near_miss.hpp — "did you mean ...?" for unknown names: the one
// edit distance keel uses, for params (the SDK), run files and data files
// (the host).
//
// The distance is bounded: a name can be hostile (a 10 MB symbol in a data
// file), and a suggestion is only useful for a near miss, so the work is
// O(min(|a|, |b|) * limit) and constant when the lengths alone rule a
// candidate out. Case is ignored (ASCII), and swapping two neighbouring
// characters counts as one edit (optimal string alignment).
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keel::sdk {

// The edit distance between a and b when it is at most `limit`, else
// limit + 1.
inline size_t edit_distance_at_most(std::string_view a, std::string_view b, size_t limit) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  if (a.size() > b.size()) std::swap(a, b);
  const size_t n = a.size(), m = b.size();
  const size_t over = limit + 1;
  if (m - n > limit) return over;
  // d[i][j] for |i - j| <= limit only; cells outside the band count as
  // `over`. Three rows of the full width keep the indexing plain; each row
  // touches only its band and the cell just left of it (which the next row
  // reads), so the work is O(n * limit).
  std::vector<size_t> prev2(m + 1, over), prev(m + 1, over), cur(m + 1, over);
  for (size_t j = 0; j <= std::min(m, limit); ++j) prev[j] = j;
  size_t prev_best = 0;  // the smallest cell of the row before
  for (size_t i = 1; i <= n; ++i) {
    const size_t from = i > limit ? i - limit : 1;
    const size_t to = std::min(m, i + limit);
    cur[from - 1] = i <= limit ? i : over;  // column 0, or the cell left of the band
    size_t row_best = cur[from - 1];
    for (size_t j = from; j <= to; ++j) {
      const bool same = lower(a[i - 1]) == lower(b[j - 1]);
      size_t d = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        d = std::min(d, prev2[j - 2] + 1);
      }
      cur[j] = std::min(d, over);
      row_best = std::min(row_best, cur[j]);
    }
    // Every path already costs too much (a swap reaches back two rows).
    if (row_best >= over && prev_best + 1 >= over) return over;
    prev_best = row_best;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[m], over);
}

// The candidate nearest to `word` when it is a near miss: at most two edits,
// and not most of a short word ("ab" is no suggestion for "xy"). Ties go to
// the candidate that sorts first, so the suggestion does not depend on the
// order candidates come in. An exact match is not a suggestion.
template <class Candidates>
std::optional<std::string> nearest_name(std::string_view word, const Candidates& candidates) {
  constexpr size_t kMaxEdits = 2;
  std::optional<std::string> best;
  size_t best_distance = kMaxEdits + 1;
  for (const auto& candidate : candidates) {
    const std::string_view c = candidate;
    if (c == word) continue;
    const size_t d = edit_distance_at_most(word, c, kMaxEdits);
    if (d > kMaxEdits || 2 * d > std::max(word.size(), c.size())) continue;
    if (d < best_distance || (d == best_distance && best && c < *best)) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

// "; did you mean 'x'?" for the nearest candidate, or "".
template <class Candidates>
std::string did_you_mean(std::string_view word, const Candidates& candidates) {
  const std::optional<std::string> near = nearest_name(word, candidates);
  return near ? "; did you mean '" + *near + "'?" : std::string();
}

}  // namespace keel::sdk
