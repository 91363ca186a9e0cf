/* params.c — keel/params.h: the C params helper. The wording of every
 * message is keel::sdk::Params's (keel/sdk/params.hpp), so a plugin reads
 * the same whatever its language. */
#include "keel/params.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json_text.h"
#include "near_miss.h"

/* How much of a bad value or text a message quotes. */
#define QUOTE_LIMIT 96

static bool failed(const keel_params_t* p) { return p->error.code != KEEL_OK; }

/* The first failure wins; later ones are dropped. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
fail(keel_params_t* p, keel_status_t code, const char* format, ...) {
  if (failed(p)) return;
  va_list args;
  va_start(args, format);
  p->error.code = code;
  if (vsnprintf(p->error.message, sizeof p->error.message, format, args) < 0) {
    p->error.message[0] = '\0';
  }
  va_end(args);
}

/* Up to QUOTE_LIMIT bytes of text[at, end), with "..." when cut. */
typedef struct quote {
  char text[QUOTE_LIMIT + 4];
} quote_t;

static quote_t quote_of(const char* text, size_t at, size_t end) {
  quote_t q;
  const size_t n = end - at;
  if (n <= QUOTE_LIMIT) {
    memcpy(q.text, text + at, n);
    q.text[n] = '\0';
  } else {
    memcpy(q.text, text + at, QUOTE_LIMIT);
    memcpy(q.text + QUOTE_LIMIT, "...", 4);
  }
  return q;
}

void keel_params_init(keel_params_t* p, const char* params_json) {
  memset(p, 0, sizeof *p);
  p->error.code = KEEL_OK;
  p->text = (params_json == NULL || params_json[0] == '\0') ? "{}" : params_json;
  p->length = strlen(p->text);
  keel_json_fault_t fault;
  if (!keel_json_check(p->text, p->length, KEEL_PARAMS_MAX_DEPTH, &fault)) {
    if (fault.too_deep) {
      fail(p, KEEL_ERR_INVALID_ARGUMENT,
           "params are nested more than %d levels deep at line %zu, column %zu (keel reads at "
           "most %d levels of arrays and objects)",
           KEEL_PARAMS_MAX_DEPTH, fault.line, fault.column, KEEL_PARAMS_MAX_DEPTH);
    } else {
      fail(p, KEEL_ERR_INVALID_ARGUMENT,
           "params are not valid JSON at line %zu, column %zu (%s): %s", fault.line, fault.column,
           fault.what, quote_of(p->text, 0, p->length).text);
    }
  } else {
    const size_t start = keel_json_skip_space(p->text, p->length, 0);
    if (p->text[start] != '{') {
      const size_t end = keel_json_value_end(p->text, p->length, start);
      fail(p, KEEL_ERR_INVALID_ARGUMENT, "params must be a JSON object, got %s",
           quote_of(p->text, start, end).text);
    }
  }
  if (failed(p)) { /* the readers then walk an empty object */
    p->text = "{}";
    p->length = 2;
  }
}

/* The member named `key`, or false. A key given twice is an error. */
static bool find_member(const keel_params_t* p, const char* key, keel_json_member_t* found,
                        bool* twice) {
  size_t cursor = keel_json_skip_space(p->text, p->length, 0);
  keel_json_member_t member;
  bool have = false;
  *twice = false;
  while (keel_json_next_member(p->text, p->length, &cursor, &member)) {
    if (!keel_json_string_equals(p->text, member.key, key)) continue;
    if (have) {
      *twice = true;
      return true;
    }
    *found = member;
    have = true;
  }
  return have;
}

static bool remember(keel_params_t* p, const char* key) {
  if (key == NULL) {
    fail(p, KEEL_ERR_INTERNAL, "keel_params: a read was given a NULL key");
    return false;
  }
  for (size_t k = 0; k < p->key_count; ++k) {
    if (strcmp(p->keys[k], key) == 0) return true;
  }
  if (p->key_count == KEEL_PARAMS_MAX_KEYS) {
    fail(p, KEEL_ERR_INTERNAL, "/%s: a plugin reads at most %d params with keel_params_t", key,
         KEEL_PARAMS_MAX_KEYS);
    return false;
  }
  p->keys[p->key_count++] = key;
  return true;
}

/* The value of `key` to read: false when it is absent (or null and
 * optional), when an error is pending, or on failure (recorded). */
static bool lookup(keel_params_t* p, const char* key, bool optional, keel_json_member_t* member) {
  if (failed(p) || !remember(p, key)) return false;
  bool twice = false;
  if (!find_member(p, key, member, &twice)) {
    if (!optional) fail(p, KEEL_ERR_INVALID_ARGUMENT, "/%s: required param missing", key);
    return false;
  }
  if (twice) {
    fail(p, KEEL_ERR_INVALID_ARGUMENT, "/%s: given twice", key);
    return false;
  }
  if (optional && p->text[member->value] == 'n') return false; /* null */
  return true;
}

static void fail_expected(keel_params_t* p, const char* key, const char* expected,
                          const keel_json_member_t* member) {
  fail(p, KEEL_ERR_INVALID_ARGUMENT, "/%s: expected %s, got %s", key, expected,
       quote_of(p->text, member->value, member->value_end).text);
}

static bool is_number_token(char c) { return c == '-' || (c >= '0' && c <= '9'); }

bool keel_params_has(const keel_params_t* p, const char* key) {
  if (key == NULL) return false;
  keel_json_member_t member;
  bool twice;
  return find_member(p, key, &member, &twice);
}

static double read_number(keel_params_t* p, const char* key, bool optional, double fallback,
                          double min, double max) {
  keel_json_member_t m;
  if (!lookup(p, key, optional, &m)) return fallback;
  const double v = is_number_token(p->text[m.value])
                       ? keel_json_number_value(p->text, m.value, m.value_end)
                       : NAN;
  if (!isfinite(v)) {
    fail_expected(p, key, "a finite number", &m);
    return fallback;
  }
  if (v < min || v > max) {
    char expected[96];
    snprintf(expected, sizeof expected, "a number in [%g, %g]", min, max);
    fail_expected(p, key, expected, &m);
    return fallback;
  }
  return v;
}

double keel_params_number(keel_params_t* p, const char* key, double fallback, double min,
                          double max) {
  return read_number(p, key, true, fallback, min, max);
}

double keel_params_require_number(keel_params_t* p, const char* key, double min, double max) {
  return read_number(p, key, false, 0.0, min, max);
}

static int64_t read_integer(keel_params_t* p, const char* key, bool optional, int64_t fallback,
                            int64_t min, int64_t max) {
  keel_json_member_t m;
  if (!lookup(p, key, optional, &m)) return fallback;
  int64_t v = 0;
  bool overflow = false;
  if (!is_number_token(p->text[m.value]) ||
      !keel_json_number_integer(p->text, m.value, m.value_end, &v, &overflow)) {
    fail_expected(p, key, "an integer", &m);
    return fallback;
  }
  if (overflow || v < min || v > max) {
    char expected[96];
    snprintf(expected, sizeof expected, "an integer in [%" PRId64 ", %" PRId64 "]", min, max);
    fail_expected(p, key, expected, &m);
    return fallback;
  }
  return v;
}

int64_t keel_params_integer(keel_params_t* p, const char* key, int64_t fallback, int64_t min,
                            int64_t max) {
  return read_integer(p, key, true, fallback, min, max);
}

int64_t keel_params_require_integer(keel_params_t* p, const char* key, int64_t min, int64_t max) {
  return read_integer(p, key, false, 0, min, max);
}

static bool read_boolean(keel_params_t* p, const char* key, bool optional, bool fallback) {
  keel_json_member_t m;
  if (!lookup(p, key, optional, &m)) return fallback;
  const char c = p->text[m.value];
  if (c != 't' && c != 'f') {
    fail_expected(p, key, "true or false", &m);
    return fallback;
  }
  return c == 't';
}

bool keel_params_boolean(keel_params_t* p, const char* key, bool fallback) {
  return read_boolean(p, key, true, fallback);
}

bool keel_params_require_boolean(keel_params_t* p, const char* key) {
  return read_boolean(p, key, false, false);
}

static size_t copy_fallback(const char* fallback, char* out, size_t out_size) {
  const size_t n = strlen(fallback);
  const size_t kept = n < out_size ? n : out_size - 1;
  memcpy(out, fallback, kept);
  out[kept] = '\0';
  return kept;
}

static size_t read_string(keel_params_t* p, const char* key, bool optional, const char* fallback,
                          char* out, size_t out_size) {
  if (out == NULL || out_size == 0) {
    fail(p, KEEL_ERR_INTERNAL, "/%s: keel_params_string was given no buffer",
         key != NULL ? key : "(null)");
    return 0;
  }
  if (fallback == NULL) fallback = "";
  keel_json_member_t m;
  if (!lookup(p, key, optional, &m)) return copy_fallback(fallback, out, out_size);
  if (p->text[m.value] != '"') {
    fail_expected(p, key, "a string", &m);
    return copy_fallback(fallback, out, out_size);
  }
  bool has_nul = false;
  const size_t n = keel_json_string_decode(p->text, m.value, out, out_size, &has_nul);
  if (n >= out_size) {
    char expected[64];
    snprintf(expected, sizeof expected, "a string of at most %zu bytes", out_size - 1);
    fail_expected(p, key, expected, &m);
    return copy_fallback(fallback, out, out_size);
  }
  if (has_nul) {
    fail_expected(p, key, "a string without \\u0000", &m);
    return copy_fallback(fallback, out, out_size);
  }
  return n;
}

size_t keel_params_string(keel_params_t* p, const char* key, const char* fallback, char* out,
                          size_t out_size) {
  return read_string(p, key, true, fallback, out, out_size);
}

size_t keel_params_require_string(keel_params_t* p, const char* key, char* out, size_t out_size) {
  return read_string(p, key, false, "", out, out_size);
}

bool keel_params_json(keel_params_t* p, const char* key, const char** out_json,
                      size_t* out_length) {
  *out_json = NULL;
  *out_length = 0;
  keel_json_member_t m;
  if (!lookup(p, key, true, &m)) return false;
  *out_json = p->text + m.value;
  *out_length = m.value_end - m.value;
  return true;
}

keel_status_t keel_params_status(const keel_params_t* p) { return p->error.code; }

/* Appends to the message being built in buffer[*used, capacity). */
static void append(char* buffer, size_t capacity, size_t* used, const char* text) {
  const size_t n = strlen(text);
  const size_t room = capacity - 1 - *used;
  const size_t kept = n < room ? n : room;
  memcpy(buffer + *used, text, kept);
  *used += kept;
  buffer[*used] = '\0';
}

/* "/x: unknown param; did you mean 'y'? (known: a b y)" for the member. */
static void fail_unknown(keel_params_t* p, const keel_json_member_t* member) {
  char message[KEEL_ERROR_MESSAGE_CAPACITY];
  size_t used = 0;
  message[0] = '\0';
  const size_t key_end = keel_json_value_end(p->text, p->length, member->key);
  char decoded[KEEL_NEAR_MISS_MAX_LENGTH + 1];
  bool has_nul = false;
  const size_t n = keel_json_string_decode(p->text, member->key, decoded, sizeof decoded, &has_nul);
  append(message, sizeof message, &used, "/");
  if (n < sizeof decoded && !has_nul) {
    append(message, sizeof message, &used, decoded);
  } else { /* as written, quotes off */
    append(message, sizeof message, &used, quote_of(p->text, member->key + 1, key_end - 1).text);
  }
  append(message, sizeof message, &used, ": unknown param");
  if (n < sizeof decoded) {
    const size_t near = keel_near_miss_nearest(decoded, n, p->keys, p->key_count);
    if (near < p->key_count) {
      append(message, sizeof message, &used, "; did you mean '");
      append(message, sizeof message, &used, p->keys[near]);
      append(message, sizeof message, &used, "'?");
    }
  }
  if (p->key_count > 0) {
    /* The known keys in byte order, as std::set<std::string> lists them. */
    append(message, sizeof message, &used, " (known:");
    const char* last = NULL;
    for (size_t listed = 0; listed < p->key_count; ++listed) {
      const char* next = NULL;
      for (size_t k = 0; k < p->key_count; ++k) {
        const char* c = p->keys[k];
        if ((last == NULL || strcmp(c, last) > 0) && (next == NULL || strcmp(c, next) < 0)) {
          next = c;
        }
      }
      append(message, sizeof message, &used, " ");
      append(message, sizeof message, &used, next);
      last = next;
    }
    append(message, sizeof message, &used, ")");
  }
  fail(p, KEEL_ERR_INVALID_ARGUMENT, "%s", message);
}

keel_status_t keel_params_finish(keel_params_t* p, keel_error_t* err) {
  if (!failed(p)) {
    size_t cursor = keel_json_skip_space(p->text, p->length, 0);
    keel_json_member_t member;
    while (keel_json_next_member(p->text, p->length, &cursor, &member)) {
      bool known = false;
      for (size_t k = 0; k < p->key_count && !known; ++k) {
        known = keel_json_string_equals(p->text, member.key, p->keys[k]);
      }
      if (!known) {
        fail_unknown(p, &member);
        break;
      }
    }
  }
  if (!failed(p)) return KEEL_OK;
  if (err != NULL) *err = p->error;
  return p->error.code;
}
