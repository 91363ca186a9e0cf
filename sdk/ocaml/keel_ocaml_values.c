/* keel_ocaml_values.c — the C structs of keel's ABI as OCaml values, for
 * the callbacks (keel_ocaml_callbacks.c) and the host stubs
 * (keel_ocaml_host_stubs.c): zero-copy Bigarray views of caller-owned
 * arrays, option batches, events. Every function here allocates on the
 * OCaml heap: call it with the runtime held (keel_ocaml_enter). */
#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/bigarray.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>

#include <stddef.h>
#include <stdint.h>

#include "keel_ocaml_glue.h"

value keel_ocaml_f64_view(const double* data, size_t count) {
  /* CAML_BA_EXTERNAL: a view of the caller's memory, never freed by the GC. */
  return caml_ba_alloc_dims(CAML_BA_FLOAT64 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1, (void*)data,
                            (intnat)count);
}

value keel_ocaml_i32_view(const int32_t* data, size_t count) {
  return caml_ba_alloc_dims(CAML_BA_INT32 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1, (void*)data,
                            (intnat)count);
}

value keel_ocaml_some(value v) {
  CAMLparam1(v);
  CAMLlocal1(block);
  block = caml_alloc_small(1, 0);
  Field(block, 0) = v;
  CAMLreturn(block);
}

value keel_ocaml_f64_view_option(const double* data, size_t count) {
  CAMLparam0();
  CAMLlocal1(view);
  if (data == NULL) CAMLreturn(Val_none);
  view = keel_ocaml_f64_view(data, count);
  CAMLreturn(keel_ocaml_some(view));
}

value keel_ocaml_i32_view_option(const int32_t* data, size_t count) {
  CAMLparam0();
  CAMLlocal1(view);
  if (data == NULL) CAMLreturn(Val_none);
  view = keel_ocaml_i32_view(data, count);
  CAMLreturn(keel_ocaml_some(view));
}

void keel_ocaml_store_double(value block, mlsize_t field, double d) {
  CAMLparam1(block);
  CAMLlocal1(boxed);
  boxed = caml_copy_double(d);
  Store_field(block, field, boxed);
  CAMLreturn0;
}

value keel_ocaml_host_value(const keel_host_t* host) {
  value block = caml_alloc_small(1, Abstract_tag);
  Field(block, 0) = (value)host;
  return block;
}

/* Keel.Pricing_model.batch */
value keel_ocaml_batch_value(const keel_option_batch_t* b) {
  CAMLparam0();
  CAMLlocal2(block, field);
  block = caml_alloc(9, 0);
  const size_t n = b->count;
  Store_field(block, 0, Val_long((intnat)n));
  field = keel_ocaml_f64_view(b->spot, n);
  Store_field(block, 1, field);
  field = keel_ocaml_f64_view(b->strike, n);
  Store_field(block, 2, field);
  field = keel_ocaml_f64_view(b->expiry, n);
  Store_field(block, 3, field);
  field = keel_ocaml_f64_view_option(b->vol, n);
  Store_field(block, 4, field);
  field = keel_ocaml_f64_view(b->rate, n);
  Store_field(block, 5, field);
  field = keel_ocaml_f64_view(b->dividend, n);
  Store_field(block, 6, field);
  field = keel_ocaml_i32_view(b->right, n);
  Store_field(block, 7, field);
  field = keel_ocaml_i32_view_option(b->exercise, n);
  Store_field(block, 8, field);
  CAMLreturn(block);
}

/* Keel.Pricing_model.batch_out */
value keel_ocaml_batch_out_value(const keel_greeks_batch_t* out, size_t n) {
  CAMLparam0();
  CAMLlocal2(block, field);
  block = caml_alloc(7, 0);
  field = keel_ocaml_f64_view(out->price, n);
  Store_field(block, 0, field);
  field = keel_ocaml_f64_view_option(out->delta, n);
  Store_field(block, 1, field);
  field = keel_ocaml_f64_view_option(out->gamma, n);
  Store_field(block, 2, field);
  field = keel_ocaml_f64_view_option(out->vega, n);
  Store_field(block, 3, field);
  field = keel_ocaml_f64_view_option(out->theta, n);
  Store_field(block, 4, field);
  field = keel_ocaml_f64_view_option(out->rho, n);
  Store_field(block, 5, field);
  field = keel_ocaml_i32_view_option(out->status, n);
  Store_field(block, 6, field);
  CAMLreturn(block);
}

/* Keel.Types.event's constructors are the kinds in order, Quote (1) first. */
_Static_assert(KEEL_EVENT_TIMER == 6 && KEEL_EVENT_BOOK == 7, "Keel.Types.event: Timer, then Book");

/* Keel.Types.event, built from one keel_event_t. Returns Val_unit for an
 * event kind (or enum value) this SDK does not know; *problem says why. */
value keel_ocaml_event_value(const keel_event_t* e, const char** problem) {
  CAMLparam0();
  CAMLlocal2(record, event);
  switch (e->kind) {
    case KEEL_EVENT_QUOTE: {
      const keel_quote_t* q = &e->as.quote;
      record = caml_alloc(6, 0);
      Store_field(record, 0, Val_long(q->ts));
      Store_field(record, 1, Val_long(q->instrument));
      keel_ocaml_store_double(record, 2, q->bid);
      keel_ocaml_store_double(record, 3, q->bid_size);
      keel_ocaml_store_double(record, 4, q->ask);
      keel_ocaml_store_double(record, 5, q->ask_size);
      break;
    }
    case KEEL_EVENT_TRADE: {
      const keel_trade_t* t = &e->as.trade;
      record = caml_alloc(4, 0);
      Store_field(record, 0, Val_long(t->ts));
      Store_field(record, 1, Val_long(t->instrument));
      keel_ocaml_store_double(record, 2, t->price);
      keel_ocaml_store_double(record, 3, t->size);
      break;
    }
    case KEEL_EVENT_BAR: {
      const keel_bar_t* b = &e->as.bar;
      record = caml_alloc(7, 0);
      Store_field(record, 0, Val_long(b->ts));
      Store_field(record, 1, Val_long(b->instrument));
      keel_ocaml_store_double(record, 2, b->open);
      keel_ocaml_store_double(record, 3, b->high);
      keel_ocaml_store_double(record, 4, b->low);
      keel_ocaml_store_double(record, 5, b->close);
      keel_ocaml_store_double(record, 6, b->volume);
      break;
    }
    case KEEL_EVENT_ORDER_UPDATE: {
      const keel_order_update_t* u = &e->as.order_update;
      if (u->state < KEEL_ORDER_PENDING || u->state > KEEL_ORDER_EXPIRED) {
        *problem = "order update with an unknown state";
        CAMLreturn(Val_unit);
      }
      record = caml_alloc(10, 0);
      Store_field(record, 0, Val_long(u->ts));
      Store_field(record, 1, keel_ocaml_int_of_u64(u->order.bits));
      Store_field(record, 2, keel_ocaml_int_of_u64(u->order_id));
      Store_field(record, 3, keel_ocaml_int_of_u64(u->client_tag));
      Store_field(record, 4, Val_long(u->instrument));
      Store_field(record, 5, Val_int(u->state));
      keel_ocaml_store_double(record, 6, u->filled_quantity);
      keel_ocaml_store_double(record, 7, u->remaining_quantity);
      keel_ocaml_store_double(record, 8, u->average_fill_price);
      event = caml_copy_string(u->reason != NULL ? u->reason : "");
      Store_field(record, 9, event);
      break;
    }
    case KEEL_EVENT_FILL: {
      const keel_fill_t* f = &e->as.fill;
      if ((f->side != KEEL_SIDE_BUY && f->side != KEEL_SIDE_SELL) ||
          (f->liquidity != KEEL_LIQUIDITY_MAKER && f->liquidity != KEEL_LIQUIDITY_TAKER)) {
        *problem = "fill with an unknown side or liquidity";
        CAMLreturn(Val_unit);
      }
      record = caml_alloc(10, 0);
      Store_field(record, 0, Val_long(f->ts));
      Store_field(record, 1, keel_ocaml_int_of_u64(f->order.bits));
      Store_field(record, 2, keel_ocaml_int_of_u64(f->order_id));
      Store_field(record, 3, keel_ocaml_int_of_u64(f->client_tag));
      Store_field(record, 4, Val_long(f->instrument));
      Store_field(record, 5, Val_int(f->side));
      Store_field(record, 6, Val_int(f->liquidity));
      keel_ocaml_store_double(record, 7, f->quantity);
      keel_ocaml_store_double(record, 8, f->price);
      keel_ocaml_store_double(record, 9, f->fee);
      break;
    }
    case KEEL_EVENT_TIMER: {
      const keel_timer_event_t* t = &e->as.timer;
      record = caml_alloc(3, 0);
      Store_field(record, 0, Val_long(t->ts));
      Store_field(record, 1, keel_ocaml_int_of_u64(t->timer.bits));
      Store_field(record, 2, keel_ocaml_int_of_u64(t->cookie));
      break;
    }
    case KEEL_EVENT_BOOK: {
      const keel_book_update_t* b = &e->as.book;
      if (b->side != KEEL_BOOK_BID && b->side != KEEL_BOOK_ASK) {
        *problem = "book update with an unknown side";
        CAMLreturn(Val_unit);
      }
      record = caml_alloc(6, 0);
      Store_field(record, 0, Val_long(b->ts));
      Store_field(record, 1, Val_long(b->instrument));
      Store_field(record, 2, Val_int(b->side));
      keel_ocaml_store_double(record, 3, b->price);
      keel_ocaml_store_double(record, 4, b->size);
      Store_field(record, 5, Val_long(b->exch_ts));
      break;
    }
    default:
      *problem = "event of an unknown kind";
      CAMLreturn(Val_unit);
  }
  event = caml_alloc_small(1, (tag_t)(e->kind - KEEL_EVENT_QUOTE));
  Field(event, 0) = record;
  CAMLreturn(event);
}
