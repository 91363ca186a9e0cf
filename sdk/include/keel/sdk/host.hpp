// keel/sdk/host.hpp — a C++ view of the host table an instance receives.
//
// Members that fail throw keel::sdk::Error with the host's status and
// message, so plugin code can let errors propagate to the thunk guard.
// Members absent from an older host throw KEEL_ERR_UNSUPPORTED.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "keel/host.h"
#include "keel/sdk/error.hpp"
#include "keel/version.h"

namespace keel::sdk {

class Host {
 private:
  // The member's function pointer, read only when the host's table is large
  // enough to hold it (an older host's table is shorter).
  template <auto Member>
  auto member(const char* name) const {
    if (host_ == nullptr) throw Error(KEEL_ERR_UNSUPPORTED, "no host table");
    const auto* base = reinterpret_cast<const char*>(host_);
    const auto* field = reinterpret_cast<const char*>(&(host_->*Member));
    const size_t end = static_cast<size_t>(field - base) + sizeof(host_->*Member);
    if (host_->struct_size < end || host_->*Member == nullptr) {
      throw Error(KEEL_ERR_UNSUPPORTED, std::string("this host has no '") + name + "' call");
    }
    return host_->*Member;
  }

  template <auto Member, class... Args>
  void call(const char* name, Args... args) const {
    keel_error_t err{};
    const keel_status_t status = member<Member>(name)(host_, args..., &err);
    if (status != KEEL_OK) {
      throw Error(status, std::string(name) + ": " +
                              (err.message[0] != '\0' ? err.message : keel_status_name(status)));
    }
  }


 public:
  explicit Host(const keel_host_t* host) : host_(host) {}

  const keel_host_t* raw() const { return host_; }

  // Never throws: a host without logging drops the message.
  void log(int32_t level, const std::string& message) const {
    if (KEEL_HAS_MEMBER(host_, keel_host_t, log) && host_->log != nullptr) {
      host_->log(host_, level, message.c_str());
    }
  }
  void debug(const std::string& message) const { log(KEEL_LOG_DEBUG, message); }
  void info(const std::string& message) const { log(KEEL_LOG_INFO, message); }
  void warn(const std::string& message) const { log(KEEL_LOG_WARN, message); }
  void error(const std::string& message) const { log(KEEL_LOG_ERROR, message); }

  keel_timestamp_t now() const { return member<&keel_host_t::now>("now")(host_); }

  keel_instrument_id_t instrument(const std::string& symbol) const {
    keel_instrument_id_t id = KEEL_NO_INSTRUMENT;
    call<&keel_host_t::instrument_find>("instrument_find", symbol.c_str(), &id);
    return id;
  }

  keel_order_handle_t submit(const keel_order_request_t& request) const {
    keel_order_handle_t order{KEEL_NULL_HANDLE};
    call<&keel_host_t::order_submit>("order_submit", &request, &order);
    return order;
  }
  void cancel(keel_order_handle_t order) const { call<&keel_host_t::order_cancel>("order_cancel", order); }

  keel_position_t position(keel_instrument_id_t instrument) const {
    keel_position_t out{};
    call<&keel_host_t::position_get>("position_get", instrument, &out);
    return out;
  }
  keel_account_t account() const {
    keel_account_t out{};
    call<&keel_host_t::account_get>("account_get", &out);
    return out;
  }

  keel_timer_handle_t set_timer(keel_timestamp_t at, uint64_t cookie) const {
    keel_timer_handle_t timer{KEEL_NULL_HANDLE};
    call<&keel_host_t::timer_set>("timer_set", at, cookie, &timer);
    return timer;
  }
  void cancel_timer(keel_timer_handle_t timer) const {
    call<&keel_host_t::timer_cancel>("timer_cancel", timer);
  }

  // Up to out.size() levels of one side (KEEL_BOOK_BID / KEEL_BOOK_ASK) of
  // the instrument's order book, best first, written into the caller's
  // buffer: the returned span is its filled front (empty when the side is
  // empty or the run has no depth data for it). No allocation. As of the
  // event being handled (keel/host.h). Since ABI 1.2: an older host throws
  // KEEL_ERR_UNSUPPORTED.
  std::span<const keel_book_level_t> book_levels(keel_instrument_id_t instrument, int32_t side,
                                                 std::span<keel_book_level_t> out) const {
    size_t count = 0;
    call<&keel_host_t::book_levels>("book_levels", instrument, side, out.data(), out.size(),
                                    &count);
    return {out.data(), count < out.size() ? count : out.size()};
  }

  keel_model_handle_t model(const std::string& name) const {
    keel_model_handle_t model{KEEL_NULL_HANDLE};
    call<&keel_host_t::model_lookup>("model_lookup", name.c_str(), &model);
    return model;
  }
  keel_greeks_t price(keel_model_handle_t model, const keel_option_t& option) const {
    keel_greeks_t out{};
    call<&keel_host_t::model_price>("model_price", model, &option, &out);
    return out;
  }
  double implied_vol(keel_model_handle_t model, const keel_option_t& option,
                     double premium) const {
    double vol = 0;
    call<&keel_host_t::model_implied_vol>("model_implied_vol", model, &option, premium, &vol);
    return vol;
  }

 private:
  const keel_host_t* host_;
};

}  // namespace keel::sdk
