/* near_miss.c — see near_miss.h; the algorithm is keel::sdk::edit_distance_at_most's. */
#include "near_miss.h"

#include <string.h>

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }
static size_t min2(size_t a, size_t b) { return a < b ? a : b; }

size_t keel_near_miss_distance(const char* a, size_t n, const char* b, size_t m, size_t limit) {
  const size_t over = limit + 1;
  if (n > m) {
    const char* t = a;
    a = b;
    b = t;
    const size_t l = n;
    n = m;
    m = l;
  }
  if (m - n > limit || m > KEEL_NEAR_MISS_MAX_LENGTH) return over;
  /* Three rows of the full width; each row touches only the band
   * |i - j| <= limit and the cell just left of it. */
  size_t rows[3][KEEL_NEAR_MISS_MAX_LENGTH + 1];
  size_t* prev2 = rows[0];
  size_t* prev = rows[1];
  size_t* cur = rows[2];
  for (size_t j = 0; j <= m; ++j) prev2[j] = prev[j] = cur[j] = over;
  for (size_t j = 0; j <= min2(m, limit); ++j) prev[j] = j;
  size_t prev_best = 0;
  for (size_t i = 1; i <= n; ++i) {
    const size_t from = i > limit ? i - limit : 1;
    const size_t to = min2(m, i + limit);
    cur[from - 1] = i <= limit ? i : over;
    size_t row_best = cur[from - 1];
    for (size_t j = from; j <= to; ++j) {
      const int same = lower(a[i - 1]) == lower(b[j - 1]);
      size_t d = min2(min2(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + (same ? 0 : 1));
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        d = min2(d, prev2[j - 2] + 1);
      }
      cur[j] = min2(d, over);
      row_best = min2(row_best, cur[j]);
    }
    if (row_best >= over && prev_best + 1 >= over) return over;
    prev_best = row_best;
    size_t* t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return min2(prev[m], over);
}

size_t keel_near_miss_nearest(const char* word, size_t length, const char* const* candidates,
                              size_t count) {
  const size_t max_edits = 2;
  size_t best = count, best_distance = max_edits + 1;
  for (size_t k = 0; k < count; ++k) {
    const char* c = candidates[k];
    const size_t c_length = strlen(c);
    if (c_length == length && memcmp(c, word, length) == 0) continue;
    const size_t d = keel_near_miss_distance(word, length, c, c_length, max_edits);
    const size_t longer = length > c_length ? length : c_length;
    if (d > max_edits || 2 * d > longer) continue;
    if (d < best_distance ||
        (d == best_distance && best < count && strcmp(c, candidates[best]) < 0)) {
      best_distance = d;
      best = k;
    }
  }
  return best;
}
