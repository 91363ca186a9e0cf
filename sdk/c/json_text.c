/* json_text.c — see json_text.h. */
#include "json_text.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keel/params.h"

/* ---- the checker --------------------------------------------------------- */

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t keel_json_skip_space(const char* text, size_t length, size_t at) {
  while (at < length && is_space(text[at])) ++at;
  return at;
}

/* Four hex digits at text[at]; -1 when they are not. */
static long hex4(const char* text, size_t length, size_t at) {
  if (length - at < 4) return -1;
  long value = 0;
  for (size_t i = 0; i < 4; ++i) {
    const int digit = hex_value(text[at + i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/* One UTF-8 sequence at text[*at] (a lead byte >= 0x80): well-formed, no
 * overlong form, no surrogate, at most U+10FFFF. */
static bool utf8_sequence(const char* text, size_t length, size_t* at) {
  const unsigned char* s = (const unsigned char*)text + *at;
  const size_t left = length - *at;
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF; /* the allowed range of the second byte */
  if (s[0] >= 0xC2 && s[0] <= 0xDF) {
    need = 2;
  } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
    need = 3;
    if (s[0] == 0xE0) lo = 0xA0; /* overlong */
    if (s[0] == 0xED) hi = 0x9F; /* surrogates */
  } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
    need = 4;
    if (s[0] == 0xF0) lo = 0x90; /* overlong */
    if (s[0] == 0xF4) hi = 0x8F; /* above U+10FFFF */
  } else {
    return false;
  }
  if (left < need || s[1] < lo || s[1] > hi) return false;
  for (size_t i = 2; i < need; ++i) {
    if (s[i] < 0x80 || s[i] > 0xBF) return false;
  }
  *at += need;
  return true;
}

/* The string token at text[*at] (the opening quote); *at ends past the
 * closing quote, or at the fault. */
static const char* check_string(const char* text, size_t length, size_t* at) {
  size_t i = *at + 1;
  for (;;) {
    if (i >= length) {
      *at = i;
      return "unterminated string";
    }
    const unsigned char c = (unsigned char)text[i];
    if (c == '"') break;
    if (c < 0x20) {
      *at = i;
      return "control character in a string (escape it)";
    }
    if (c == '\\') {
      if (i + 1 >= length) {
        *at = i;
        return "unterminated string";
      }
      const char e = text[i + 1];
      if (e == 'u') {
        const long unit = hex4(text, length, i + 2);
        if (unit < 0) {
          *at = i;
          return "\\u needs four hex digits";
        }
        if (unit >= 0xDC00 && unit <= 0xDFFF) {
          *at = i;
          return "lone low surrogate in a \\u escape";
        }
        i += 6;
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          const long low = (i + 1 < length && text[i] == '\\' && text[i + 1] == 'u')
                               ? hex4(text, length, i + 2)
                               : -1;
          if (low < 0xDC00 || low > 0xDFFF) {
            *at = i - 6;
            return "high surrogate not followed by a low one in a \\u escape";
          }
          i += 6;
        }
        continue;
      }
      if (strchr("\"\\/bfnrt", e) == NULL || e == '\0') {
        *at = i;
        return "invalid escape in a string";
      }
      i += 2;
      continue;
    }
    if (c >= 0x80) {
      if (!utf8_sequence(text, length, &i)) {
        *at = i;
        return "invalid UTF-8 in a string";
      }
      continue;
    }
    ++i;
  }
  *at = i + 1;
  return NULL;
}

static const char* check_number(const char* text, size_t length, size_t* at) {
  size_t i = *at;
  if (text[i] == '-') ++i;
  if (i >= length || !is_digit(text[i])) {
    *at = i;
    return "expected a digit";
  }
  if (text[i] == '0') {
    ++i;
    if (i < length && is_digit(text[i])) {
      *at = i;
      return "a number may not start with 0";
    }
  } else {
    while (i < length && is_digit(text[i])) ++i;
  }
  if (i < length && text[i] == '.') {
    ++i;
    if (i >= length || !is_digit(text[i])) {
      *at = i;
      return "expected a digit after '.'";
    }
    while (i < length && is_digit(text[i])) ++i;
  }
  if (i < length && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < length && (text[i] == '+' || text[i] == '-')) ++i;
    if (i >= length || !is_digit(text[i])) {
      *at = i;
      return "expected a digit in the exponent";
    }
    while (i < length && is_digit(text[i])) ++i;
  }
  *at = i;
  return NULL;
}

static const char* check_literal(const char* text, size_t length, size_t* at) {
  static const char* const literals[] = {"true", "false", "null"};
  for (size_t k = 0; k < 3; ++k) {
    const size_t n = strlen(literals[k]);
    if (length - *at >= n && memcmp(text + *at, literals[k], n) == 0) {
      *at += n;
      return NULL;
    }
  }
  return "expected a value";
}

static void locate(const char* text, size_t offset, keel_json_fault_t* fault) {
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  fault->offset = offset;
  fault->line = line;
  fault->column = offset - line_start + 1;
}

static bool fault_at(const char* text, size_t offset, const char* what, bool too_deep,
                     keel_json_fault_t* fault) {
  locate(text, offset, fault);
  fault->what = what;
  fault->too_deep = too_deep;
  return false;
}

bool keel_json_check(const char* text, size_t length, size_t max_depth, keel_json_fault_t* fault) {
  /* The open containers, innermost last: '{' or '['. */
  char stack[KEEL_PARAMS_MAX_DEPTH];
  size_t depth = 0;
  if (max_depth > KEEL_PARAMS_MAX_DEPTH) max_depth = KEEL_PARAMS_MAX_DEPTH;
  size_t i = 0;
  enum { VALUE, KEY, AFTER_VALUE } expect = VALUE;
  for (;;) {
    i = keel_json_skip_space(text, length, i);
    if (expect == AFTER_VALUE) {
      if (depth == 0) {
        if (i != length) return fault_at(text, i, "unexpected text after the value", false, fault);
        return true;
      }
      const char close = stack[depth - 1] == '{' ? '}' : ']';
      if (i < length && text[i] == ',') {
        ++i;
        expect = stack[depth - 1] == '{' ? KEY : VALUE;
      } else if (i < length && text[i] == close) {
        ++i;
        --depth;
      } else {
        return fault_at(text, i, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'",
                        false, fault);
      }
      continue;
    }
    if (expect == KEY) {
      if (i >= length || text[i] != '"') {
        return fault_at(text, i, "expected a string key", false, fault);
      }
      const char* what = check_string(text, length, &i);
      if (what != NULL) return fault_at(text, i, what, false, fault);
      i = keel_json_skip_space(text, length, i);
      if (i >= length || text[i] != ':') {
        return fault_at(text, i, "expected ':' after a key", false, fault);
      }
      ++i;
      expect = VALUE;
      continue;
    }
    /* expect == VALUE */
    if (i >= length) return fault_at(text, i, "expected a value", false, fault);
    const char c = text[i];
    if (c == '{' || c == '[') {
      if (depth == max_depth) {
        return fault_at(text, i, "nested too deeply", true, fault);
      }
      stack[depth++] = c;
      i = keel_json_skip_space(text, length, i + 1);
      if (i < length && text[i] == (c == '{' ? '}' : ']')) {
        ++i;
        --depth;
        expect = AFTER_VALUE;
      } else {
        expect = c == '{' ? KEY : VALUE;
      }
      continue;
    }
    const char* what;
    if (c == '"') {
      what = check_string(text, length, &i);
    } else if (c == '-' || is_digit(c)) {
      what = check_number(text, length, &i);
    } else {
      what = check_literal(text, length, &i);
    }
    if (what != NULL) return fault_at(text, i, what, false, fault);
    expect = AFTER_VALUE;
  }
}

/* ---- readers of checked text ------------------------------------------------ */

/* Past the string token at `at` (its opening quote). */
static size_t string_end(const char* text, size_t at) {
  size_t i = at + 1;
  while (text[i] != '"') i += text[i] == '\\' ? 2 : 1;
  return i + 1;
}

size_t keel_json_value_end(const char* text, size_t length, size_t at) {
  const char c = text[at];
  if (c == '"') return string_end(text, at);
  if (c == '{' || c == '[') {
    size_t depth = 0, i = at;
    do {
      const char d = text[i];
      if (d == '"') {
        i = string_end(text, i);
        continue;
      }
      if (d == '{' || d == '[') ++depth;
      if (d == '}' || d == ']') --depth;
      ++i;
    } while (depth > 0);
    return i;
  }
  /* A number or a literal: up to a delimiter. */
  size_t i = at;
  while (i < length && !is_space(text[i]) && text[i] != ',' && text[i] != '}' && text[i] != ']') {
    ++i;
  }
  return i;
}

bool keel_json_next_member(const char* text, size_t length, size_t* cursor,
                           keel_json_member_t* member) {
  /* *cursor is at '{' (first call) or just past the previous value. */
  size_t i = keel_json_skip_space(text, length, *cursor + (text[*cursor] == '{' ? 1 : 0));
  if (text[i] == ',') i = keel_json_skip_space(text, length, i + 1);
  if (text[i] == '}') return false;
  member->key = i;
  i = keel_json_skip_space(text, length, string_end(text, i)); /* at ':' */
  member->value = keel_json_skip_space(text, length, i + 1);
  member->value_end = keel_json_value_end(text, length, member->value);
  *cursor = member->value_end;
  return true;
}

/* Decodes the next character of the string whose content continues at
 * *at into out[] (1 to 4 bytes); returns their count, 0 at the closing
 * quote. */
static size_t decode_next(const char* text, size_t* at, char out[4]) {
  const char c = text[*at];
  if (c == '"') return 0;
  if (c != '\\') {
    out[0] = c;
    ++*at;
    return 1;
  }
  const char e = text[*at + 1];
  *at += 2;
  switch (e) {
    case 'b':
      out[0] = '\b';
      return 1;
    case 'f':
      out[0] = '\f';
      return 1;
    case 'n':
      out[0] = '\n';
      return 1;
    case 'r':
      out[0] = '\r';
      return 1;
    case 't':
      out[0] = '\t';
      return 1;
    case 'u':
      break;
    default:
      out[0] = e;
      return 1; /* " \ / */
  }
  unsigned long code = (unsigned long)hex4(text, SIZE_MAX, *at);
  *at += 4;
  if (code >= 0xD800 && code <= 0xDBFF) {
    const unsigned long low = (unsigned long)hex4(text, SIZE_MAX, *at + 2);
    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    *at += 6;
  }
  if (code < 0x80) {
    out[0] = (char)code;
    return 1;
  }
  if (code < 0x800) {
    out[0] = (char)(0xC0 | (code >> 6));
    out[1] = (char)(0x80 | (code & 0x3F));
    return 2;
  }
  if (code < 0x10000) {
    out[0] = (char)(0xE0 | (code >> 12));
    out[1] = (char)(0x80 | ((code >> 6) & 0x3F));
    out[2] = (char)(0x80 | (code & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (code >> 18));
  out[1] = (char)(0x80 | ((code >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((code >> 6) & 0x3F));
  out[3] = (char)(0x80 | (code & 0x3F));
  return 4;
}

bool keel_json_string_equals(const char* text, size_t at, const char* name) {
  size_t i = at + 1, k = 0;
  char bytes[4];
  size_t n;
  while ((n = decode_next(text, &i, bytes)) > 0) {
    for (size_t b = 0; b < n; ++b, ++k) {
      if (name[k] == '\0' || name[k] != bytes[b]) return false;
    }
  }
  return name[k] == '\0';
}

size_t keel_json_string_decode(const char* text, size_t at, char* out, size_t out_size,
                               bool* has_nul) {
  size_t i = at + 1, total = 0;
  char bytes[4];
  size_t n;
  *has_nul = false;
  while ((n = decode_next(text, &i, bytes)) > 0) {
    for (size_t b = 0; b < n; ++b, ++total) {
      if (bytes[b] == '\0') *has_nul = true;
      if (total + 1 < out_size) out[total] = bytes[b];
    }
  }
  if (out_size > 0) out[total < out_size ? total : out_size - 1] = '\0';
  return total;
}

double keel_json_number_value(const char* text, size_t at, size_t end) {
  /* strtod reads the locale's decimal point (a host embedding Python or a
   * GUI may have called setlocale): hand it a copy with that character.
   * A token too long for the buffer (no real param is) is read in place,
   * which is exact in the "C" locale only. */
  char buffer[512];
  const size_t n = end - at;
  if (n >= sizeof buffer) return strtod(text + at, NULL);
  memcpy(buffer, text + at, n);
  buffer[n] = '\0';
  const char* point = localeconv()->decimal_point;
  if (point != NULL && point[0] != '.' && point[0] != '\0' && point[1] == '\0') {
    char* dot = strchr(buffer, '.');
    if (dot != NULL) *dot = point[0];
  }
  return strtod(buffer, NULL);
}

bool keel_json_number_integer(const char* text, size_t at, size_t end, int64_t* value,
                              bool* overflow) {
  for (size_t i = at; i < end; ++i) {
    if (text[i] == '.' || text[i] == 'e' || text[i] == 'E') return false;
  }
  const bool negative = text[at] == '-';
  /* Accumulate as a negative number: INT64_MIN has no positive twin. */
  int64_t v = 0;
  *overflow = false;
  for (size_t i = at + (negative ? 1 : 0); i < end; ++i) {
    const int digit = text[i] - '0';
    if (v < (INT64_MIN + digit) / 10) {
      *overflow = true;
      v = INT64_MIN;
      break;
    }
    v = v * 10 - digit;
  }
  if (!negative) {
    if (v == INT64_MIN) {
      *overflow = true;
      *value = INT64_MAX;
      return true;
    }
    v = -v;
  }
  *value = v;
  return true;
}
