/* keel_ocaml_glue.h — what the files of the OCaml SDK's C glue share.
 * Private to the SDK: compiled into every OCaml plugin, hidden by its
 * version script (only keel_plugin_entry is exported).
 *
 * The glue, by job:
 *   keel_ocaml_glue.c        start-up of the plugin's OCaml runtime, the
 *                            entry, the descriptor and its factories,
 *                            poisoning, and the outcome of a call into OCaml
 *                            (its exceptions)
 *   keel_ocaml_runtime.c     entering and leaving the runtime: the lock, the
 *                            signal state, stack overflows
 *   keel_ocaml_values.c      C structs of the ABI as OCaml values
 *   keel_ocaml_callbacks.c   the host calling OCaml: create/drop and the
 *                            pricing-model and strategy tables
 *   keel_ocaml_host_stubs.c  OCaml calling the host: the Keel.Host stubs */
#ifndef KEEL_OCAML_GLUE_H
#define KEEL_OCAML_GLUE_H

#define CAML_NAME_SPACE
#include <caml/mlvalues.h>

#include <stddef.h>
#include <stdint.h>

#include "keel/keel.h"

/* ---- keel_ocaml_glue.c ------------------------------------------------------ */

enum { KEEL_OCAML_FACTORY_PRICING_MODEL = 0, KEEL_OCAML_FACTORY_STRATEGY = 1 };

/* One factory of the plugin: its ABI table, and what the glue needs to
 * create from it. `table.context` points here, so one create serves every
 * factory (keel_create_with_context_fn): no cap on their number. */
typedef struct keel_ocaml_factory {
  keel_factory_t table;
  size_t index; /* in Keel.Plugin.register's list */
  int kind;     /* KEEL_OCAML_FACTORY_* */
} keel_ocaml_factory_t;

/* The OCaml functions of Keel.Plugin (sdk/ocaml/plugin.ml), looked up once
 * after start-up; NULL when absent. */
typedef struct keel_ocaml_functions {
  const value* create;
  const value* drop;
  const value* price;
  const value* price_batch;
  const value* implied_vol;
  const value* implied_vol_batch;
  const value* on_start;
  const value* on_event;
  const value* on_events;
  const value* on_event_span;
  const value* on_stop;
  const value* describe_exn;
} keel_ocaml_functions_t;
extern keel_ocaml_functions_t keel_ocaml_fn;

/* Poisoning (rule 7): after a fault only drop is served. keel_ocaml_poison
 * is called with the runtime held; the first reason is kept. */
int keel_ocaml_poisoned(void);
void keel_ocaml_poison(const char* reason);
keel_status_t keel_ocaml_poisoned_status(keel_error_t* err);

/* Reads a Keel.Host.outcome (Failed (code, message) | Done payload) that an
 * OCaml function returned (or an exception result). On Done stores the
 * payload in *payload when given (the caller must root it before
 * allocating). A fault poisons the plugin. */
keel_status_t keel_ocaml_take_outcome(value result, keel_error_t* err, value* payload);

/* ---- keel_ocaml_callbacks.c --------------------------------------------------- */

keel_status_t keel_ocaml_create(void* factory, const char* params_json, const keel_host_t* host,
                                void** out_instance, keel_error_t* err);
keel_status_t keel_ocaml_drop(void* instance, keel_error_t* err);
extern const keel_pricing_model_vtable_t keel_ocaml_pricing_model_vtable;
/* The strategy table with on_book NULL (no book events), and the one with
 * it, for factories made with ~wants_book:true. */
extern const keel_strategy_vtable_t keel_ocaml_strategy_vtable;
extern const keel_strategy_vtable_t keel_ocaml_book_strategy_vtable;
/* Orders sent or cancelled and timers set or cancelled since the current
 * on_events span began: the host stubs count, a span stops after the event
 * during which it moved. Under the runtime lock. */
extern int64_t keel_ocaml_span_actions;

/* ---- keel_ocaml_values.c ------------------------------------------------------ */

/* Bigarray views of the caller's memory (never freed by the GC). The SDK
 * only reads input views (the const is the SDK's promise). */
value keel_ocaml_f64_view(const double* data, size_t count);
value keel_ocaml_i32_view(const int32_t* data, size_t count);
/* Some v. */
value keel_ocaml_some(value v);
/* None for NULL, else Some view. */
value keel_ocaml_f64_view_option(const double* data, size_t count);
value keel_ocaml_i32_view_option(const int32_t* data, size_t count);
/* Stores a boxed double into a block's field. */
void keel_ocaml_store_double(value block, mlsize_t field, double d);
/* Keel.Pricing_model.batch and batch_out. */
value keel_ocaml_batch_value(const keel_option_batch_t* b);
value keel_ocaml_batch_out_value(const keel_greeks_batch_t* out, size_t n);
/* Keel.Types.event, built from one keel_event_t. Returns Val_unit for an
 * event kind (or enum value) this SDK does not know; *problem says why. */
value keel_ocaml_event_value(const keel_event_t* e, const char** problem);
/* The host table as an abstract OCaml block (Keel.Host.t), and back. */
value keel_ocaml_host_value(const keel_host_t* host);
static inline const keel_host_t* keel_ocaml_host_of(value block) {
  return (const keel_host_t*)Field(block, 0);
}
/* Handles, ids and tags become OCaml ints (63 bits). */
static inline value keel_ocaml_int_of_u64(uint64_t bits) { return Val_long((intnat)bits); }

#endif /* KEEL_OCAML_GLUE_H */
