// Test support for the shipped strategy plugins: the plugin is loaded by the
// real engine loader (keel::Host's registry), but each instance gets a FAKE
// keel_host_t written here, whose order/position/instrument calls record into
// a test-owned FakeHost. The tests then drive the strategy's C table by hand,
// playing the engine's part (fills before the updates and market events they
// cause), so they do not depend on the engine loop.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/host/host.hpp"
#include "keel/keel.h"

namespace keel::test {

struct SubmittedOrder {
  keel_order_request_t request{};
  keel_order_handle_t handle{KEEL_NULL_HANDLE};
  size_t event_index = 0;  // how many market events the test had delivered before it
};

struct LogLine {
  int32_t level = 0;
  std::string message;
};

class FakeHost {
 public:
  FakeHost() {
    table.struct_size = sizeof(keel_host_t);
    table.abi_major = KEEL_ABI_VERSION_MAJOR;
    table.abi_minor = KEEL_ABI_VERSION_MINOR;
    table.host_name = "fake";
    table.host_version = "0";
    table.host_data = this;
    table.log = &log;
    table.now = &now;
    table.instrument_get = &instrument_get;
    table.order_submit = &order_submit;
    table.order_cancel = &order_cancel;
    table.position_get = &position_get;
    table.account_get = &account_get;
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  keel_host_t table{};

  // What the strategy did.
  std::vector<SubmittedOrder> submits;  // accepted by the fake (handle set)
  std::vector<keel_order_request_t> refused;
  std::vector<keel_order_handle_t> cancels;
  std::vector<LogLine> logs;
  int instrument_get_calls = 0;

  // What the fake answers.
  std::map<keel_instrument_id_t, double> positions;
  std::map<keel_instrument_id_t, double> ticks;  // absent: KEEL_ERR_NOT_FOUND
  int reject_next_submits = 0;                   // refuse this many with KEEL_ERR_REJECTED
  keel_timestamp_t time = 0;
  size_t event_index = 0;  // set by the driver

  bool logged(int32_t min_level, const std::string& fragment) const {
    for (const LogLine& line : logs) {
      if (line.level >= min_level && line.message.find(fragment) != std::string::npos) return true;
    }
    return false;
  }

 private:
  static FakeHost& self(const keel_host_t* host) {
    return *static_cast<FakeHost*>(host->host_data);
  }
  static void log(const keel_host_t* host, int32_t level, const char* message) {
    self(host).logs.push_back({level, message != nullptr ? message : ""});
  }
  static keel_timestamp_t now(const keel_host_t* host) { return self(host).time; }
  static keel_status_t instrument_get(const keel_host_t* host, keel_instrument_id_t id,
                                      keel_instrument_info_t* out, keel_error_t* err) {
    FakeHost& fake = self(host);
    ++fake.instrument_get_calls;
    auto it = fake.ticks.find(id);
    if (it == fake.ticks.end())
      return keel_error_set(err, KEEL_ERR_NOT_FOUND, "no instrument %u", id);
    if (out == nullptr || out->struct_size < sizeof(keel_instrument_info_t)) {
      return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "bad out struct");
    }
    *out = keel_instrument_info_t{};
    out->struct_size = sizeof(keel_instrument_info_t);
    out->id = id;
    out->symbol = "TEST";
    out->underlying = KEEL_NO_INSTRUMENT;
    out->tick_size = it->second;
    out->lot_size = 1;
    out->multiplier = 1;
    return KEEL_OK;
  }
  static keel_status_t order_submit(const keel_host_t* host, const keel_order_request_t* request,
                                    keel_order_handle_t* out_order, keel_error_t* err) {
    FakeHost& fake = self(host);
    EXPECT_NE(request, nullptr);
    EXPECT_NE(out_order, nullptr);
    if (request == nullptr || out_order == nullptr) {
      return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "NULL argument");
    }
    EXPECT_EQ(request->struct_size, sizeof(keel_order_request_t));
    if (fake.reject_next_submits > 0) {
      --fake.reject_next_submits;
      fake.refused.push_back(*request);
      return keel_error_set(err, KEEL_ERR_REJECTED, "risk: max notional exceeded (fake)");
    }
    const uint64_t index = fake.submits.size() + 1;
    const keel_order_handle_t handle{(uint64_t{KEEL_HANDLE_KIND_ORDER} << 56) |
                                     (uint64_t{1} << 32) | index};
    fake.submits.push_back({*request, handle, fake.event_index});
    *out_order = handle;
    return KEEL_OK;
  }
  static keel_status_t order_cancel(const keel_host_t* host, keel_order_handle_t order,
                                    keel_error_t* /*err*/) {
    self(host).cancels.push_back(order);
    return KEEL_OK;
  }
  static keel_status_t position_get(const keel_host_t* host, keel_instrument_id_t instrument,
                                    keel_position_t* out, keel_error_t* err) {
    if (out == nullptr) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "NULL out");
    FakeHost& fake = self(host);
    *out = keel_position_t{};
    out->instrument = instrument;
    if (auto it = fake.positions.find(instrument); it != fake.positions.end()) {
      out->quantity = it->second;
    }
    return KEEL_OK;
  }
  static keel_status_t account_get(const keel_host_t* /*host*/, keel_account_t* out,
                                   keel_error_t* err) {
    if (out == nullptr) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "NULL out");
    *out = keel_account_t{};
    out->cash = out->equity = 1e6;
    return KEEL_OK;
  }
};

// Loads a strategy factory through the real loader and owns one instance of
// it, created against a FakeHost.
class StrategyUnderTest {
 public:
  // Creates the instance; on failure returns the status and leaves it empty.
  // The plugin file is loaded directly when it is where the build puts it
  // ("keel.sma_cross" -> keel_sma_cross.so) so that only it is loaded (the
  // loader reads each file whole; under ASan that costs seconds per plugin);
  // find_factory then finds the factory without a folder scan. Tests that
  // want the scan use a registry without it (see discover_only).
  Status create(Host& host, const std::string& factory_id, const std::string& params,
                FakeHost& fake, bool discover_only = false) {
    if (!discover_only) {
      std::string file = factory_id;
      for (char& c : file) c = c == '.' ? '_' : c;
      const std::filesystem::path path =
          std::filesystem::path(KEEL_TEST_PLUGIN_DIR) / (file + ".so");
      if (std::filesystem::exists(path)) {
        Result<PluginLibrary*> loaded = host.registry().load_file(path);
        if (!loaded) return loaded.status();
      }
    }
    Result<const Factory*> factory = host.registry().find_factory(factory_id);
    if (!factory) return factory.status();
    factory_ = *factory;
    fake_ = &fake;
    keel_error_t err{};
    void* instance = nullptr;
    const keel_status_t status = factory_->create(params.c_str(), &fake.table, &instance, &err);
    if (status != KEEL_OK) return Status(status, err.message);
    instance_ = instance;
    return Status::ok();
  }
  ~StrategyUnderTest() {
    if (instance_ != nullptr) {
      keel_error_t err{};
      EXPECT_EQ(factory_->drop(instance_, &err), KEEL_OK) << err.message;
    }
  }

  const Factory& factory() const { return *factory_; }
  bool created() const { return instance_ != nullptr; }

  void start(std::vector<keel_instrument_id_t> instruments) {
    instruments_ = std::move(instruments);
    keel_strategy_start_t start{};
    start.struct_size = sizeof start;
    start.name = "under test";
    start.instrument_count = instruments_.size();
    start.instruments = instruments_.data();
    check(call(factory_->strategy.on_start, &start), "on_start");
  }
  void bar(keel_instrument_id_t instrument, double close) {
    keel_bar_t b{};
    b.ts = ++fake_->time;
    b.instrument = instrument;
    b.open = b.high = b.low = b.close = close;
    b.volume = 100;
    check(call(factory_->strategy.on_bar, &b), "on_bar");
    ++fake_->event_index;
  }
  void quote(keel_instrument_id_t instrument, double bid, double ask) {
    keel_quote_t q{};
    q.ts = ++fake_->time;
    q.instrument = instrument;
    q.bid = bid;
    q.ask = ask;
    q.bid_size = q.ask_size = 100;
    check(call(factory_->strategy.on_quote, &q), "on_quote");
    ++fake_->event_index;
  }
  // One fill of an order the strategy submitted (the engine delivers fills
  // before the order update that follows them).
  void fill(const SubmittedOrder& order, double quantity, double price) {
    keel_fill_t f{};
    f.ts = fake_->time;
    f.order = order.handle;
    f.order_id = order.handle.bits & 0xFFFFFFFFu;
    f.client_tag = order.request.client_tag;
    f.instrument = order.request.instrument;
    f.side = order.request.side;
    f.liquidity =
        order.request.type == KEEL_ORDER_MARKET ? KEEL_LIQUIDITY_TAKER : KEEL_LIQUIDITY_MAKER;
    f.quantity = quantity;
    f.price = price;
    check(call(factory_->strategy.on_fill, &f), "on_fill");
  }
  void update(const SubmittedOrder& order, int32_t state, double filled = 0,
              const char* reason = "") {
    keel_order_update_t u{};
    u.ts = fake_->time;
    u.order = order.handle;
    u.order_id = order.handle.bits & 0xFFFFFFFFu;
    u.client_tag = order.request.client_tag;
    u.instrument = order.request.instrument;
    u.state = state;
    u.filled_quantity = filled;
    u.remaining_quantity = order.request.quantity - filled;
    u.reason = reason;
    check(call(factory_->strategy.on_order_update, &u), "on_order_update");
  }
  // The whole order filled: PENDING and ACCEPTED were delivered earlier or
  // not at all; the fill, then the terminal update.
  void fill_completely(const SubmittedOrder& order, double price) {
    fill(order, order.request.quantity, price);
    update(order, KEEL_ORDER_FILLED, order.request.quantity);
  }
  void stop() {
    check(factory_->strategy.on_stop(instance_, fake_->time, &last_error_), "on_stop");
  }

 private:
  template <class Fn, class Event>
  keel_status_t call(Fn fn, const Event* event) {
    EXPECT_NE(fn, nullptr);
    if (fn == nullptr) return KEEL_ERR_UNSUPPORTED;
    keel_error_clear(&last_error_);
    return fn(instance_, event, &last_error_);
  }
  void check(keel_status_t status, const char* what) {
    EXPECT_EQ(status, KEEL_OK) << what << ": " << keel_status_name(status) << ": "
                               << last_error_.message;
  }

  const Factory* factory_ = nullptr;
  FakeHost* fake_ = nullptr;
  void* instance_ = nullptr;
  std::vector<keel_instrument_id_t> instruments_;
  keel_error_t last_error_{};
};

// A fixture base: a real engine Host that searches the build's plugin folder.
class StrategyPluginTest : public ::testing::Test {
 protected:
  void SetUp() override { host_.registry().add_search_folder(KEEL_TEST_PLUGIN_DIR); }

  // Expects create() to fail with `code` and a message containing `fragment`.
  void expect_create_fails(const std::string& factory_id, const std::string& params,
                           keel_status_t code, const std::string& fragment) {
    FakeHost fake;
    StrategyUnderTest strategy;
    Status status = strategy.create(host_, factory_id, params, fake);
    EXPECT_EQ(status.code(), code) << params << " -> " << status.message();
    EXPECT_NE(status.message().find(fragment), std::string::npos)
        << params << " -> " << status.message();
    EXPECT_FALSE(strategy.created());
  }

  Host host_;
};

}  // namespace keel::test
