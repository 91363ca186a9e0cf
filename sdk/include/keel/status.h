/* keel/status.h — status codes and the caller-provided error struct.
 *
 * Rule 6 of the ABI contract: every call across the boundary returns a
 * keel_status_t; when it has more to say it writes a message into a
 * keel_error_t that the *caller* owns. No call relies on thread-local
 * "last error" state, so errors are safe on any thread and in any language. */
#ifndef KEEL_STATUS_H
#define KEEL_STATUS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fixed-width so the ABI does not depend on the compiler's enum size. */
typedef int32_t keel_status_t;

enum {
  KEEL_OK = 0,
  /* The arguments or params are wrong; the message says which and why. */
  KEEL_ERR_INVALID_ARGUMENT = 1,
  /* The callee does not implement this (e.g. American exercise in a
   * European-only model, or an engine-only call made outside a run). */
  KEEL_ERR_UNSUPPORTED = 2,
  /* A handle whose object was dropped (generation mismatch) or never
   * existed, or a second drop of the same handle. */
  KEEL_ERR_STALE_HANDLE = 3,
  /* A handle of another kind was passed (e.g. an order handle as a model). */
  KEEL_ERR_WRONG_KIND = 4,
  /* No name, id or factory matches. */
  KEEL_ERR_NOT_FOUND = 5,
  /* A numerical problem has no solution for these inputs (e.g. a premium
   * outside the no-arbitrage bounds in an implied-volatility call). */
  KEEL_ERR_NO_SOLUTION = 6,
  /* An iteration did not reach its tolerance. */
  KEEL_ERR_NOT_CONVERGED = 7,
  /* A capsule failed validation: wrong tag, len > cap, null data with
   * non-zero length, or no destructor. */
  KEEL_ERR_BAD_CAPSULE = 8,
  /* An order or request was refused (risk check, venue rule). */
  KEEL_ERR_REJECTED = 9,
  /* Memory could not be allocated. */
  KEEL_ERR_OUT_OF_MEMORY = 10,
  /* The plugin caught an exception, panic or runtime error of its own
   * language in a thunk. The host poisons the plugin: afterwards only drops
   * are called on it. */
  KEEL_ERR_PLUGIN_FAULT = 11,
  /* Returned by the host for any call on a poisoned plugin. */
  KEEL_ERR_POISONED = 12,
  /* A broken invariant inside the callee (a bug; please report it). */
  KEEL_ERR_INTERNAL = 13,
  /* A [host-thread] member of the host table (keel/host.h) was called from
   * a thread other than the one the host is calling the plugin on. The call
   * did nothing; the host also stops the calling strategy as its on_error
   * says. Appended in ABI 1.0: an older host never returns it. */
  KEEL_ERR_WRONG_THREAD = 14
};

/* Highest code defined by this ABI version. A plugin returning anything
 * outside [KEEL_OK, KEEL_STATUS_LAST] is treated as having faulted. */
#define KEEL_STATUS_LAST KEEL_ERR_WRONG_THREAD

#define KEEL_ERROR_MESSAGE_CAPACITY 512

/* Owned by the caller, usually on its stack. Frozen for ABI 1.x. The callee writes `code` and a
 * NUL-terminated `message` (truncated to fit) when it fails; on success it
 * leaves the struct untouched. Callers may pass NULL when they do not want a
 * message; callees must accept that. */
typedef struct keel_error {
  keel_status_t code;
  char message[KEEL_ERROR_MESSAGE_CAPACITY];
} keel_error_t;

/* A stable, static, human-readable name for a status ("invalid argument"). */
static inline const char* keel_status_name(keel_status_t status) {
  switch (status) {
    case KEEL_OK: return "ok";
    case KEEL_ERR_INVALID_ARGUMENT: return "invalid argument";
    case KEEL_ERR_UNSUPPORTED: return "unsupported";
    case KEEL_ERR_STALE_HANDLE: return "stale handle";
    case KEEL_ERR_WRONG_KIND: return "wrong handle kind";
    case KEEL_ERR_NOT_FOUND: return "not found";
    case KEEL_ERR_NO_SOLUTION: return "no solution";
    case KEEL_ERR_NOT_CONVERGED: return "not converged";
    case KEEL_ERR_BAD_CAPSULE: return "bad capsule";
    case KEEL_ERR_REJECTED: return "rejected";
    case KEEL_ERR_OUT_OF_MEMORY: return "out of memory";
    case KEEL_ERR_PLUGIN_FAULT: return "plugin fault";
    case KEEL_ERR_POISONED: return "plugin poisoned";
    case KEEL_ERR_INTERNAL: return "internal error";
    case KEEL_ERR_WRONG_THREAD: return "wrong thread";
    default: return "unknown status";
  }
}

/* Writes `code` and a printf-formatted message into `err` (when non-NULL) and
 * returns `code`, so a callee can write `return keel_error_set(err, ...);`. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline keel_status_t keel_error_set(keel_error_t* err, keel_status_t code,
                                           const char* format, ...) {
  if (err != NULL) {
    va_list args;
    va_start(args, format);
    err->code = code;
    if (vsnprintf(err->message, sizeof err->message, format, args) < 0) {
      err->message[0] = '\0';
    }
    va_end(args);
  }
  return code;
}

/* Resets `err` to "no error". */
static inline void keel_error_clear(keel_error_t* err) {
  if (err != NULL) {
    err->code = KEEL_OK;
    err->message[0] = '\0';
  }
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_STATUS_H */
