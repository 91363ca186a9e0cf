/* keel_ocaml_callbacks.c — the host calling OCaml: every factory's create
 * and drop, and the pricing-model and strategy tables of an OCaml plugin.
 *
 * Each thunk checks its arguments, refuses work on a poisoned plugin, takes
 * the runtime (keel_ocaml_enter/keel_ocaml_leave, keel_ocaml_runtime.c) and
 * calls an OCaml function registered by Keel.Plugin (sdk/ocaml/plugin.ml)
 * that catches every exception and answers Done or Failed (code, message);
 * an exception escaping even that is caught here (keel_ocaml_take_outcome).
 * Each instance's OCaml value is held in a generational global root,
 * removed on drop. */
#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/bigarray.h>
#include <caml/callback.h>
#include <caml/fail.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keel_ocaml_glue.h"
#include "keel_ocaml_runtime.h"

typedef struct ocaml_instance {
  value ocaml; /* Keel.Plugin.instance, a generational global root */
  const keel_ocaml_factory_t* factory;
  size_t consumed; /* events the last on_events reached (events_consumed) */
  /* The batch cursor (keel_strategy_events_consumed_ext_t.batch_cursor):
   * Keel.Plugin's span loops write i here, through an int64 view passed
   * with the span, before they hand events[i] to the strategy. */
  size_t cursor;
} ocaml_instance_t;
_Static_assert(sizeof(size_t) == sizeof(int64_t), "the cursor is written through an int64 view");

/* Orders sent or cancelled and timers set or cancelled since the current
 * on_events span began. Guarded by the runtime lock, like every call into
 * OCaml: a span stops right after the event during which it became > 0
 * (KEEL_STRATEGY_EXT_EVENTS_CONSUMED in keel/strategy.h). Keel.Plugin's span
 * loops read it through a one-element Bigarray over this variable
 * (keel_ocaml_span_actions_cell): a load per event, not a C call. */
int64_t keel_ocaml_span_actions;

/* The event of the current span whose handling failed, counted from 1 (the
 * failing event counts as reached: KEEL_STRATEGY_EXT_EVENTS_CONSUMED).
 * Set to 1 before each span; Keel.Plugin's span loops write it, through
 * keel_ocaml_span_failed_at_cell, only when an event raises. */
static int64_t span_failed_at;

/* ---- lifecycle ------------------------------------------------------------------ */

static keel_status_t create_locked(const keel_ocaml_factory_t* factory, const char* params_json,
                                   const keel_host_t* host, void** out_instance,
                                   keel_error_t* err) {
  CAMLparam0();
  CAMLlocal4(params, host_block, result, instance);
  params = caml_copy_string(params_json != NULL ? params_json : "{}");
  host_block = keel_ocaml_host_value(host);
  result = caml_callback3_exn(*keel_ocaml_fn.create, Val_long((intnat)factory->index), params,
                              host_block);
  const keel_status_t status = keel_ocaml_take_outcome(result, err, &instance);
  if (status != KEEL_OK) CAMLreturnT(keel_status_t, status);
  ocaml_instance_t* self = malloc(sizeof *self);
  if (self == NULL) {
    CAMLreturnT(keel_status_t, keel_error_set(err, KEEL_ERR_OUT_OF_MEMORY, "out of memory"));
  }
  self->ocaml = instance;
  self->factory = factory;
  self->consumed = 0;
  self->cursor = 0;
  caml_register_generational_global_root(&self->ocaml);
  *out_instance = self;
  CAMLreturnT(keel_status_t, KEEL_OK);
}

/* Every factory's create (keel_create_with_context_fn): `factory` is the
 * keel_ocaml_factory_t its table's context points at. */
keel_status_t keel_ocaml_create(void* factory, const char* params_json, const keel_host_t* host,
                                void** out_instance, keel_error_t* err) {
  if (factory == NULL) return keel_error_set(err, KEEL_ERR_INTERNAL, "no factory context");
  if (out_instance == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "out_instance is NULL");
  }
  if (keel_ocaml_poisoned()) return keel_ocaml_poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status =
      create_locked((const keel_ocaml_factory_t*)factory, params_json, host, out_instance, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t drop_locked(ocaml_instance_t* self, keel_error_t* err) {
  CAMLparam0();
  CAMLlocal1(result);
  keel_status_t status = KEEL_OK;
  if (!keel_ocaml_poisoned()) {
    result = caml_callback_exn(*keel_ocaml_fn.drop, self->ocaml);
    status = keel_ocaml_take_outcome(result, err, NULL);
  }
  caml_remove_generational_global_root(&self->ocaml);
  free(self);
  CAMLreturnT(keel_status_t, status);
}

/* Called exactly once per instance, also on a poisoned plugin (then the
 * OCaml on_drop is skipped; the instance is still released). */
keel_status_t keel_ocaml_drop(void* instance, keel_error_t* err) {
  if (instance == NULL) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "instance is NULL");
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = drop_locked((ocaml_instance_t*)instance, err);
  keel_ocaml_leave(&entry);
  return status;
}

/* ---- pricing-model table ----------------------------------------------------- */

static keel_status_t price_locked(ocaml_instance_t* self, const keel_option_t* option,
                                  keel_greeks_t* out, keel_error_t* err) {
  CAMLparam0();
  CAMLlocal3(input, output, result);
  value args[5];
  /* keel_option_t begins with six doubles, keel_greeks_t is six doubles. */
  input = keel_ocaml_f64_view(&option->spot, 6);
  output = keel_ocaml_f64_view(&out->price, 6);
  args[0] = self->ocaml;
  args[1] = input;
  args[2] = Val_int(option->right);
  args[3] = Val_int(option->exercise);
  args[4] = output;
  result = caml_callbackN_exn(*keel_ocaml_fn.price, 5, args);
  CAMLreturnT(keel_status_t, keel_ocaml_take_outcome(result, err, NULL));
}

static keel_status_t model_price(void* instance, const keel_option_t* option, keel_greeks_t* out,
                                 keel_error_t* err) {
  if (option == NULL || out == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "option and out must not be NULL");
  }
  if (keel_ocaml_poisoned()) return keel_ocaml_poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = price_locked((ocaml_instance_t*)instance, option, out, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t check_batch(const keel_option_batch_t* b, int needs_vol, keel_error_t* err) {
  if (b == NULL) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "batch is NULL");
  if (b->count == 0) return KEEL_OK;
  if (b->spot == NULL || b->strike == NULL || b->expiry == NULL || (needs_vol && b->vol == NULL) ||
      b->rate == NULL || b->dividend == NULL || b->right == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "batch of %zu options has a NULL input array", b->count);
  }
  return KEEL_OK;
}

static keel_status_t price_batch_locked(ocaml_instance_t* self, const keel_option_batch_t* options,
                                        const keel_greeks_batch_t* out, keel_error_t* err) {
  CAMLparam0();
  CAMLlocal3(batch, outputs, result);
  batch = keel_ocaml_batch_value(options);
  outputs = keel_ocaml_batch_out_value(out, options->count);
  result = caml_callback3_exn(*keel_ocaml_fn.price_batch, self->ocaml, batch, outputs);
  CAMLreturnT(keel_status_t, keel_ocaml_take_outcome(result, err, NULL));
}

/* One crossing into OCaml per batch: the arrays are passed as bigarray
 * views of the caller's memory. */
static keel_status_t model_price_batch(void* instance, const keel_option_batch_t* options,
                                       const keel_greeks_batch_t* out, keel_error_t* err) {
  const keel_status_t checked = check_batch(options, 1, err);
  if (checked != KEEL_OK || options->count == 0) return checked;
  if (out == NULL || out->price == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "batch output has no price array");
  }
  if (keel_ocaml_poisoned()) return keel_ocaml_poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = price_batch_locked((ocaml_instance_t*)instance, options, out, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t implied_vol_locked(ocaml_instance_t* self, const keel_option_t* option,
                                        double premium, double* out_vol, keel_error_t* err) {
  CAMLparam0();
  CAMLlocal4(input, boxed_premium, result, vol);
  value args[5];
  input = keel_ocaml_f64_view(&option->spot, 6);
  boxed_premium = caml_copy_double(premium);
  args[0] = self->ocaml;
  args[1] = input;
  args[2] = Val_int(option->right);
  args[3] = Val_int(option->exercise);
  args[4] = boxed_premium;
  result = caml_callbackN_exn(*keel_ocaml_fn.implied_vol, 5, args);
  const keel_status_t status = keel_ocaml_take_outcome(result, err, &vol);
  if (status == KEEL_OK) *out_vol = Double_val(vol);
  CAMLreturnT(keel_status_t, status);
}

static keel_status_t model_implied_vol(void* instance, const keel_option_t* option, double premium,
                                       double* out_vol, keel_error_t* err) {
  if (option == NULL || out_vol == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "option and out_vol must not be NULL");
  }
  if (keel_ocaml_poisoned()) return keel_ocaml_poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status =
      implied_vol_locked((ocaml_instance_t*)instance, option, premium, out_vol, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t implied_vol_batch_locked(ocaml_instance_t* self,
                                              const keel_option_batch_t* options,
                                              const double* premiums, double* out_vols,
                                              keel_status_t* out_status, keel_error_t* err) {
  CAMLparam0();
  CAMLlocal4(batch, premium_view, vols_view, status_view);
  CAMLlocal1(result);
  value args[5];
  batch = keel_ocaml_batch_value(options);
  premium_view = keel_ocaml_f64_view(premiums, options->count);
  vols_view = keel_ocaml_f64_view(out_vols, options->count);
  status_view = keel_ocaml_i32_view_option(out_status, options->count);
  args[0] = self->ocaml;
  args[1] = batch;
  args[2] = premium_view;
  args[3] = vols_view;
  args[4] = status_view;
  result = caml_callbackN_exn(*keel_ocaml_fn.implied_vol_batch, 5, args);
  CAMLreturnT(keel_status_t, keel_ocaml_take_outcome(result, err, NULL));
}

static keel_status_t model_implied_vol_batch(void* instance, const keel_option_batch_t* options,
                                             const double* premiums, double* out_vols,
                                             keel_status_t* out_status, keel_error_t* err) {
  const keel_status_t checked = check_batch(options, 0, err);
  if (checked != KEEL_OK || options->count == 0) return checked;
  if (premiums == NULL || out_vols == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "premiums and out_vols must not be NULL");
  }
  if (keel_ocaml_poisoned()) return keel_ocaml_poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = implied_vol_batch_locked((ocaml_instance_t*)instance, options,
                                                        premiums, out_vols, out_status, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t model_calibrate(void* instance, const keel_calibration_quote_t* quotes,
                                     size_t count, keel_capsule_t* out_report, keel_error_t* err) {
  (void)quotes;
  (void)count;
  (void)out_report;
  const ocaml_instance_t* self = (const ocaml_instance_t*)instance;
  return keel_error_set(err, KEEL_ERR_UNSUPPORTED,
                        "%s has nothing to calibrate (the OCaml SDK does not offer calibrate)",
                        self->factory->table.id);
}

static const void* model_get_extension(void* instance, const char* id) {
  (void)instance;
  (void)id;
  return NULL;
}

const keel_pricing_model_vtable_t keel_ocaml_pricing_model_vtable = {
    sizeof(keel_pricing_model_vtable_t),
    model_price,
    model_price_batch,
    model_implied_vol,
    model_implied_vol_batch,
    model_calibrate,
    model_get_extension};

/* ---- strategy table ----------------------------------------------------------- */

static keel_status_t on_start_locked(ocaml_instance_t* self, const keel_strategy_start_t* start,
                                     keel_error_t* err) {
  CAMLparam0();
  CAMLlocal4(record, name, instruments, result);
  name = caml_copy_string(start->name != NULL ? start->name : "");
  instruments = start->instrument_count == 0 ? Atom(0) : caml_alloc(start->instrument_count, 0);
  for (size_t i = 0; i < start->instrument_count; ++i) {
    Store_field(instruments, i, Val_long(start->instruments[i]));
  }
  record = caml_alloc(3, 0);
  Store_field(record, 0, Val_long(start->start_time));
  Store_field(record, 1, name);
  Store_field(record, 2, instruments);
  result = caml_callback2_exn(*keel_ocaml_fn.on_start, self->ocaml, record);
  CAMLreturnT(keel_status_t, keel_ocaml_take_outcome(result, err, NULL));
}

static keel_status_t strategy_on_start(void* instance, const keel_strategy_start_t* start,
                                       keel_error_t* err) {
  if (start == NULL) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "start is NULL");
  if (start->instrument_count != 0 && start->instruments == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "start has a NULL instrument list");
  }
  if (keel_ocaml_poisoned()) return keel_ocaml_poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = on_start_locked((ocaml_instance_t*)instance, start, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t on_event_locked(ocaml_instance_t* self, const keel_event_t* event,
                                     keel_error_t* err) {
  CAMLparam0();
  CAMLlocal2(ocaml_event, result);
  const char* problem = NULL;
  ocaml_event = keel_ocaml_event_value(event, &problem);
  if (problem != NULL) {
    CAMLreturnT(keel_status_t, keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "%s", problem));
  }
  result = caml_callback2_exn(*keel_ocaml_fn.on_event, self->ocaml, ocaml_event);
  CAMLreturnT(keel_status_t, keel_ocaml_take_outcome(result, err, NULL));
}

static keel_status_t deliver(void* instance, const keel_event_t* event, keel_error_t* err) {
  if (keel_ocaml_poisoned()) return keel_ocaml_poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = on_event_locked((ocaml_instance_t*)instance, event, err);
  keel_ocaml_leave(&entry);
  return status;
}

/* The per-event members wrap their struct in a keel_event_t and deliver it. */
#define KEEL_OCAML_EVENT_THUNK(member, type, kind_value, field)                                    \
  static keel_status_t strategy_##member(void* instance, const type* payload, keel_error_t* err) { \
    if (payload == NULL) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "event is NULL");   \
    keel_event_t event;                                                                            \
    memset(&event, 0, sizeof event);                                                               \
    event.kind = kind_value;                                                                       \
    event.as.field = *payload;                                                                     \
    return deliver(instance, &event, err);                                                         \
  }
KEEL_OCAML_EVENT_THUNK(on_quote, keel_quote_t, KEEL_EVENT_QUOTE, quote)
KEEL_OCAML_EVENT_THUNK(on_trade, keel_trade_t, KEEL_EVENT_TRADE, trade)
KEEL_OCAML_EVENT_THUNK(on_bar, keel_bar_t, KEEL_EVENT_BAR, bar)
KEEL_OCAML_EVENT_THUNK(on_order_update, keel_order_update_t, KEEL_EVENT_ORDER_UPDATE, order_update)
KEEL_OCAML_EVENT_THUNK(on_fill, keel_fill_t, KEEL_EVENT_FILL, fill)
KEEL_OCAML_EVENT_THUNK(on_timer, keel_timer_event_t, KEEL_EVENT_TIMER, timer)
KEEL_OCAML_EVENT_THUNK(on_book, keel_book_update_t, KEEL_EVENT_BOOK, book)

/* A span crosses into OCaml as two views of the caller's array (int64 and
 * float64 words over the same memory, no copy): Keel.Plugin.on_event_span
 * decodes market events from them one at a time as it calls the strategy,
 * so each short-lived OCaml record is born and dies in the minor heap. An
 * array of prebuilt events would be allocated in the major heap (longer
 * than Max_young_wosize), every store into it would go through the
 * remembered set, and each minor collection would promote the whole span.
 * The offsets it reads are these (little-endian words); other event kinds
 * it asks back for with keel_ocaml_event_at. */
#define KEEL_OCAML_SPAN_WORDS (sizeof(keel_event_t) / 8)
_Static_assert(sizeof(keel_event_t) % 8 == 0, "keel_event_t is a whole number of words");
_Static_assert(KEEL_EVENT_QUOTE == 1 && KEEL_EVENT_TRADE == 2 && KEEL_EVENT_BAR == 3,
               "Keel.Plugin.on_event_span's kind numbers");
_Static_assert(offsetof(keel_event_t, as.quote.ts) == 8 &&
                   offsetof(keel_event_t, as.quote.instrument) == 16 &&
                   offsetof(keel_event_t, as.quote.bid) == 24 &&
                   offsetof(keel_event_t, as.quote.bid_size) == 32 &&
                   offsetof(keel_event_t, as.quote.ask) == 40 &&
                   offsetof(keel_event_t, as.quote.ask_size) == 48,
               "Keel.Plugin.on_event_span's quote offsets");
_Static_assert(offsetof(keel_event_t, as.trade.ts) == 8 &&
                   offsetof(keel_event_t, as.trade.instrument) == 16 &&
                   offsetof(keel_event_t, as.trade.price) == 24 &&
                   offsetof(keel_event_t, as.trade.size) == 32,
               "Keel.Plugin.on_event_span's trade offsets");
_Static_assert(offsetof(keel_event_t, as.bar.ts) == 8 &&
                   offsetof(keel_event_t, as.bar.instrument) == 16 &&
                   offsetof(keel_event_t, as.bar.open) == 24 &&
                   offsetof(keel_event_t, as.bar.high) == 32 &&
                   offsetof(keel_event_t, as.bar.low) == 40 &&
                   offsetof(keel_event_t, as.bar.close) == 48 &&
                   offsetof(keel_event_t, as.bar.volume) == 56,
               "Keel.Plugin.on_event_span's bar offsets");
#ifndef KEEL_OCAML_SPAN_IN_PLACE /* 0 forces the portable path (tests) */
#define KEEL_OCAML_SPAN_IN_PLACE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#endif

/* Keel.Plugin's event_at: event i of a span's int64 view, any kind but a
 * market event; Failure with the problem when it is malformed (Keel.Plugin
 * turns that into KEEL_ERR_INVALID_ARGUMENT naming the event). */
CAMLprim value keel_ocaml_event_at(value words, value index) {
  const keel_event_t* events = (const keel_event_t*)Caml_ba_data_val(words);
  const char* problem = NULL;
  value event = keel_ocaml_event_value(&events[Long_val(index)], &problem);
  if (problem != NULL) caml_failwith(problem);
  return event;
}

/* How far a span got: on KEEL_OK the count Keel.Plugin returned, after an
 * error the failing event (1..count). */
static size_t span_reached(keel_status_t status, value handled, size_t count) {
  if (status == KEEL_OK) return (size_t)Long_val(handled);
  if (span_failed_at < 1) return 1;
  return (uint64_t)span_failed_at > count ? count : (size_t)span_failed_at;
}

static keel_status_t on_events_locked(ocaml_instance_t* self, const keel_event_t* events,
                                      size_t count, keel_error_t* err) {
  CAMLparam0();
  CAMLlocal5(array, item, result, floats, prefix);
  CAMLlocal1(cursor);
  keel_ocaml_span_actions = 0;
  span_failed_at = 1;
  self->cursor = 0;
  cursor = caml_ba_alloc_dims(CAML_BA_INT64 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1,
                              (void*)&self->cursor, (intnat)1);
  if (KEEL_OCAML_SPAN_IN_PLACE && keel_ocaml_fn.on_event_span != NULL) {
    /* Market events are decoded by the OCaml side; any other kind it asks
     * for through keel_ocaml_event_at, which checks it (no pass over the
     * span here first: at ~1 ns per event in a 5 ns budget, it showed). */
    const intnat words = (intnat)(count * KEEL_OCAML_SPAN_WORDS);
    array = caml_ba_alloc_dims(CAML_BA_INT64 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1,
                               (void*)events, words);
    floats = caml_ba_alloc_dims(CAML_BA_FLOAT64 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1,
                                (void*)events, words);
    value args[6] = {self->ocaml,
                     cursor,
                     array,
                     floats,
                     Val_long((intnat)count),
                     Val_long((intnat)KEEL_OCAML_SPAN_WORDS)};
    result = caml_callbackN_exn(*keel_ocaml_fn.on_event_span, 6, args);
    const keel_status_t status = keel_ocaml_take_outcome(result, err, &item);
    self->consumed = span_reached(status, item, count);
    CAMLreturnT(keel_status_t, status);
  }
  /* The portable path: the span as an OCaml array built here. A malformed
   * event ends it where per-event delivery would: the events before it are
   * delivered, and it fails when the strategy reaches it. */
  const char* problem = NULL;
  size_t built = 0;
  array = caml_alloc(count, 0);
  for (; built < count; ++built) {
    item = keel_ocaml_event_value(&events[built], &problem);
    if (problem != NULL) break;
    Store_field(array, built, item);
  }
  if (built == 0) {
    self->consumed = 1;
    CAMLreturnT(keel_status_t,
                keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "event 0: %s", problem));
  }
  if (built < count) {
    prefix = caml_alloc(built, 0);
    for (size_t i = 0; i < built; ++i) Store_field(prefix, i, Field(array, i));
    array = prefix;
  }
  result = caml_callback3_exn(*keel_ocaml_fn.on_events, self->ocaml, cursor, array);
  keel_status_t status = keel_ocaml_take_outcome(result, err, &item);
  self->consumed = span_reached(status, item, built);
  if (status == KEEL_OK && problem != NULL && self->consumed == built) {
    self->consumed = built + 1;
    status = keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "event %zu: %s", built, problem);
  }
  CAMLreturnT(keel_status_t, status);
}

/* Keel.Plugin's views of keel_ocaml_span_actions and span_failed_at. */
CAMLprim value keel_ocaml_span_actions_cell(value unit) {
  (void)unit;
  return caml_ba_alloc_dims(CAML_BA_INT64 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1,
                            (void*)&keel_ocaml_span_actions, (intnat)1);
}

CAMLprim value keel_ocaml_span_failed_at_cell(value unit) {
  (void)unit;
  return caml_ba_alloc_dims(CAML_BA_INT64 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1,
                            (void*)&span_failed_at, (intnat)1);
}

/* A span of events in one crossing. */
static keel_status_t strategy_on_events(void* instance, const keel_event_t* events, size_t count,
                                        keel_error_t* err) {
  if (count == 0) return KEEL_OK;
  ((ocaml_instance_t*)instance)->consumed = 1; /* failing before any event: at the first */
  if (events == NULL) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "events is NULL");
  if (keel_ocaml_poisoned()) return keel_ocaml_poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = on_events_locked((ocaml_instance_t*)instance, events, count, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t on_stop_locked(ocaml_instance_t* self, keel_timestamp_t at,
                                    keel_error_t* err) {
  CAMLparam0();
  CAMLlocal1(result);
  result = caml_callback2_exn(*keel_ocaml_fn.on_stop, self->ocaml, Val_long(at));
  CAMLreturnT(keel_status_t, keel_ocaml_take_outcome(result, err, NULL));
}

static keel_status_t strategy_on_stop(void* instance, keel_timestamp_t at, keel_error_t* err) {
  if (keel_ocaml_poisoned()) return keel_ocaml_poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = on_stop_locked((ocaml_instance_t*)instance, at, err);
  keel_ocaml_leave(&entry);
  return status;
}

static size_t strategy_events_consumed(void* instance) {
  return ((ocaml_instance_t*)instance)->consumed;
}

static const size_t* strategy_batch_cursor(void* instance) {
  return &((ocaml_instance_t*)instance)->cursor;
}

static const keel_strategy_events_consumed_ext_t events_consumed_ext = {
    sizeof(keel_strategy_events_consumed_ext_t), strategy_events_consumed, strategy_batch_cursor};

static const void* strategy_get_extension(void* instance, const char* id) {
  (void)instance;
  if (id != NULL && strcmp(id, KEEL_STRATEGY_EXT_EVENTS_CONSUMED) == 0) return &events_consumed_ext;
  return NULL;
}

const keel_strategy_vtable_t keel_ocaml_strategy_vtable = {sizeof(keel_strategy_vtable_t),
                                                           strategy_on_start,
                                                           strategy_on_quote,
                                                           strategy_on_trade,
                                                           strategy_on_bar,
                                                           strategy_on_order_update,
                                                           strategy_on_fill,
                                                           strategy_on_timer,
                                                           strategy_on_stop,
                                                           strategy_on_events,
                                                           strategy_get_extension,
                                                           NULL /* on_book */};

const keel_strategy_vtable_t keel_ocaml_book_strategy_vtable = {sizeof(keel_strategy_vtable_t),
                                                                strategy_on_start,
                                                                strategy_on_quote,
                                                                strategy_on_trade,
                                                                strategy_on_bar,
                                                                strategy_on_order_update,
                                                                strategy_on_fill,
                                                                strategy_on_timer,
                                                                strategy_on_stop,
                                                                strategy_on_events,
                                                                strategy_get_extension,
                                                                strategy_on_book};
