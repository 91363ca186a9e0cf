/* keel/params.h — strict, typed access to a factory's JSON params, for
 * plugins written in C.
 *
 * A factory's create() receives its params as JSON text (keel/plugin.h).
 * This helper reads them with the same rules and messages as the C++ SDK's
 * keel::sdk::Params, so `keel plugin check` passes: every key is typed and
 * range-checked, a key nobody asked for is an error with a suggestion, and
 * every message names the param by its JSON pointer.
 *
 *   keel_params_t p;
 *   keel_params_init(&p, params_json);
 *   double vol = keel_params_number(&p, "vol", 0.2, 0.0, INFINITY);
 *   int64_t steps = keel_params_integer(&p, "steps", 200, 1, 100000);
 *   keel_status_t status = keel_params_finish(&p, err);
 *   if (status != KEEL_OK) return status;   // err: "/vol: expected ..."
 *
 * Errors are sticky: the first failure is kept, later reads do nothing and
 * return their fallback (0 for the required forms), and keel_params_finish()
 * reports it. So read every param, then check once; use the values only
 * when keel_params_finish() returned KEEL_OK.
 *
 * Memory: nothing is allocated. keel_params_t lives where the caller puts
 * it (usually create()'s stack) and borrows two things, which must outlive
 * it: the params text, and every key string passed to a read (string
 * literals in practice). Strings are copied into caller-provided buffers.
 * There is nothing to free, and no function keeps global or thread-local
 * state, so any thread may use its own keel_params_t.
 *
 * Strictness: the text must be one JSON object (RFC 8259: no comments, no
 * trailing commas, valid UTF-8), nested at most KEEL_PARAMS_MAX_DEPTH levels;
 * NULL or "" reads as "{}". A key given twice is an error. An optional param
 * given as null counts as absent, as in the C++ SDK.
 *
 * Messages (written into keel_error_t by keel_params_finish, code
 * KEEL_ERR_INVALID_ARGUMENT unless said otherwise):
 *   params are not valid JSON at line 1, column 8 (expected ':' after a key): {"vol" 1}
 *   params are nested more than 128 levels deep at line 1, column 130 (...)
 *   params must be a JSON object, got [1,2]
 *   /steps: required param missing
 *   /vol: expected a finite number, got "high"
 *   /vol: expected a number in [0, inf], got -1
 *   /steps: expected an integer in [1, 100000], got 0
 *   /vols: unknown param; did you mean 'vol'? (known: steps vol)
 *   /vol: given twice
 * A mistake of the plugin's own (more than KEEL_PARAMS_MAX_KEYS keys read,
 * a NULL key or buffer) is KEEL_ERR_INTERNAL.
 *
 * The implementation is the C library keel::params (libkeel_params.a,
 * position-independent, C11 and libc only), which keel_add_plugin() links
 * into C plugins. */
#ifndef KEEL_PARAMS_H
#define KEEL_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How many distinct keys one keel_params_t can read. */
#define KEEL_PARAMS_MAX_KEYS 64
/* The deepest nesting accepted, as everywhere in keel (keel::sdk::kMaxJsonDepth). */
#define KEEL_PARAMS_MAX_DEPTH 128

/* The reader's state. Its members are private: use the functions. */
typedef struct keel_params {
  const char* text;                       /* borrowed: the params object */
  size_t length;                          /* of text, in bytes */
  size_t key_count;                       /* entries of keys[] in use */
  const char* keys[KEEL_PARAMS_MAX_KEYS]; /* borrowed: the keys read so far */
  keel_error_t error;                     /* the first failure; code KEEL_OK while none */
} keel_params_t;

/* Checks `params_json` (NUL-terminated UTF-8; NULL or "" means "{}") and
 * prepares `params` to read it. A syntax, depth or type error is kept for
 * keel_params_finish(); the reads then return their fallbacks. */
void keel_params_init(keel_params_t* params, const char* params_json);

/* True when `key` is present (even as null); false for params that are not
 * a JSON object. Does not count as reading it. */
bool keel_params_has(const keel_params_t* params, const char* key);

/* A finite number in [min, max]; `fallback` when absent or null. Pass
 * -INFINITY / INFINITY (math.h) for an open end. An integer literal is a
 * number too. */
double keel_params_number(keel_params_t* params, const char* key, double fallback, double min,
                          double max);
/* As keel_params_number, but absent is an error ("required param missing"). */
double keel_params_require_number(keel_params_t* params, const char* key, double min, double max);

/* An integer literal (no fraction or exponent: 3, not 3.0) in [min, max];
 * `fallback` when absent or null. Pass INT64_MIN / INT64_MAX for an open end. */
int64_t keel_params_integer(keel_params_t* params, const char* key, int64_t fallback, int64_t min,
                            int64_t max);
int64_t keel_params_require_integer(keel_params_t* params, const char* key, int64_t min,
                                    int64_t max);

/* true or false; `fallback` when absent or null. */
bool keel_params_boolean(keel_params_t* params, const char* key, bool fallback);
bool keel_params_require_boolean(keel_params_t* params, const char* key);

/* A string, decoded (escapes resolved) into `out` as a NUL-terminated UTF-8
 * string of at most out_size - 1 bytes; `fallback` when absent or null.
 * Returns its length. A longer string, or one holding \u0000, is an error
 * naming the key; `out` then holds the fallback (or "" when required). */
size_t keel_params_string(keel_params_t* params, const char* key, const char* fallback, char* out,
                          size_t out_size);
size_t keel_params_require_string(keel_params_t* params, const char* key, char* out,
                                  size_t out_size);

/* Any JSON value (an array, a nested object) for the plugin to read
 * itself: *out_json points at its text inside the params text (not
 * NUL-terminated; *out_length bytes, already checked to be valid JSON).
 * Returns false, with *out_json NULL and *out_length 0, when absent or null. */
bool keel_params_json(keel_params_t* params, const char* key, const char** out_json,
                      size_t* out_length);

/* The first failure so far, KEEL_OK when none. */
keel_status_t keel_params_status(const keel_params_t* params);

/* Ends reading: when nothing failed, a key that no read asked for is the
 * error ("/x: unknown param", with the nearest known key suggested). Writes
 * the first failure into `err` (when non-NULL) and returns its code, or
 * KEEL_OK leaving `err` untouched. May be called again; it does not change
 * what it reports. */
keel_status_t keel_params_finish(keel_params_t* params, keel_error_t* err);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_PARAMS_H */
