/* keel/handle.h — typed handles (rule 3 of the ABI contract).
 *
 * Objects that cross the boundary and live in the host (pricing-model
 * instances, orders, timers, strategy instances) are named by handles, never
 * by raw pointers. A handle is 64 bits:
 *
 *     bits  0..31  slot index in the host's table for that kind
 *     bits 32..55  generation of the slot (starts at 1, bumped on every drop)
 *     bits 56..63  kind (KEEL_HANDLE_KIND_*)
 *
 * Each kind is a distinct C struct so the compiler rejects mixing kinds; the
 * kind byte lets the host reject a mix that was smuggled through an integer
 * (KEEL_ERR_WRONG_KIND). The value 0 (KEEL_NULL_HANDLE) names nothing. The
 * host owns every table: a handle whose object was dropped, or a second
 * drop, returns KEEL_ERR_STALE_HANDLE — never undefined behaviour. Plugins
 * treat handles as opaque values: copy them freely, never decode them. */
#ifndef KEEL_HANDLE_H
#define KEEL_HANDLE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  KEEL_HANDLE_KIND_NONE = 0,
  KEEL_HANDLE_KIND_MODEL = 1,    /* a pricing-model instance */
  KEEL_HANDLE_KIND_STRATEGY = 2, /* a strategy instance */
  KEEL_HANDLE_KIND_ORDER = 3,    /* an order sent by a strategy */
  KEEL_HANDLE_KIND_TIMER = 4     /* a timer set by a strategy */
};

#define KEEL_NULL_HANDLE UINT64_C(0)

typedef struct keel_model_handle { uint64_t bits; } keel_model_handle_t;
typedef struct keel_strategy_handle { uint64_t bits; } keel_strategy_handle_t;
typedef struct keel_order_handle { uint64_t bits; } keel_order_handle_t;
typedef struct keel_timer_handle { uint64_t bits; } keel_timer_handle_t;

/* The kind byte of any handle's bits (for diagnostics; the host validates). */
static inline uint32_t keel_handle_kind(uint64_t bits) { return (uint32_t)(bits >> 56); }

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_HANDLE_H */
