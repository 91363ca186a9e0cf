/* keel/strategy.h — the strategy table, kind "keel.strategy/1".
 *
 * A strategy factory (keel/plugin.h) creates instances; its `methods` points
 * at a keel_strategy_vtable_t. The engine calls an instance's members one at
 * a time, in simulated-time order: every member is [instance-serialized]
 * (never concurrent on one instance; consecutive calls may come from
 * different threads). Event structs are borrowed for the call only.
 *
 * Any member may be NULL: the engine then skips that event. A strategy in a
 * runtime where each crossing is costly (OCaml, Python) implements
 * `on_events`, and the engine then delivers runs of consecutive market
 * events as one span instead of calling on_quote/on_trade/on_bar/
 * on_order_update/on_fill/on_timer one by one; the result must be the same
 * as per-event handling.
 *
 * A member returning an error stops the strategy: the engine logs the
 * message, delivers it no further events, and ends or continues the run as
 * the run file says. KEEL_ERR_PLUGIN_FAULT also poisons the plugin: only
 * drop is called on its instances afterwards. */
#ifndef KEEL_STRATEGY_H
#define KEEL_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "keel/market.h"
#include "keel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KEEL_KIND_STRATEGY "keel.strategy/1"

/* What a strategy learns when the run starts. Borrowed for the call. */
typedef struct keel_strategy_start {
  uint32_t struct_size;
  uint32_t reserved;
  keel_timestamp_t start_time;        /* first event time of the run */
  const char* name;                   /* the strategy's name in the run file */
  size_t instrument_count;
  const keel_instrument_id_t* instruments; /* the instruments it subscribed to */
} keel_strategy_start_t;

typedef struct keel_strategy_vtable {
  uint32_t struct_size; /* sizeof(keel_strategy_vtable_t) when built */

  /* Once, before any event. */
  keel_status_t (*on_start)(void* self, const keel_strategy_start_t* start, keel_error_t* err);
  keel_status_t (*on_quote)(void* self, const keel_quote_t* quote, keel_error_t* err);
  keel_status_t (*on_trade)(void* self, const keel_trade_t* trade, keel_error_t* err);
  keel_status_t (*on_bar)(void* self, const keel_bar_t* bar, keel_error_t* err);
  /* Every change of state of one of its orders, including rejects. */
  keel_status_t (*on_order_update)(void* self, const keel_order_update_t* update,
                                   keel_error_t* err);
  keel_status_t (*on_fill)(void* self, const keel_fill_t* fill, keel_error_t* err);
  keel_status_t (*on_timer)(void* self, const keel_timer_event_t* timer, keel_error_t* err);
  /* Once, after the last event (or when the strategy is stopped); orders
   * sent here are not executed. */
  keel_status_t (*on_stop)(void* self, keel_timestamp_t at, keel_error_t* err);

  /* Optional batch delivery of `count` consecutive events (see above). */
  keel_status_t (*on_events)(void* self, const keel_event_t* events, size_t count,
                             keel_error_t* err);

  /* An optional extension by string id, or NULL. */
  const void* (*get_extension)(void* self, const char* id);
} keel_strategy_vtable_t;

/* Extension KEEL_STRATEGY_EXT_EVENTS_CONSUMED (returned by get_extension)
 * makes batch delivery exact. After every on_events call the engine asks
 * how many of the span's events the strategy reached:
 *   - on KEEL_OK, the events it handled: a strategy stops after the event
 *     during which it acted (sent or cancelled an order, set or cancelled a
 *     timer), and the engine delivers the rest again once what that action
 *     caused has happened;
 *   - on an error, the events up to and including the one whose handling
 *     failed: the engine stops the strategy at that event, exactly where
 *     per-event delivery would have, and what it sent while handling that
 *     event is dated at that event.
 * So the result is the same as per-event handling. Without this extension
 * the engine gives on_events one event at a time. */
#define KEEL_STRATEGY_EXT_EVENTS_CONSUMED "keel.strategy.events_consumed/1"

typedef struct keel_strategy_events_consumed_ext {
  uint32_t struct_size; /* sizeof(keel_strategy_events_consumed_ext_t) when built */
  /* How many events of the last on_events call were reached (see above), in
   * 1..count. [instance-serialized] */
  size_t (*events_consumed)(void* self);
} keel_strategy_events_consumed_ext_t;

/* A "keel.strategy/1" table must be at least this large (its members may
 * be NULL; see above). */
#define KEEL_STRATEGY_VTABLE_MIN_SIZE \
  (offsetof(keel_strategy_vtable_t, on_stop) + sizeof(void (*)(void)))

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_STRATEGY_H */
