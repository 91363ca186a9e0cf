/* keel/host.h — the host table: what a plugin instance can ask of keel.
 *
 * The host gives every instance its own keel_host_t in create() (and a
 * load-time one to the entry function); the pointer stays valid until the
 * instance is dropped. Each member takes that pointer first, which is how
 * the host knows which instance is calling. Members a plugin built against
 * a newer minor version expects may be absent in an older host: test with
 * KEEL_HAS_MEMBER(host, keel_host_t, member) before use (the C++, Rust and
 * OCaml SDKs do this for you).
 *
 * Thread tags (legend in keel/keel.h). [host-thread] here is a rule the
 * plugin keeps and the host checks: from any other thread the member does
 * nothing and returns KEEL_ERR_WRONG_THREAD with a message naming the
 * instance, the member and this rule, and the host then stops the instance
 * as if its callback had failed (a strategy's on_error: stop the run or
 * disable it). A plugin that runs its own threads hands their results to
 * its next callback.
 *
 * The host table grows at its end (struct_size); the value structs it
 * fills are described in keel/market.h and keel/pricing_model.h.
 *
 * Calls tagged "engine" succeed only during a run (`keel run`); elsewhere
 * (e.g. `keel price`) they return KEEL_ERR_UNSUPPORTED. */
#ifndef KEEL_HOST_H
#define KEEL_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "keel/capsule.h"
#include "keel/handle.h"
#include "keel/market.h"
#include "keel/pricing_model.h"
#include "keel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  KEEL_LOG_TRACE = 0,
  KEEL_LOG_DEBUG = 1,
  KEEL_LOG_INFO = 2,
  KEEL_LOG_WARN = 3,
  KEEL_LOG_ERROR = 4
};

typedef struct keel_host keel_host_t;

struct keel_host {
  uint32_t struct_size; /* sizeof(keel_host_t) as the host was built */
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t reserved;
  const char* host_name;    /* "keel" */
  const char* host_version; /* e.g. "0.1.0" */
  void* host_data;          /* the host's own; plugins must not touch it */

  /* ---- logging and time ------------------------------------------------ */

  /* Logs a NUL-terminated message under the calling instance's name.
   * Never fails. [thread-safe] */
  void (*log)(const keel_host_t* host, int32_t level, const char* message);

  /* The current time: simulated during a run (the timestamp of the event
   * being handled), wall-clock UTC otherwise. [thread-safe]; from a thread
   * of the plugin's own during a run it is the time of whatever the host is
   * handling meanwhile, so a deterministic strategy reads it on the host
   * thread. */
  keel_timestamp_t (*now)(const keel_host_t* host);

  /* ---- instruments (engine) ------------------------------------------- */

  /* Looks an instrument up by symbol. KEEL_ERR_NOT_FOUND if the run has
   * none by that name. [thread-safe] */
  keel_status_t (*instrument_find)(const keel_host_t* host, const char* symbol,
                                   keel_instrument_id_t* out_id, keel_error_t* err);

  /* Fills *out (whose struct_size the caller sets) for an instrument id.
   * The strings it points to live for the whole run. [thread-safe] */
  keel_status_t (*instrument_get)(const keel_host_t* host, keel_instrument_id_t id,
                                  keel_instrument_info_t* out, keel_error_t* err);

  /* ---- orders (engine; strategies only) -------------------------------- */

  /* Sends an order. On KEEL_OK *out_order names it until its terminal
   * update has been delivered. KEEL_ERR_REJECTED when a risk check or venue
   * rule refuses it at once (the message says which); the strategy also
   * gets a REJECTED order update. [host-thread] */
  keel_status_t (*order_submit)(const keel_host_t* host, const keel_order_request_t* request,
                                keel_order_handle_t* out_order, keel_error_t* err);

  /* Requests a cancel; the outcome arrives as an order update (an order may
   * fill before the cancel reaches the venue). KEEL_ERR_STALE_HANDLE if the
   * order is no longer open. [host-thread] */
  keel_status_t (*order_cancel)(const keel_host_t* host, keel_order_handle_t order,
                                keel_error_t* err);

  /* The calling strategy's position in one instrument (zeros when flat).
   * [host-thread] */
  keel_status_t (*position_get)(const keel_host_t* host, keel_instrument_id_t instrument,
                                keel_position_t* out, keel_error_t* err);

  /* The calling strategy's cash, equity and PnL. [host-thread] */
  keel_status_t (*account_get)(const keel_host_t* host, keel_account_t* out, keel_error_t* err);

  /* ---- timers (engine; strategies only) ------------------------------- */

  /* Asks for an on_timer call at simulated time `at` (or the next event
   * time if `at` is in the past), carrying `cookie`. [host-thread] */
  keel_status_t (*timer_set)(const keel_host_t* host, keel_timestamp_t at, uint64_t cookie,
                             keel_timer_handle_t* out_timer, keel_error_t* err);

  /* Cancels a timer that has not fired. KEEL_ERR_STALE_HANDLE if it fired,
   * was cancelled, or never existed. [host-thread] */
  keel_status_t (*timer_cancel)(const keel_host_t* host, keel_timer_handle_t timer,
                                keel_error_t* err);

  /* ---- pricing models ------------------------------------------------- */

  /* Finds a model instance the run file configured, by its name there. The
   * handle is borrowed: valid for the whole run, never dropped by the
   * caller (model_drop on it returns KEEL_ERR_INVALID_ARGUMENT).
   * [thread-safe] */
  keel_status_t (*model_lookup)(const keel_host_t* host, const char* name,
                                keel_model_handle_t* out_model, keel_error_t* err);

  /* Creates a private model instance from any loaded factory id (e.g.
   * "keel.black_scholes") with JSON params. The caller owns the handle and
   * must give it back with model_drop exactly once; a handle not dropped by
   * the end of the run is reported as leaked, under the caller's name.
   * [host-thread] */
  keel_status_t (*model_create)(const keel_host_t* host, const char* factory_id,
                                const char* params_json, keel_model_handle_t* out_model,
                                keel_error_t* err);

  /* Drops a model created with model_create. A second drop, or a handle
   * that never existed, returns KEEL_ERR_STALE_HANDLE; a handle of another
   * kind KEEL_ERR_WRONG_KIND. [host-thread] */
  keel_status_t (*model_drop)(const keel_host_t* host, keel_model_handle_t model,
                              keel_error_t* err);

  /* The pricing-model table's calls, through a handle. Same contracts as
   * keel_pricing_model_vtable_t, plus KEEL_ERR_STALE_HANDLE /
   * KEEL_ERR_WRONG_KIND for bad handles and KEEL_ERR_POISONED when the
   * model's plugin has faulted. [thread-safe] except model_calibrate,
   * [host-thread] (calibration changes the model that other calls read). */
  keel_status_t (*model_price)(const keel_host_t* host, keel_model_handle_t model,
                               const keel_option_t* option, keel_greeks_t* out,
                               keel_error_t* err);
  keel_status_t (*model_price_batch)(const keel_host_t* host, keel_model_handle_t model,
                                     const keel_option_batch_t* options,
                                     const keel_greeks_batch_t* out, keel_error_t* err);
  keel_status_t (*model_implied_vol)(const keel_host_t* host, keel_model_handle_t model,
                                     const keel_option_t* option, double premium,
                                     double* out_vol, keel_error_t* err);
  keel_status_t (*model_implied_vol_batch)(const keel_host_t* host, keel_model_handle_t model,
                                           const keel_option_batch_t* options,
                                           const double* premiums, double* out_vols,
                                           keel_status_t* out_status, keel_error_t* err);
  keel_status_t (*model_calibrate)(const keel_host_t* host, keel_model_handle_t model,
                                   const keel_calibration_quote_t* quotes, size_t count,
                                   keel_capsule_t* out_report, keel_error_t* err);

  /* ---- capsules -------------------------------------------------------- */

  /* keel_capsule_check, performed by the host: validates a capsule a plugin
   * received before it touches the data. [thread-safe] */
  keel_status_t (*capsule_check)(const keel_host_t* host, const keel_capsule_t* capsule,
                                 const char* expected_tag, keel_error_t* err);

  /* keel_capsule_release, performed by the host; a no-op on an empty capsule.
   * [thread-safe] */
  void (*capsule_release)(const keel_host_t* host, keel_capsule_t* capsule);

  /* ---- extensions ------------------------------------------------------ */

  /* A host extension by string id, or NULL when this host has none.
   * [thread-safe] */
  const void* (*get_extension)(const keel_host_t* host, const char* id);

  /* ---- order book (engine; since ABI 1.2) ------------------------------ */

  /* Copies up to `max_levels` levels of one side (KEEL_BOOK_BID or
   * KEEL_BOOK_ASK) of an instrument's order book into out[0..), best
   * first, and sets *out_count to how many it wrote (0 when the side is
   * empty or the run has no depth data for the instrument). The book is
   * the data's, as of the event being handled: what our own orders took
   * from it is not subtracted (the venue's rules, docs/venue.md).
   * KEEL_ERR_NOT_FOUND for an unknown instrument, KEEL_ERR_INVALID_ARGUMENT
   * for another side or a NULL out with max_levels > 0. [host-thread] */
  keel_status_t (*book_levels)(const keel_host_t* host, keel_instrument_id_t instrument,
                               int32_t side, keel_book_level_t* out, size_t max_levels,
                               size_t* out_count, keel_error_t* err);
};

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_HOST_H */
