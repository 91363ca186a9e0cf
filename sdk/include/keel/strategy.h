/* keel/strategy.h — the strategy table, kind "keel.strategy/1".
 *
 * A strategy factory (keel/plugin.h) creates instances; its `methods` points
 * at a keel_strategy_vtable_t. The engine calls an instance's members one at
 * a time, in simulated-time order, on the run's thread: every member is
 * [host-thread] and therefore also [instance-serialized] (never concurrent
 * on one instance). Event structs, and the span of on_events, are borrowed
 * for the call only: copy what you keep.
 *
 * Any event member may be NULL: the engine then skips that event. A strategy
 * in a runtime where each crossing is costly (OCaml, Python) implements
 * `on_events`, and the engine then delivers runs of consecutive market
 * events as one span instead of calling on_quote/on_trade/on_bar/
 * on_order_update/on_fill/on_timer one by one; the result must be the same
 * as per-event handling.
 *
 * Errors, for every member: KEEL_OK, or a code from keel/status.h with a
 * message in err. A member returning an error stops the strategy: the
 * engine logs the message, calls nothing more on it but drop (not even
 * on_stop), and ends or continues the run as the run file's on_error says.
 * KEEL_ERR_PLUGIN_FAULT (a caught exception, panic, or runtime error) also
 * poisons the plugin: only drop is called on its instances afterwards. A
 * code outside the ABI's range counts as KEEL_ERR_PLUGIN_FAULT. Expected
 * codes: KEEL_ERR_INVALID_ARGUMENT (an input the strategy cannot handle),
 * KEEL_ERR_REJECTED (passed on from an order the strategy cannot do
 * without), KEEL_ERR_WRONG_THREAD (passed on from a host call),
 * KEEL_ERR_INTERNAL.
 *
 * Frozen for ABI 1.x: the event structs (keel/market.h). keel_strategy_start_t
 * and the tables here carry a struct_size and grow at their end. */
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
  uint32_t struct_size; /* sizeof(keel_strategy_start_t) as the host was built */
  uint32_t reserved;
  keel_timestamp_t start_time;        /* first event time of the run */
  const char* name;                   /* the strategy's name in the run file */
  size_t instrument_count;
  const keel_instrument_id_t* instruments; /* the instruments it subscribed to */
} keel_strategy_start_t;

typedef struct keel_strategy_vtable {
  uint32_t struct_size; /* sizeof(keel_strategy_vtable_t) when built */

  /* Once, before any event; the strategy may look instruments up, set
   * timers and send orders here. [host-thread] */
  keel_status_t (*on_start)(void* self, const keel_strategy_start_t* start, keel_error_t* err);
  /* One market event of an instrument it subscribed to. [host-thread] */
  keel_status_t (*on_quote)(void* self, const keel_quote_t* quote, keel_error_t* err);
  keel_status_t (*on_trade)(void* self, const keel_trade_t* trade, keel_error_t* err);
  keel_status_t (*on_bar)(void* self, const keel_bar_t* bar, keel_error_t* err);
  /* Every change of state of one of its orders, including rejects.
   * [host-thread] */
  keel_status_t (*on_order_update)(void* self, const keel_order_update_t* update,
                                   keel_error_t* err);
  /* A fill of one of its orders. [host-thread] */
  keel_status_t (*on_fill)(void* self, const keel_fill_t* fill, keel_error_t* err);
  /* A timer it set has fired. [host-thread] */
  keel_status_t (*on_timer)(void* self, const keel_timer_event_t* timer, keel_error_t* err);
  /* Once, after the last event (or when the run is stopped), unless a
   * member failed before; orders sent here are not executed. An error here
   * is logged and reported as the strategy's status. [host-thread] */
  keel_status_t (*on_stop)(void* self, keel_timestamp_t at, keel_error_t* err);

  /* Optional batch delivery of `count` >= 1 consecutive events (see above):
   * events[0..count) is borrowed for the call. Without the events_consumed
   * extension (below) the engine passes count == 1. On an error, the
   * extension says at which event it happened. [host-thread] */
  keel_status_t (*on_events)(void* self, const keel_event_t* events, size_t count,
                             keel_error_t* err);

  /* An optional extension by string id (see "Ids" in keel/keel.h), or NULL
   * when the strategy has none by that id; never fails. The pointer must
   * stay valid for the instance's life. [host-thread] */
  const void* (*get_extension)(void* self, const char* id);

  /* Since ABI 1.2 (check struct_size). One change of a price level of the
   * order book of an instrument it subscribed to, when the run has depth
   * data for it. The host's book already holds the change when this is
   * called (keel_host_t.book_levels). A strategy that leaves this NULL (or
   * was built against 1.0 or 1.1) is never given book events, in on_events
   * spans neither; one that sets it and implements on_events gets them as
   * KEEL_EVENT_BOOK in its spans. [host-thread] */
  keel_status_t (*on_book)(void* self, const keel_book_update_t* update, keel_error_t* err);
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
   * 1..count; a value outside that range is a fault (the plugin is
   * poisoned). Never fails. [host-thread] */
  size_t (*events_consumed)(void* self);

  /* Since ABI 1.1 (check struct_size). The address of the strategy's batch
   * cursor: a size_t that the strategy sets to i before it handles
   * events[i] of the current on_events span, and that stays valid for the
   * instance's life. The host reads it, on the run's thread and only while
   * on_events runs, when the strategy calls a host function: now(),
   * position_get(), account_get() and the risk checks are then those of
   * events[i], and an order sent is stamped with events[i]'s time, exactly
   * as per-event delivery would give. A strategy without it (NULL, or a 1.0
   * table) is given spans of one event. Never fails; the host may ask once
   * and keep the address. [host-thread] */
  const size_t* (*batch_cursor)(void* self);
} keel_strategy_events_consumed_ext_t;

/* A "keel.strategy/1" table must be at least this large (its members may
 * be NULL; see above). */
#define KEEL_STRATEGY_VTABLE_MIN_SIZE \
  (offsetof(keel_strategy_vtable_t, on_stop) + sizeof(void (*)(void)))

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_STRATEGY_H */
