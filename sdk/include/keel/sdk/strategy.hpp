// keel/sdk/strategy.hpp — write a strategy as a C++ class.
//
//   class MyStrategy : public keel::sdk::Strategy {
//    public:
//     static constexpr const char* kId = "acme.my_strategy";
//     static constexpr const char* kDescription = "one line";
//     static constexpr const char* kParamsSchema = R"({"type":"object"})";
//     MyStrategy(keel::sdk::Params& params, const keel::sdk::Host& host);
//     void on_bar(const keel_bar_t& bar) override;
//   };
//
// and list keel::sdk::strategy_factory<MyStrategy>() in KEEL_PLUGIN. Every
// callback is [instance-serialized]; throw keel::sdk::Error to stop the
// strategy with a status, any other exception is a fault that poisons the
// plugin.
#pragma once

#include <type_traits>

#include "keel/plugin.h"
#include "keel/sdk/error.hpp"
#include "keel/sdk/host.hpp"
#include "keel/sdk/params.hpp"
#include "keel/sdk/pricing_model.hpp"
#include "keel/strategy.h"

namespace keel::sdk {

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual void on_start(const keel_strategy_start_t& /*start*/) {}
  virtual void on_quote(const keel_quote_t& /*quote*/) {}
  virtual void on_trade(const keel_trade_t& /*trade*/) {}
  virtual void on_bar(const keel_bar_t& /*bar*/) {}
  virtual void on_order_update(const keel_order_update_t& /*update*/) {}
  virtual void on_fill(const keel_fill_t& /*fill*/) {}
  virtual void on_timer(const keel_timer_event_t& /*timer*/) {}
  virtual void on_stop(keel_timestamp_t /*at*/) {}
  // Order-book depth (ABI 1.2). Only a strategy class that overrides it
  // has on_book in its table and is given book events (the engine skips the
  // others for them, at no cost); the book itself: Host::book_levels.
  virtual void on_book(const keel_book_update_t& /*update*/) {}
};

namespace detail {

template <class S>
struct StrategyThunks {
  static S& self(void* instance) { return *static_cast<S*>(instance); }

  // One thunk per callback: `Event` is the borrowed struct, `call` invokes
  // S's member. The call is qualified (s.S::on_quote(...)): the instance is
  // exactly an S (Lifecycle<S>::create made it), so it needs no second
  // virtual dispatch behind the table's indirect call, and a no-op
  // callback inlines to nothing.
  template <class Event, void (*call)(S&, const Event&)>
  static keel_status_t forward(void* instance, const Event* event, keel_error_t* err) {
    return guard(err, [&] {
      if (event == nullptr) throw Error(KEEL_ERR_INVALID_ARGUMENT, "event is NULL");
      call(self(instance), *event);
      return KEEL_OK;
    });
  }
  static void start(S& s, const keel_strategy_start_t& e) { s.S::on_start(e); }
  static void quote(S& s, const keel_quote_t& e) { s.S::on_quote(e); }
  static void trade(S& s, const keel_trade_t& e) { s.S::on_trade(e); }
  static void bar(S& s, const keel_bar_t& e) { s.S::on_bar(e); }
  static void order_update(S& s, const keel_order_update_t& e) { s.S::on_order_update(e); }
  static void fill(S& s, const keel_fill_t& e) { s.S::on_fill(e); }
  static void timer(S& s, const keel_timer_event_t& e) { s.S::on_timer(e); }
  static void book(S& s, const keel_book_update_t& e) { s.S::on_book(e); }
  // S (or a base of it between it and Strategy) overrides on_book: &S::on_book
  // then names that class's member, not Strategy's.
  static constexpr bool kTakesBook =
      !std::is_same_v<decltype(&S::on_book), void (Strategy::*)(const keel_book_update_t&)>;
  static keel_status_t on_stop(void* instance, keel_timestamp_t at, keel_error_t* err) {
    return guard(err, [&] {
      self(instance).S::on_stop(at);
      return KEEL_OK;
    });
  }
  static const void* get_extension(void* /*instance*/, const char* /*id*/) { return nullptr; }

  static constexpr keel_strategy_vtable_t vtable{
      sizeof(keel_strategy_vtable_t),
      &forward<keel_strategy_start_t, &start>,
      &forward<keel_quote_t, &quote>,
      &forward<keel_trade_t, &trade>,
      &forward<keel_bar_t, &bar>,
      &forward<keel_order_update_t, &order_update>,
      &forward<keel_fill_t, &fill>,
      &forward<keel_timer_event_t, &timer>,
      &on_stop,
      nullptr,  // on_events: C++ calls are cheap, the engine calls per event
      &get_extension,
      kTakesBook ? &forward<keel_book_update_t, &book> : nullptr};
};

}  // namespace detail

template <class S>
const keel_factory_t* strategy_factory() {
  static const keel_factory_t factory{sizeof(keel_factory_t),
                                      0,
                                      KEEL_KIND_STRATEGY,
                                      S::kId,
                                      S::kDescription,
                                      S::kParamsSchema,
                                      &detail::Lifecycle<S>::create,
                                      &detail::Lifecycle<S>::drop,
                                      &detail::StrategyThunks<S>::vtable,
                                      nullptr,  // context: create needs none
                                      nullptr};
  return &factory;
}

}  // namespace keel::sdk
