/* near_miss.h — "did you mean ...?" for the C params helper. Private to
 * libkeel_params.
 *
 * The same rule as the C++ SDK's keel/sdk/near_miss.hpp (which C plugins
 * cannot include): case-insensitive (ASCII) optimal-string-alignment
 * distance, at most two edits and not most of a short word, ties to the
 * candidate that sorts first, an exact match is no suggestion.
 * tests/sdk/c_params_test.cpp checks the two agree. Nothing allocates: a
 * name longer than KEEL_NEAR_MISS_MAX_LENGTH gets no suggestion. */
#ifndef KEEL_C_NEAR_MISS_H
#define KEEL_C_NEAR_MISS_H

#include <stddef.h>

#define KEEL_NEAR_MISS_MAX_LENGTH 256

/* The distance between a[0, a_length) and b[0, b_length) when it is at
 * most `limit`, else limit + 1 (also when either is longer than
 * KEEL_NEAR_MISS_MAX_LENGTH). */
size_t keel_near_miss_distance(const char* a, size_t a_length, const char* b, size_t b_length,
                               size_t limit);

/* The index of the candidate nearest to word[0, length), or `count` when
 * none is a near miss. */
size_t keel_near_miss_nearest(const char* word, size_t length, const char* const* candidates,
                              size_t count);

#endif /* KEEL_C_NEAR_MISS_H */
