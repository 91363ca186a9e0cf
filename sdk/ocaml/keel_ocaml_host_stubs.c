/* keel_ocaml_host_stubs.c — OCaml calling the host: the C stubs of
 * Keel.Host (sdk/ocaml/host.ml), one per host-table member.
 *
 * Called from OCaml code, so the runtime lock is already held by this
 * thread. Each answers Done payload or Failed (code, message), and never
 * raises an OCaml exception (raising from C would unwind C frames in a way
 * AddressSanitizer cannot see): the OCaml side decides. Strings are copied
 * to C before the host is called: the host may call back into this runtime
 * (a model of this same plugin), whose GC may move OCaml strings. A host
 * member called from a thread of the plugin's own answers what the host
 * says: a [host-thread] member KEEL_ERR_WRONG_THREAD, which Keel.Host
 * returns as Error Wrong_thread. */
#define _GNU_SOURCE /* strdup under -std=c11 */
#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keel_ocaml_glue.h"
#include "keel_ocaml_runtime.h"

static value outcome_done(value payload) {
  CAMLparam1(payload);
  CAMLlocal1(block);
  block = caml_alloc_small(1, 1);
  Field(block, 0) = payload;
  CAMLreturn(block);
}

static value outcome_failed(keel_status_t code, const char* message) {
  CAMLparam0();
  CAMLlocal2(block, text);
  if (code <= KEEL_OK || code > KEEL_STATUS_LAST) code = KEEL_ERR_INTERNAL;
  text = caml_copy_string(message);
  block = caml_alloc_small(2, 0);
  Field(block, 0) = Val_int(code);
  Field(block, 1) = text;
  CAMLreturn(block);
}

static value outcome_of(keel_status_t status, const keel_error_t* err, value payload) {
  if (status == KEEL_OK) return outcome_done(payload);
  return outcome_failed(status, err->message[0] != '\0' ? err->message : keel_status_name(status));
}

/* A host call from a stub: the master lock is released around it when the
 * plugin links threads, since the host may call back into this plugin
 * (keel_ocaml_release_for_host). Its arguments are C data computed before:
 * nothing touches OCaml values in between. log and now are called directly
 * (the host's never call a plugin). */
#define KEEL_OCAML_HOST_CALL(status, call) \
  do {                                     \
    keel_ocaml_release_for_host();         \
    (status) = (call);                     \
    keel_ocaml_reacquire_after_host();     \
  } while (0)

/* Inside a stub, after its CAMLparam. */
#define KEEL_OCAML_REQUIRE_MEMBER(host, member)                                    \
  if (!KEEL_HAS_MEMBER(host, keel_host_t, member) || (host)->member == NULL) {     \
    CAMLreturn(outcome_failed(KEEL_ERR_UNSUPPORTED, "this host has no " #member)); \
  }

static value failed_out_of_memory(void) {
  return outcome_failed(KEEL_ERR_OUT_OF_MEMORY, "out of memory");
}

CAMLprim value keel_ocaml_host_log(value host_block, value level, value message) {
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  if (KEEL_HAS_MEMBER(host, keel_host_t, log) && host->log != NULL) {
    char* text = strdup(String_val(message));
    if (text != NULL) {
      host->log(host, (int32_t)Long_val(level), text);
      free(text);
    }
  }
  return Val_unit;
}

CAMLprim value keel_ocaml_host_now(value host_block) {
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  if (!KEEL_HAS_MEMBER(host, keel_host_t, now) || host->now == NULL) return Val_long(0);
  return Val_long(host->now(host));
}

CAMLprim value keel_ocaml_host_instrument_find(value host_block, value symbol) {
  CAMLparam2(host_block, symbol);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, instrument_find);
  char* text = strdup(String_val(symbol));
  if (text == NULL) CAMLreturn(failed_out_of_memory());
  keel_error_t err = {0, {0}};
  keel_instrument_id_t id = KEEL_NO_INSTRUMENT;
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->instrument_find(host, text, &id, &err));
  free(text);
  CAMLreturn(outcome_of(status, &err, Val_long(id)));
}

CAMLprim value keel_ocaml_host_instrument_get(value host_block, value id) {
  CAMLparam2(host_block, id);
  CAMLlocal3(record, field, payload);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, instrument_get);
  keel_error_t err = {0, {0}};
  keel_instrument_info_t info;
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  const keel_instrument_id_t wanted = (keel_instrument_id_t)Long_val(id);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->instrument_get(host, wanted, &info, &err));
  if (status != KEEL_OK) CAMLreturn(outcome_of(status, &err, Val_unit));
  if (info.kind < KEEL_INSTRUMENT_EQUITY || info.kind > KEEL_INSTRUMENT_OPTION) {
    CAMLreturn(outcome_failed(KEEL_ERR_INTERNAL, "host returned an unknown instrument kind"));
  }
  record = caml_alloc(11, 0);
  Store_field(record, 0, Val_long(info.id));
  field = caml_copy_string(info.symbol != NULL ? info.symbol : "");
  Store_field(record, 1, field);
  Store_field(record, 2, Val_int(info.kind));
  Store_field(record, 3, Val_int(info.right == KEEL_RIGHT_PUT ? 1 : 0));
  Store_field(record, 4, Val_int(info.exercise == KEEL_EXERCISE_AMERICAN ? 1 : 0));
  if (info.underlying == KEEL_NO_INSTRUMENT) {
    Store_field(record, 5, Val_none);
  } else {
    field = keel_ocaml_some(Val_long(info.underlying));
    Store_field(record, 5, field);
  }
  keel_ocaml_store_double(record, 6, info.strike);
  Store_field(record, 7, Val_long(info.expiry));
  keel_ocaml_store_double(record, 8, info.tick_size);
  keel_ocaml_store_double(record, 9, info.lot_size);
  keel_ocaml_store_double(record, 10, info.multiplier);
  CAMLreturn(outcome_done(record));
}

CAMLprim value keel_ocaml_host_order_submit(value host_block, value request) {
  CAMLparam2(host_block, request);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, order_submit);
  /* Keel.Types.order_request */
  keel_order_request_t r;
  memset(&r, 0, sizeof r);
  r.struct_size = sizeof r;
  r.instrument = (keel_instrument_id_t)Long_val(Field(request, 0));
  r.side = (int32_t)Int_val(Field(request, 1));
  r.type = (int32_t)Int_val(Field(request, 2));
  r.time_in_force = (int32_t)Int_val(Field(request, 3));
  r.quantity = Double_val(Field(request, 4));
  r.limit_price = Double_val(Field(request, 5));
  r.stop_price = Double_val(Field(request, 6));
  r.client_tag = (uint64_t)Long_val(Field(request, 7));
  keel_error_t err = {0, {0}};
  keel_order_handle_t order = {KEEL_NULL_HANDLE};
  ++keel_ocaml_span_actions;
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->order_submit(host, &r, &order, &err));
  CAMLreturn(outcome_of(status, &err, keel_ocaml_int_of_u64(order.bits)));
}

CAMLprim value keel_ocaml_host_order_cancel(value host_block, value order) {
  CAMLparam2(host_block, order);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, order_cancel);
  keel_error_t err = {0, {0}};
  const keel_order_handle_t handle = {(uint64_t)Long_val(order)};
  ++keel_ocaml_span_actions;
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->order_cancel(host, handle, &err));
  CAMLreturn(outcome_of(status, &err, Val_unit));
}

/* A record of six floats is stored flat (Double_array_tag). */
static value six_floats(double a, double b, double c, double d, double e, double f) {
  value block = caml_alloc(6 * Double_wosize, Double_array_tag);
  Store_double_field(block, 0, a);
  Store_double_field(block, 1, b);
  Store_double_field(block, 2, c);
  Store_double_field(block, 3, d);
  Store_double_field(block, 4, e);
  Store_double_field(block, 5, f);
  return block;
}

CAMLprim value keel_ocaml_host_position_get(value host_block, value instrument) {
  CAMLparam2(host_block, instrument);
  CAMLlocal1(record);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, position_get);
  keel_error_t err = {0, {0}};
  keel_position_t p;
  memset(&p, 0, sizeof p);
  const keel_instrument_id_t id = (keel_instrument_id_t)Long_val(instrument);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->position_get(host, id, &p, &err));
  if (status != KEEL_OK) CAMLreturn(outcome_of(status, &err, Val_unit));
  record = six_floats(p.quantity, p.average_price, p.realized_pnl, p.unrealized_pnl, p.fees,
                      p.mark_price);
  CAMLreturn(outcome_done(record));
}

CAMLprim value keel_ocaml_host_account_get(value host_block) {
  CAMLparam1(host_block);
  CAMLlocal1(record);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, account_get);
  keel_error_t err = {0, {0}};
  keel_account_t a;
  memset(&a, 0, sizeof a);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->account_get(host, &a, &err));
  if (status != KEEL_OK) CAMLreturn(outcome_of(status, &err, Val_unit));
  record = six_floats(a.cash, a.equity, a.realized_pnl, a.unrealized_pnl, a.fees, a.gross_notional);
  CAMLreturn(outcome_done(record));
}

CAMLprim value keel_ocaml_host_timer_set(value host_block, value at, value cookie) {
  CAMLparam3(host_block, at, cookie);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, timer_set);
  keel_error_t err = {0, {0}};
  keel_timer_handle_t timer = {KEEL_NULL_HANDLE};
  ++keel_ocaml_span_actions;
  const keel_timestamp_t when = (keel_timestamp_t)Long_val(at);
  const uint64_t tag = (uint64_t)Long_val(cookie);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->timer_set(host, when, tag, &timer, &err));
  CAMLreturn(outcome_of(status, &err, keel_ocaml_int_of_u64(timer.bits)));
}

CAMLprim value keel_ocaml_host_timer_cancel(value host_block, value timer) {
  CAMLparam2(host_block, timer);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, timer_cancel);
  keel_error_t err = {0, {0}};
  const keel_timer_handle_t handle = {(uint64_t)Long_val(timer)};
  ++keel_ocaml_span_actions;
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->timer_cancel(host, handle, &err));
  CAMLreturn(outcome_of(status, &err, Val_unit));
}

/* Keel.Host.book_levels: a book_level array (each a float record). The
 * levels land in a C buffer first: the host call runs without the runtime
 * lock, when no OCaml value may be touched. Not an action (it reads). */
CAMLprim value keel_ocaml_host_book_levels(value host_block, value instrument, value side,
                                           value max_levels) {
  CAMLparam4(host_block, instrument, side, max_levels);
  CAMLlocal2(levels, level);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  if (!KEEL_HAS_MEMBER(host, keel_host_t, book_levels) || host->book_levels == NULL) {
    CAMLreturn(outcome_failed(KEEL_ERR_UNSUPPORTED,
                              "this host has no book_levels (order books came with keel ABI 1.2)"));
  }
  const size_t max = (size_t)Long_val(max_levels); /* >= 0: Keel.Host checks */
  keel_book_level_t* buffer = NULL;
  if (max > 0) {
    buffer = calloc(max, sizeof *buffer);
    if (buffer == NULL) CAMLreturn(failed_out_of_memory());
  }
  keel_error_t err = {0, {0}};
  size_t count = 0;
  const keel_instrument_id_t id = (keel_instrument_id_t)Long_val(instrument);
  const int32_t which = (int32_t)Long_val(side);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->book_levels(host, id, which, buffer, max, &count, &err));
  if (status != KEEL_OK) {
    free(buffer);
    CAMLreturn(outcome_of(status, &err, Val_unit));
  }
  if (count > max) count = max; /* a host never writes more than asked */
  levels = count == 0 ? Atom(0) : caml_alloc(count, 0);
  for (size_t i = 0; i < count; ++i) {
    level = caml_alloc(2 * Double_wosize, Double_array_tag);
    Store_double_field(level, 0, buffer[i].price);
    Store_double_field(level, 1, buffer[i].size);
    Store_field(levels, i, level);
  }
  free(buffer);
  CAMLreturn(outcome_done(levels));
}

CAMLprim value keel_ocaml_host_model_lookup(value host_block, value name) {
  CAMLparam2(host_block, name);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, model_lookup);
  char* text = strdup(String_val(name));
  if (text == NULL) CAMLreturn(failed_out_of_memory());
  keel_error_t err = {0, {0}};
  keel_model_handle_t model = {KEEL_NULL_HANDLE};
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->model_lookup(host, text, &model, &err));
  free(text);
  CAMLreturn(outcome_of(status, &err, keel_ocaml_int_of_u64(model.bits)));
}

CAMLprim value keel_ocaml_host_model_create(value host_block, value factory_id, value params) {
  CAMLparam3(host_block, factory_id, params);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, model_create);
  char* id = strdup(String_val(factory_id));
  char* json = strdup(String_val(params));
  keel_error_t err = {0, {0}};
  keel_model_handle_t model = {KEEL_NULL_HANDLE};
  keel_status_t status = KEEL_ERR_OUT_OF_MEMORY;
  if (id != NULL && json != NULL) {
    KEEL_OCAML_HOST_CALL(status, host->model_create(host, id, json, &model, &err));
  }
  free(id);
  free(json);
  if (status == KEEL_ERR_OUT_OF_MEMORY && err.message[0] == '\0')
    CAMLreturn(failed_out_of_memory());
  CAMLreturn(outcome_of(status, &err, keel_ocaml_int_of_u64(model.bits)));
}

CAMLprim value keel_ocaml_host_model_drop(value host_block, value model) {
  CAMLparam2(host_block, model);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, model_drop);
  keel_error_t err = {0, {0}};
  const keel_model_handle_t handle = {(uint64_t)Long_val(model)};
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->model_drop(host, handle, &err));
  CAMLreturn(outcome_of(status, &err, Val_unit));
}

/* Keel.Types.option_spec: six boxed floats, then right and exercise. */
static keel_option_t option_of(value spec) {
  keel_option_t o;
  o.spot = Double_val(Field(spec, 0));
  o.strike = Double_val(Field(spec, 1));
  o.expiry = Double_val(Field(spec, 2));
  o.vol = Double_val(Field(spec, 3));
  o.rate = Double_val(Field(spec, 4));
  o.dividend = Double_val(Field(spec, 5));
  o.right = (int32_t)Int_val(Field(spec, 6));
  o.exercise = (int32_t)Int_val(Field(spec, 7));
  return o;
}

CAMLprim value keel_ocaml_host_model_price(value host_block, value model, value spec) {
  CAMLparam3(host_block, model, spec);
  CAMLlocal1(record);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, model_price);
  const keel_option_t option = option_of(spec);
  const keel_model_handle_t handle = {(uint64_t)Long_val(model)};
  keel_error_t err = {0, {0}};
  keel_greeks_t g;
  memset(&g, 0, sizeof g);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->model_price(host, handle, &option, &g, &err));
  if (status != KEEL_OK) CAMLreturn(outcome_of(status, &err, Val_unit));
  record = six_floats(g.price, g.delta, g.gamma, g.vega, g.theta, g.rho);
  CAMLreturn(outcome_done(record));
}

CAMLprim value keel_ocaml_host_model_implied_vol(value host_block, value model, value spec,
                                                 value premium) {
  CAMLparam4(host_block, model, spec, premium);
  CAMLlocal1(vol);
  const keel_host_t* host = keel_ocaml_host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, model_implied_vol);
  const keel_option_t option = option_of(spec);
  const keel_model_handle_t handle = {(uint64_t)Long_val(model)};
  keel_error_t err = {0, {0}};
  double result = 0;
  const double target = Double_val(premium);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status,
                       host->model_implied_vol(host, handle, &option, target, &result, &err));
  if (status != KEEL_OK) CAMLreturn(outcome_of(status, &err, Val_unit));
  vol = caml_copy_double(result);
  CAMLreturn(outcome_done(vol));
}
