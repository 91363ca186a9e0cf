/* book_imbalance.c — a keel strategy in C that reads the order book (ABI
 * 1.2): it buys when the book leans to the bid and sells back when it leans
 * to the ask.
 *
 * On every book event of an instrument it subscribed to, it reads the top
 * `levels` levels of each side (keel_host_t.book_levels) and computes
 *   imbalance = (bid size - ask size) / (bid size + ask size)  in [-1, 1]
 * over those levels. When imbalance >= threshold and it holds nothing (and
 * has no order out), it sends a market buy of `quantity`, IOC; when
 * imbalance <= -threshold and it holds a position, a market sell of that
 * position, IOC. Only its own fills change what it holds.
 *
 * Params (keel/params.h):
 *   threshold  number in (0, 1] (0.5)
 *   quantity   number > 0 (1): a multiple of the instrument's lot size
 *   levels     integer in [1, 64] (5): levels a side that count */
#include <keel/keel.h>
#include <keel/params.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "acme_c_models.h"

#define FACTORY_ID "acme.book_imbalance"
#define MAX_LEVELS 64

typedef struct book_imbalance {
  const keel_host_t* host;
  double threshold;
  double quantity;
  int64_t levels;
  double held;       /* from its own fills */
  bool order_out;    /* an order sent and not yet finished */
} book_imbalance_t;

static keel_status_t imbalance_create(const char* params_json, const keel_host_t* host,
                                      void** out_instance, keel_error_t* err) {
  keel_params_t params;
  keel_params_init(&params, params_json);
  const double threshold = keel_params_number(&params, "threshold", 0.5, 1e-9, 1.0);
  const double quantity = keel_params_number(&params, "quantity", 1.0, 1e-9, INFINITY);
  const int64_t levels = keel_params_integer(&params, "levels", 5, 1, MAX_LEVELS);
  const keel_status_t status = keel_params_finish(&params, err);
  if (status != KEEL_OK) return status;
  book_imbalance_t* s = calloc(1, sizeof *s);
  if (s == NULL) return keel_error_set(err, KEEL_ERR_OUT_OF_MEMORY, "out of memory");
  s->host = host;
  s->threshold = threshold;
  s->quantity = quantity;
  s->levels = levels;
  *out_instance = s;
  return KEEL_OK;
}

static keel_status_t imbalance_drop(void* self, keel_error_t* err) {
  (void)err;
  free(self);
  return KEEL_OK;
}

static double total_size(const keel_book_level_t* levels, size_t count) {
  double sum = 0;
  for (size_t i = 0; i < count; ++i) sum += levels[i].size;
  return sum;
}

static keel_status_t send_market(book_imbalance_t* s, keel_instrument_id_t instrument, int32_t side,
                                 double quantity, keel_error_t* err) {
  keel_order_request_t request = {0};
  request.struct_size = sizeof request;
  request.instrument = instrument;
  request.side = side;
  request.type = KEEL_ORDER_MARKET;
  request.time_in_force = KEEL_TIF_IOC;
  request.quantity = quantity;
  keel_order_handle_t order;
  const keel_status_t status = s->host->order_submit(s->host, &request, &order, err);
  if (status == KEEL_OK) {
    s->order_out = true;
    return KEEL_OK;
  }
  /* A refusal (a risk limit, buying power) is the host's to report: the
   * strategy also gets a REJECTED update. Anything else stops it. */
  return status == KEEL_ERR_REJECTED ? KEEL_OK : status;
}

static keel_status_t imbalance_on_book(void* self, const keel_book_update_t* update,
                                       keel_error_t* err) {
  book_imbalance_t* s = self;
  if (s->order_out) return KEEL_OK;
  const keel_host_t* host = s->host;
  if (!KEEL_HAS_MEMBER(host, keel_host_t, book_levels) || host->book_levels == NULL) {
    return keel_error_set(err, KEEL_ERR_UNSUPPORTED,
                          FACTORY_ID " needs a keel host with order books (ABI 1.2)");
  }
  keel_book_level_t bids[MAX_LEVELS], asks[MAX_LEVELS];
  size_t n_bid = 0, n_ask = 0;
  keel_status_t status =
      host->book_levels(host, update->instrument, KEEL_BOOK_BID, bids, (size_t)s->levels, &n_bid, err);
  if (status != KEEL_OK) return status;
  status =
      host->book_levels(host, update->instrument, KEEL_BOOK_ASK, asks, (size_t)s->levels, &n_ask, err);
  if (status != KEEL_OK) return status;
  const double bid = total_size(bids, n_bid), ask = total_size(asks, n_ask);
  if (n_bid == 0 || n_ask == 0 || !(bid + ask > 0)) return KEEL_OK;  /* one-sided */
  const double imbalance = (bid - ask) / (bid + ask);
  if (imbalance >= s->threshold && s->held == 0) {
    return send_market(s, update->instrument, KEEL_SIDE_BUY, s->quantity, err);
  }
  if (imbalance <= -s->threshold && s->held > 0) {
    return send_market(s, update->instrument, KEEL_SIDE_SELL, s->held, err);
  }
  return KEEL_OK;
}

static keel_status_t imbalance_on_fill(void* self, const keel_fill_t* fill, keel_error_t* err) {
  (void)err;
  book_imbalance_t* s = self;
  s->held += fill->side == KEEL_SIDE_BUY ? fill->quantity : -fill->quantity;
  return KEEL_OK;
}

static keel_status_t imbalance_on_order_update(void* self, const keel_order_update_t* update,
                                               keel_error_t* err) {
  (void)err;
  book_imbalance_t* s = self;
  const int32_t state = update->state;
  if (state == KEEL_ORDER_FILLED || state == KEEL_ORDER_CANCELED ||
      state == KEEL_ORDER_REJECTED || state == KEEL_ORDER_EXPIRED) {
    s->order_out = false;
  }
  return KEEL_OK;
}

static const void* imbalance_get_extension(void* self, const char* id) {
  (void)self;
  (void)id;
  return NULL;
}

static const keel_strategy_vtable_t imbalance_methods = {
    .struct_size = sizeof(keel_strategy_vtable_t),
    .on_order_update = imbalance_on_order_update,
    .on_fill = imbalance_on_fill,
    .get_extension = imbalance_get_extension,
    .on_book = imbalance_on_book, /* NULL would mean: never given book events */
};

const keel_factory_t acme_book_imbalance_factory = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_STRATEGY,
    .id = FACTORY_ID,
    .description = "Buys when the order book leans to the bid, sells back when it leans to the ask",
    .params_schema =
        "{\"type\": \"object\", \"additionalProperties\": false, \"properties\": {"
        "\"threshold\": {\"type\": \"number\", \"exclusiveMinimum\": 0, \"maximum\": 1,"
        " \"default\": 0.5, \"description\": \"imbalance that triggers a trade\"},"
        "\"quantity\": {\"type\": \"number\", \"exclusiveMinimum\": 0, \"default\": 1,"
        " \"description\": \"size of a buy\"},"
        "\"levels\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 64, \"default\": 5,"
        " \"description\": \"levels a side that count\"}}}",
    .create = imbalance_create,
    .drop = imbalance_drop,
    .methods = &imbalance_methods,
};
