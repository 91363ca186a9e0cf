/* keel/market.h — the plain-old-data structs of a trading run: instruments,
 * market events, orders, order updates, fills, positions.
 *
 * All are fixed-layout C structs with no pointers the receiver must free:
 * events are passed by const pointer, valid for the duration of the call
 * only (copy what you keep). Times are nanoseconds since the Unix epoch, UTC.
 * Quantities are positive; the side says buy or sell. Prices are in the
 * instrument's quote currency per unit; an instrument's `multiplier` turns a
 * price move into cash.
 *
 * Frozen for ABI 1.x (no struct_size; their layout never changes):
 * keel_quote_t, keel_trade_t, keel_bar_t, keel_order_update_t, keel_fill_t,
 * keel_timer_event_t, keel_book_update_t and keel_book_level_t (since ABI
 * 1.2), keel_event_t (its size too: a new event kind gets a
 * new KEEL_EVENT_* value and a payload that fits the union, and a strategy
 * skips kinds it does not know), keel_position_t and keel_account_t. Their
 * `reserved` fields are zero and stay zero in 1.x. More data would come in
 * a new struct read through a new host-table member.
 * Growing at their end (they begin with a struct_size the writer sets):
 * keel_instrument_info_t (the caller sets it to the size it knows, the host
 * fills no more than that) and keel_order_request_t (the strategy sets it,
 * the host reads no more than that). */
#ifndef KEEL_MARKET_H
#define KEEL_MARKET_H

#include <stdint.h>

#include "keel/handle.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t keel_timestamp_t;     /* ns since 1970-01-01T00:00:00Z */
typedef uint32_t keel_instrument_id_t; /* index into the run's instrument table */

#define KEEL_NO_INSTRUMENT UINT32_C(0xFFFFFFFF)

/* ---- instruments ---------------------------------------------------- */

enum { KEEL_INSTRUMENT_EQUITY = 0, KEEL_INSTRUMENT_FUTURE = 1, KEEL_INSTRUMENT_OPTION = 2 };
enum { KEEL_RIGHT_CALL = 0, KEEL_RIGHT_PUT = 1 };
enum { KEEL_EXERCISE_EUROPEAN = 0, KEEL_EXERCISE_AMERICAN = 1 };

/* Filled by the host (keel_host_t.instrument_get). Strings are owned by the
 * host and live for the whole run. */
typedef struct keel_instrument_info {
  uint32_t struct_size;
  keel_instrument_id_t id;
  const char* symbol;         /* e.g. "AAPL" */
  int32_t kind;               /* KEEL_INSTRUMENT_* */
  int32_t right;              /* options only: KEEL_RIGHT_* */
  int32_t exercise;           /* options only: KEEL_EXERCISE_* */
  keel_instrument_id_t underlying; /* options: the underlying; else KEEL_NO_INSTRUMENT */
  double strike;              /* options only */
  keel_timestamp_t expiry;    /* options and futures; 0 if none */
  double tick_size;           /* minimum price increment */
  double lot_size;            /* minimum quantity increment */
  double multiplier;          /* cash per unit of price per unit of quantity */
} keel_instrument_info_t;

/* ---- market events ---------------------------------------------------- */

typedef struct keel_quote {
  keel_timestamp_t ts;
  keel_instrument_id_t instrument;
  uint32_t reserved;
  double bid, bid_size, ask, ask_size;
} keel_quote_t;

typedef struct keel_trade {
  keel_timestamp_t ts;
  keel_instrument_id_t instrument;
  uint32_t reserved;
  double price, size;
} keel_trade_t;

typedef struct keel_bar {
  keel_timestamp_t ts; /* the bar's close time */
  keel_instrument_id_t instrument;
  uint32_t reserved;
  double open, high, low, close, volume;
} keel_bar_t;

/* One change of one price level of an instrument's order book
 * (market-by-price depth, since ABI 1.2): the level `price` on `side` now
 * holds `size` in total; size 0 removes the level. `ts` is when the update
 * reached us (the run's clock); `exch_ts` is when the venue made it, or
 * equal to ts when the data has no exchange time. */
enum { KEEL_BOOK_BID = 0, KEEL_BOOK_ASK = 1 };

typedef struct keel_book_update {
  keel_timestamp_t ts;
  keel_instrument_id_t instrument;
  int32_t side; /* KEEL_BOOK_BID or KEEL_BOOK_ASK */
  double price, size;
  keel_timestamp_t exch_ts;
} keel_book_update_t;

/* One level of a book side, as keel_host_t.book_levels gives it (since ABI
 * 1.2): bids best (highest) first, asks best (lowest) first. */
typedef struct keel_book_level {
  double price;
  double size;
} keel_book_level_t;

/* ---- orders ----------------------------------------------------------- */

enum { KEEL_SIDE_BUY = 0, KEEL_SIDE_SELL = 1 };
enum {
  KEEL_ORDER_MARKET = 0,
  KEEL_ORDER_LIMIT = 1,
  KEEL_ORDER_STOP = 2,      /* stop-market: becomes a market order when triggered */
  KEEL_ORDER_STOP_LIMIT = 3 /* becomes a limit order when triggered */
};
enum {
  KEEL_TIF_GTC = 0, /* good till cancelled */
  KEEL_TIF_IOC = 1, /* immediate or cancel: fill what is possible now, cancel the rest */
  KEEL_TIF_FOK = 2  /* fill or kill: fill all now or nothing */
};

/* What a strategy sends (keel_host_t.order_submit). */
typedef struct keel_order_request {
  uint32_t struct_size;
  keel_instrument_id_t instrument;
  int32_t side;          /* KEEL_SIDE_* */
  int32_t type;          /* KEEL_ORDER_* */
  int32_t time_in_force; /* KEEL_TIF_* */
  uint32_t reserved;
  double quantity;       /* > 0, a multiple of the lot size */
  double limit_price;    /* LIMIT and STOP_LIMIT */
  double stop_price;     /* STOP and STOP_LIMIT */
  uint64_t client_tag;   /* the strategy's own reference, echoed in updates and fills */
} keel_order_request_t;

enum {
  KEEL_ORDER_PENDING = 0,  /* sent, not yet at the venue (latency) */
  KEEL_ORDER_ACCEPTED = 1, /* resting at the venue */
  KEEL_ORDER_PARTIALLY_FILLED = 2,
  KEEL_ORDER_FILLED = 3,   /* terminal */
  KEEL_ORDER_CANCELED = 4, /* terminal */
  KEEL_ORDER_REJECTED = 5, /* terminal; `reason` says why */
  KEEL_ORDER_EXPIRED = 6   /* terminal: IOC/FOK remainder, end of run */
};

typedef struct keel_order_update {
  keel_timestamp_t ts;
  keel_order_handle_t order; /* stale once the update with a terminal state is delivered */
  uint64_t order_id;         /* the run-wide order number, as in orders.csv */
  uint64_t client_tag;
  keel_instrument_id_t instrument;
  int32_t state; /* KEEL_ORDER_* */
  double filled_quantity;
  double remaining_quantity;
  double average_fill_price; /* 0 when nothing filled */
  const char* reason;        /* NUL-terminated, borrowed for the call; "" when none */
} keel_order_update_t;

enum { KEEL_LIQUIDITY_MAKER = 0, KEEL_LIQUIDITY_TAKER = 1 };

typedef struct keel_fill {
  keel_timestamp_t ts;
  keel_order_handle_t order;
  uint64_t order_id;
  uint64_t client_tag;
  keel_instrument_id_t instrument;
  int32_t side;      /* KEEL_SIDE_* */
  int32_t liquidity; /* KEEL_LIQUIDITY_* */
  uint32_t reserved;
  double quantity;
  double price;
  double fee; /* in the run currency */
} keel_fill_t;

typedef struct keel_timer_event {
  keel_timestamp_t ts;
  keel_timer_handle_t timer;
  uint64_t cookie; /* the value given to timer_set */
} keel_timer_event_t;

/* ---- one tagged event, for batch delivery (keel_strategy_vtable_t.on_events) */

enum {
  KEEL_EVENT_QUOTE = 1,
  KEEL_EVENT_TRADE = 2,
  KEEL_EVENT_BAR = 3,
  KEEL_EVENT_ORDER_UPDATE = 4,
  KEEL_EVENT_FILL = 5,
  KEEL_EVENT_TIMER = 6,
  KEEL_EVENT_BOOK = 7 /* since ABI 1.2: keel_book_update_t */
};

typedef struct keel_event {
  uint32_t kind; /* KEEL_EVENT_* */
  uint32_t reserved;
  union {
    keel_quote_t quote;
    keel_trade_t trade;
    keel_bar_t bar;
    keel_order_update_t order_update;
    keel_fill_t fill;
    keel_timer_event_t timer;
    keel_book_update_t book; /* since ABI 1.2 */
  } as;
} keel_event_t;

/* ---- positions and account -------------------------------------------- */

/* One strategy's position in one instrument (keel_host_t.position_get). */
typedef struct keel_position {
  keel_instrument_id_t instrument;
  uint32_t reserved;
  double quantity;       /* signed: > 0 long, < 0 short */
  double average_price;  /* of the open quantity; 0 when flat */
  double realized_pnl;   /* run currency, after nothing: fees are separate */
  double unrealized_pnl; /* at the last mark */
  double fees;
  double mark_price;     /* last mark (quote mid, last trade, or model) */
} keel_position_t;

/* One strategy's account (keel_host_t.account_get). */
typedef struct keel_account {
  double cash;
  double equity; /* cash + marked value of positions */
  double realized_pnl;
  double unrealized_pnl;
  double fees;
  double gross_notional;
} keel_account_t;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_MARKET_H */
