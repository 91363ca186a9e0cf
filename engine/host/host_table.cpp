// The keel_host_t functions: C entry points that find their InstanceContext
// in host_data and forward to Host / RunServices. None of them throws or
// lets an exception escape into the plugin (rule 7 works both ways).
#include <spdlog/spdlog.h>

#include <chrono>

#include "engine/host/host.hpp"

namespace keel {
namespace {

InstanceContext* context_of(const keel_host_t* host) {
  return host != nullptr ? static_cast<InstanceContext*>(host->host_data) : nullptr;
}

// Runs `body` (returning Status) and maps any C++ exception to a status.
template <class Body>
keel_status_t host_call(const keel_host_t* host, keel_error_t* err, Body&& body) noexcept {
  InstanceContext* context = context_of(host);
  if (context == nullptr) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "host table pointer is NULL or foreign");
  }
  try {
    return body(*context).to_c(err);
  } catch (const std::bad_alloc&) {
    return keel_error_set(err, KEEL_ERR_OUT_OF_MEMORY, "out of memory in the host");
  } catch (const std::exception& e) {
    return keel_error_set(err, KEEL_ERR_INTERNAL, "host error: %s", e.what());
  }
}

// host_call for a [host-thread] member: from any other thread the call does
// nothing, is refused with KEEL_ERR_WRONG_THREAD and is remembered on the
// caller's context, which the host checks after its callback returns.
template <class Body>
keel_status_t host_thread_call(const keel_host_t* host, const char* member, keel_error_t* err,
                               Body&& body) noexcept {
  InstanceContext* context = context_of(host);
  if (context != nullptr && !context->host->on_host_thread()) [[unlikely]] {
    try {
      context->record_wrong_thread(member);
      return keel_error_set(err, KEEL_ERR_WRONG_THREAD, "%s",
                            context->thread_rule_violation().c_str());
    } catch (...) {
      return keel_error_set(err, KEEL_ERR_WRONG_THREAD,
                            "%s called from a thread the host did not call it on", member);
    }
  }
  return host_call(host, err, std::forward<Body>(body));
}

Status not_in_run(const char* member) {
  return Status(KEEL_ERR_UNSUPPORTED, std::string(member) +
                                          " is only available during an engine run (`keel run`)");
}

Status null_argument(const char* what) {
  return Status(KEEL_ERR_INVALID_ARGUMENT, std::string(what) + " must not be NULL");
}

// ---- logging and time ------------------------------------------------------

void host_log(const keel_host_t* host, int32_t level, const char* message) {
  InstanceContext* context = context_of(host);
  const char* who = context != nullptr ? context->name.c_str() : "unknown plugin";
  const char* text = message != nullptr ? message : "(null message)";
  try {
    switch (level) {
      case KEEL_LOG_TRACE: spdlog::trace("[{}] {}", who, text); break;
      case KEEL_LOG_DEBUG: spdlog::debug("[{}] {}", who, text); break;
      case KEEL_LOG_INFO: spdlog::info("[{}] {}", who, text); break;
      case KEEL_LOG_WARN: spdlog::warn("[{}] {}", who, text); break;
      default: spdlog::error("[{}] {}", who, text); break;
    }
  } catch (...) {  // logging never fails a plugin
  }
}

keel_timestamp_t host_now(const keel_host_t* host) {
  InstanceContext* context = context_of(host);
  if (context != nullptr && context->host->run_services() != nullptr) {
    return context->host->run_services()->now(*context);
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- engine services ---------------------------------------------------------

keel_status_t host_instrument_find(const keel_host_t* host, const char* symbol,
                                   keel_instrument_id_t* out_id, keel_error_t* err) {
  return host_call(host, err, [&](InstanceContext& c) -> Status {
    if (symbol == nullptr || out_id == nullptr) return null_argument("symbol and out_id");
    RunServices* run = c.host->run_services();
    if (run == nullptr) return not_in_run("instrument_find");
    Result<keel_instrument_id_t> id = run->instrument_find(symbol);
    if (!id) return id.status();
    *out_id = *id;
    return Status::ok();
  });
}

keel_status_t host_instrument_get(const keel_host_t* host, keel_instrument_id_t id,
                                  keel_instrument_info_t* out, keel_error_t* err) {
  return host_call(host, err, [&](InstanceContext& c) -> Status {
    if (out == nullptr) return null_argument("out");
    RunServices* run = c.host->run_services();
    if (run == nullptr) return not_in_run("instrument_get");
    return run->instrument_get(id, *out);
  });
}

keel_status_t host_order_submit(const keel_host_t* host, const keel_order_request_t* request,
                                keel_order_handle_t* out_order, keel_error_t* err) {
  return host_thread_call(host, "order_submit", err, [&](InstanceContext& c) -> Status {
    if (request == nullptr || out_order == nullptr) return null_argument("request and out_order");
    RunServices* run = c.host->run_services();
    if (run == nullptr) return not_in_run("order_submit");
    Result<keel_order_handle_t> order = run->order_submit(c, *request);
    if (!order) return order.status();
    *out_order = *order;
    return Status::ok();
  });
}

keel_status_t host_order_cancel(const keel_host_t* host, keel_order_handle_t order,
                                keel_error_t* err) {
  return host_thread_call(host, "order_cancel", err, [&](InstanceContext& c) -> Status {
    RunServices* run = c.host->run_services();
    if (run == nullptr) return not_in_run("order_cancel");
    return run->order_cancel(c, order);
  });
}

keel_status_t host_position_get(const keel_host_t* host, keel_instrument_id_t instrument,
                                keel_position_t* out, keel_error_t* err) {
  return host_thread_call(host, "position_get", err, [&](InstanceContext& c) -> Status {
    if (out == nullptr) return null_argument("out");
    RunServices* run = c.host->run_services();
    if (run == nullptr) return not_in_run("position_get");
    return run->position_get(c, instrument, *out);
  });
}

keel_status_t host_account_get(const keel_host_t* host, keel_account_t* out, keel_error_t* err) {
  return host_thread_call(host, "account_get", err, [&](InstanceContext& c) -> Status {
    if (out == nullptr) return null_argument("out");
    RunServices* run = c.host->run_services();
    if (run == nullptr) return not_in_run("account_get");
    return run->account_get(c, *out);
  });
}

keel_status_t host_timer_set(const keel_host_t* host, keel_timestamp_t at, uint64_t cookie,
                             keel_timer_handle_t* out_timer, keel_error_t* err) {
  return host_thread_call(host, "timer_set", err, [&](InstanceContext& c) -> Status {
    if (out_timer == nullptr) return null_argument("out_timer");
    RunServices* run = c.host->run_services();
    if (run == nullptr) return not_in_run("timer_set");
    Result<keel_timer_handle_t> timer = run->timer_set(c, at, cookie);
    if (!timer) return timer.status();
    *out_timer = *timer;
    return Status::ok();
  });
}

keel_status_t host_timer_cancel(const keel_host_t* host, keel_timer_handle_t timer,
                                keel_error_t* err) {
  return host_thread_call(host, "timer_cancel", err, [&](InstanceContext& c) -> Status {
    RunServices* run = c.host->run_services();
    if (run == nullptr) return not_in_run("timer_cancel");
    return run->timer_cancel(c, timer);
  });
}

keel_status_t host_book_levels(const keel_host_t* host, keel_instrument_id_t instrument,
                               int32_t side, keel_book_level_t* out, size_t max_levels,
                               size_t* out_count, keel_error_t* err) {
  return host_thread_call(host, "book_levels", err, [&](InstanceContext& c) -> Status {
    if (out_count == nullptr) return null_argument("out_count");
    *out_count = 0;
    if (out == nullptr && max_levels > 0) return null_argument("out (with max_levels > 0)");
    if (side != KEEL_BOOK_BID && side != KEEL_BOOK_ASK) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    "book_levels: side " + std::to_string(side) +
                        " is neither KEEL_BOOK_BID (0) nor KEEL_BOOK_ASK (1)");
    }
    RunServices* run = c.host->run_services();
    if (run == nullptr) return not_in_run("book_levels");
    return run->book_levels(c, instrument, side, out, max_levels, *out_count);
  });
}

// ---- pricing models ------------------------------------------------------------

keel_status_t host_model_lookup(const keel_host_t* host, const char* name,
                                keel_model_handle_t* out_model, keel_error_t* err) {
  return host_call(host, err, [&](InstanceContext& c) -> Status {
    if (name == nullptr || out_model == nullptr) return null_argument("name and out_model");
    Result<keel_model_handle_t> handle = c.host->lookup_model(name);
    if (!handle) return handle.status();
    *out_model = *handle;
    return Status::ok();
  });
}

keel_status_t host_model_create(const keel_host_t* host, const char* factory_id,
                                const char* params_json, keel_model_handle_t* out_model,
                                keel_error_t* err) {
  return host_thread_call(host, "model_create", err, [&](InstanceContext& c) -> Status {
    if (factory_id == nullptr || out_model == nullptr) {
      return null_argument("factory_id and out_model");
    }
    const std::string name = "model '" + std::string(factory_id) + "' of " + c.name;
    Result<keel_model_handle_t> handle =
        c.host->create_model(factory_id, params_json != nullptr ? params_json : "{}", name, &c);
    if (!handle) return handle.status();
    *out_model = *handle;
    return Status::ok();
  });
}

keel_status_t host_model_drop(const keel_host_t* host, keel_model_handle_t model,
                              keel_error_t* err) {
  return host_thread_call(host, "model_drop", err,
                   [&](InstanceContext& c) -> Status { return c.host->drop_model(model, &c); });
}

// Resolves a handle, then calls fn(ModelInstance&) -> Status.
template <class Fn>
keel_status_t with_model(const keel_host_t* host, keel_model_handle_t model, keel_error_t* err,
                         Fn&& fn) {
  return host_call(host, err, [&](InstanceContext& c) -> Status {
    Result<std::shared_ptr<ModelInstance>> instance = c.host->model(model);
    if (!instance) return instance.status();
    return fn(**instance);
  });
}

keel_status_t host_model_price(const keel_host_t* host, keel_model_handle_t model,
                               const keel_option_t* option, keel_greeks_t* out,
                               keel_error_t* err) {
  return with_model(host, model, err, [&](ModelInstance& m) -> Status {
    if (option == nullptr || out == nullptr) return null_argument("option and out");
    Result<keel_greeks_t> greeks = m.price(*option);
    if (!greeks) return greeks.status();
    *out = *greeks;
    return Status::ok();
  });
}

keel_status_t host_model_price_batch(const keel_host_t* host, keel_model_handle_t model,
                                     const keel_option_batch_t* options,
                                     const keel_greeks_batch_t* out, keel_error_t* err) {
  return with_model(host, model, err, [&](ModelInstance& m) -> Status {
    if (options == nullptr || out == nullptr) return null_argument("options and out");
    return m.price_batch(*options, *out);
  });
}

keel_status_t host_model_implied_vol(const keel_host_t* host, keel_model_handle_t model,
                                     const keel_option_t* option, double premium,
                                     double* out_vol, keel_error_t* err) {
  return with_model(host, model, err, [&](ModelInstance& m) -> Status {
    if (option == nullptr || out_vol == nullptr) return null_argument("option and out_vol");
    Result<double> vol = m.implied_vol(*option, premium);
    if (!vol) return vol.status();
    *out_vol = *vol;
    return Status::ok();
  });
}

keel_status_t host_model_implied_vol_batch(const keel_host_t* host, keel_model_handle_t model,
                                           const keel_option_batch_t* options,
                                           const double* premiums, double* out_vols,
                                           keel_status_t* out_status, keel_error_t* err) {
  return with_model(host, model, err, [&](ModelInstance& m) -> Status {
    if (options == nullptr) return null_argument("options");
    return m.implied_vol_batch(*options, premiums, out_vols, out_status);
  });
}

// A capsule handed to a plugin through the host is tracked: its destructor is
// wrapped so the host knows when it is released, and reports it if never.
struct TrackedCapsule {
  keel_capsule_destroy_fn destroy;
  void* destroy_context;
  std::shared_ptr<std::atomic<int64_t>> outstanding;
};

void destroy_tracked(keel_capsule_t* capsule) {
  auto* tracked = static_cast<TrackedCapsule*>(capsule->destroy_context);
  capsule->destroy = tracked->destroy;
  capsule->destroy_context = tracked->destroy_context;
  tracked->outstanding->fetch_sub(1);
  delete tracked;
  keel_capsule_release(capsule);
}

keel_status_t host_model_calibrate(const keel_host_t* host, keel_model_handle_t model,
                                   const keel_calibration_quote_t* quotes, size_t count,
                                   keel_capsule_t* out_report, keel_error_t* err) {
  return host_thread_call(host, "model_calibrate", err, [&](InstanceContext& caller) -> Status {
    if (out_report == nullptr) return null_argument("out_report");
    Result<std::shared_ptr<ModelInstance>> instance = caller.host->model(model);
    if (!instance) return instance.status();
    Result<CalibrationReport> report = (*instance)->calibrate(quotes, count);
    if (!report) return report.status();
    keel_capsule_t capsule = report->capsule.take();
    capsule.destroy_context =
        new TrackedCapsule{capsule.destroy, capsule.destroy_context, caller.capsules_outstanding};
    capsule.destroy = &destroy_tracked;
    caller.capsules_outstanding->fetch_add(1);
    *out_report = capsule;
    return Status::ok();
  });
}

// ---- capsules and extensions ------------------------------------------------------

keel_status_t host_capsule_check(const keel_host_t* /*host*/, const keel_capsule_t* capsule,
                                 const char* expected_tag, keel_error_t* err) {
  if (expected_tag == nullptr) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "expected_tag must not be NULL");
  }
  return keel_capsule_check(capsule, expected_tag, err);
}

void host_capsule_release(const keel_host_t* /*host*/, keel_capsule_t* capsule) {
  keel_capsule_release(capsule);
}

const void* host_get_extension(const keel_host_t* /*host*/, const char* /*id*/) {
  return nullptr;  // no host extensions in ABI 1.0
}

}  // namespace

keel_host_t make_host_table(InstanceContext* context) {
  keel_host_t table{};
  table.struct_size = sizeof(keel_host_t);
  table.abi_major = KEEL_ABI_VERSION_MAJOR;
  table.abi_minor = KEEL_ABI_VERSION_MINOR;
  table.host_name = "keel";
  table.host_version = KEEL_SDK_VERSION_STRING;
  table.host_data = context;
  table.log = &host_log;
  table.now = &host_now;
  table.instrument_find = &host_instrument_find;
  table.instrument_get = &host_instrument_get;
  table.order_submit = &host_order_submit;
  table.order_cancel = &host_order_cancel;
  table.position_get = &host_position_get;
  table.account_get = &host_account_get;
  table.timer_set = &host_timer_set;
  table.timer_cancel = &host_timer_cancel;
  table.book_levels = &host_book_levels;
  table.model_lookup = &host_model_lookup;
  table.model_create = &host_model_create;
  table.model_drop = &host_model_drop;
  table.model_price = &host_model_price;
  table.model_price_batch = &host_model_price_batch;
  table.model_implied_vol = &host_model_implied_vol;
  table.model_implied_vol_batch = &host_model_implied_vol_batch;
  table.model_calibrate = &host_model_calibrate;
  table.capsule_check = &host_capsule_check;
  table.capsule_release = &host_capsule_release;
  table.get_extension = &host_get_extension;
  return table;
}

}  // namespace keel
