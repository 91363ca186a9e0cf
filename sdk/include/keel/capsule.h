/* keel/capsule.h — owned data crossing the boundary (rule 5).
 *
 * A capsule carries data whose ownership moves from its producer to a
 * receiver: a calibration report, a batch of results, a byte buffer. The
 * producer allocates the data and supplies the destructor; the receiver
 * uses the data and releases the capsule exactly once through
 * keel_capsule_release(), which runs the *producer's* code, so allocators
 * never mix across the boundary.
 *
 * The destructor's contract: copy what it needs out of the capsule, set
 * every field of the capsule to zero (so tag, data and destroy become NULL),
 * then free. A released capsule is therefore empty, and releasing it again is
 * a harmless no-op.
 *
 * The receiver checks before use (keel_capsule_check): the tag matches the
 * type it expects, len <= cap, data is non-NULL when len > 0, and a
 * destructor is present. A capsule that reaches Python becomes a PyCapsule
 * with the same name (the tag) and the same destructor.
 *
 * keel_capsule_t is frozen for ABI 1.x; what a capsule carries is versioned
 * by its tag (see "Ids" in keel/keel.h). */
#ifndef KEEL_CAPSULE_H
#define KEEL_CAPSULE_H

#include <stddef.h>
#include <string.h>

#include "keel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct keel_capsule;

/* Runs in the producer's code. Must zero the capsule before freeing (see
 * above). [thread-safe] unless the producer documents otherwise. */
typedef void (*keel_capsule_destroy_fn)(struct keel_capsule* capsule);

typedef struct keel_capsule {
  /* Type tag "vendor.type/version", static storage in the producer,
   * e.g. KEEL_CAPSULE_TAG_F64_VEC. NULL only in an empty capsule. */
  const char* tag;
  /* Elements of the tagged type (bytes for byte buffers). */
  void* data;
  size_t len; /* elements in use */
  size_t cap; /* elements allocated; len <= cap */
  /* The producer's destructor and its private context. */
  keel_capsule_destroy_fn destroy;
  void* destroy_context;
} keel_capsule_t;

/* Standard tags. A tag names both the element type and its layout version. */
#define KEEL_CAPSULE_TAG_F64_VEC "keel.f64_vec/1"           /* double[len] */
#define KEEL_CAPSULE_TAG_BYTES "keel.bytes/1"               /* uint8_t[len] */
#define KEEL_CAPSULE_TAG_CALIBRATION "keel.calibration_report/1" /* keel_calibration_report_t[1] */

/* An empty capsule: nothing to use, nothing to release. */
static inline keel_capsule_t keel_capsule_empty(void) {
  keel_capsule_t capsule;
  memset(&capsule, 0, sizeof capsule);
  return capsule;
}

/* Validates `capsule` as holding data tagged `expected_tag`. Returns KEEL_OK
 * or KEEL_ERR_BAD_CAPSULE with a message saying what is wrong. An empty
 * capsule (released, or never filled) is rejected too. */
static inline keel_status_t keel_capsule_check(const keel_capsule_t* capsule,
                                               const char* expected_tag, keel_error_t* err) {
  if (capsule == NULL) {
    return keel_error_set(err, KEEL_ERR_BAD_CAPSULE, "capsule is NULL");
  }
  if (capsule->tag == NULL) {
    return keel_error_set(err, KEEL_ERR_BAD_CAPSULE,
                          "capsule is empty (no tag): it was released or never filled");
  }
  if (strcmp(capsule->tag, expected_tag) != 0) {
    return keel_error_set(err, KEEL_ERR_BAD_CAPSULE, "capsule tag is '%s', expected '%s'",
                          capsule->tag, expected_tag);
  }
  if (capsule->len > capsule->cap) {
    return keel_error_set(err, KEEL_ERR_BAD_CAPSULE,
                          "capsule '%s' has len %zu > cap %zu", capsule->tag, capsule->len,
                          capsule->cap);
  }
  if (capsule->data == NULL && capsule->len != 0) {
    return keel_error_set(err, KEEL_ERR_BAD_CAPSULE,
                          "capsule '%s' has a NULL data pointer with len %zu", capsule->tag,
                          capsule->len);
  }
  if (capsule->destroy == NULL) {
    return keel_error_set(err, KEEL_ERR_BAD_CAPSULE,
                          "capsule '%s' has no destructor: its producer must supply one",
                          capsule->tag);
  }
  return KEEL_OK;
}

/* Releases the capsule through its producer's destructor; a no-op on an
 * empty or NULL capsule, so releasing twice is harmless. The receiver's
 * struct is emptied *before* the destructor runs (on a copy), so even a
 * producer that forgot to zero cannot be made to free twice through it. */
static inline void keel_capsule_release(keel_capsule_t* capsule) {
  if (capsule != NULL && capsule->destroy != NULL) {
    keel_capsule_t owned = *capsule;
    memset(capsule, 0, sizeof *capsule);
    owned.destroy(&owned);
  }
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_CAPSULE_H */
