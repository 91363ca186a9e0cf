/* json_text.h — a strict JSON checker and a reader of checked JSON text,
 * for the C params helper (keel/params.h). Private to libkeel_params.
 *
 * keel_json_check() proves a text is one RFC 8259 value; the readers after
 * it may then assume well-formed input and stay small. Nothing allocates
 * and nothing recurses: nesting is tracked in a fixed stack of
 * KEEL_PARAMS_MAX_DEPTH levels. */
#ifndef KEEL_C_JSON_TEXT_H
#define KEEL_C_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where and why a text is not JSON (or nests too deeply). */
typedef struct keel_json_fault {
  size_t offset;    /* 0-based byte offset */
  size_t line;      /* 1-based */
  size_t column;    /* 1-based, in bytes */
  bool too_deep;    /* the fault is nesting deeper than max_depth */
  const char* what; /* static: "expected ':' after a key" */
} keel_json_fault_t;

/* True when text[0, length) is exactly one JSON value, with optional
 * whitespace around it, nested at most max_depth (<= KEEL_PARAMS_MAX_DEPTH)
 * levels; otherwise false with *fault filled. */
bool keel_json_check(const char* text, size_t length, size_t max_depth, keel_json_fault_t* fault);

/* ---- readers of text that keel_json_check() accepted ------------------------ */

/* The first offset at or after `at` that is not JSON whitespace. */
size_t keel_json_skip_space(const char* text, size_t length, size_t at);

/* The offset just past the value that starts at `at`. */
size_t keel_json_value_end(const char* text, size_t length, size_t at);

/* One member of an object: the offsets of its key (at the opening quote),
 * of its value, and just past the value. */
typedef struct keel_json_member {
  size_t key;
  size_t value;
  size_t value_end;
} keel_json_member_t;

/* Iterates over an object's members. `*cursor` starts at the object's
 * opening brace; each call fills *member and returns true, until the
 * closing brace (false). */
bool keel_json_next_member(const char* text, size_t length, size_t* cursor,
                           keel_json_member_t* member);

/* True when the string token at `at` decodes to the NUL-terminated `name`. */
bool keel_json_string_equals(const char* text, size_t at, const char* name);

/* Decodes the string token at `at` into out[0, out_size), NUL-terminated
 * when out_size > 0 (truncated to fit). Returns the full decoded length;
 * *has_nul tells whether it holds a \u0000. */
size_t keel_json_string_decode(const char* text, size_t at, char* out, size_t out_size,
                               bool* has_nul);

/* The number token at `at` as a double (HUGE_VAL when it overflows), read
 * whatever the C locale's decimal point is. */
double keel_json_number_value(const char* text, size_t at, size_t end);

/* True when the number token at `at` is an integer literal (no fraction
 * or exponent); *value is then its value, and *overflow tells whether it
 * lies outside int64_t (when *value is clamped). */
bool keel_json_number_integer(const char* text, size_t at, size_t end, int64_t* value,
                              bool* overflow);

#endif /* KEEL_C_JSON_TEXT_H */
