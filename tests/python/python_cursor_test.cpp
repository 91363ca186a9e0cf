// The Python adapter's batch cursor at the ABI level: during on_events, a
// host call made while the strategy handles events[i] finds i at the
// address the events_consumed extension gives (keel/strategy.h,
// batch_cursor), for the adapter's per-event loop and for a vectorised
// callback that moves the cursor with batch_at. The host here is a fake
// keel_host_t: the adapter must need nothing else of keel's.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/plugin/plugin_registry.hpp"
#include "engine/python/python_strategy.hpp"
#include "keel/keel.h"

namespace {

struct FakeHost {
  keel_host_t table{};
  const size_t* cursor = nullptr;  // the strategy's, once known
  std::vector<size_t> seen;        // the cursor at each account_get
};

FakeHost* fake(const keel_host_t* host) { return static_cast<FakeHost*>(host->host_data); }

void make_table(FakeHost& f) {
  keel_host_t& t = f.table;
  t.struct_size = sizeof t;
  t.abi_major = KEEL_ABI_VERSION_MAJOR;
  t.abi_minor = KEEL_ABI_VERSION_MINOR;
  t.host_name = "fake";
  t.host_version = "0";
  t.host_data = &f;
  t.log = [](const keel_host_t*, int32_t, const char*) {};
  t.now = [](const keel_host_t*) -> keel_timestamp_t { return 0; };
  t.account_get = [](const keel_host_t* host, keel_account_t* out, keel_error_t*) -> keel_status_t {
    FakeHost& self = *fake(host);
    self.seen.push_back(self.cursor != nullptr ? *self.cursor : SIZE_MAX);
    *out = keel_account_t{};
    return KEEL_OK;
  };
}

std::vector<keel_event_t> bars(size_t n) {
  std::vector<keel_event_t> events(n);
  for (size_t i = 0; i < n; ++i) {
    events[i].kind = KEEL_EVENT_BAR;
    events[i].as.bar.ts = static_cast<keel_timestamp_t>(1000 + i);
    events[i].as.bar.close = 100.0 + static_cast<double>(i);
  }
  return events;
}

std::vector<size_t> cursors_seen(const char* class_name, size_t n) {
  keel_host_t load_host{};
  keel::PluginRegistry registry(&load_host);
  keel::PythonStrategySpec spec{KEEL_TEST_SCRIPTS "/cursor.py", class_name, "/strategies/0"};
  auto factory = keel::python::python_strategy_factory(registry, spec);
  EXPECT_TRUE(factory) << factory.status().message();
  if (!factory) return {};
  const keel::Factory& f = **factory;

  FakeHost host;
  make_table(host);
  void* instance = nullptr;
  keel_error_t err{};
  EXPECT_EQ(f.create("{}", &host.table, &instance, &err), KEEL_OK) << err.message;
  if (instance == nullptr) return {};
  const auto* ext = static_cast<const keel_strategy_events_consumed_ext_t*>(
      f.strategy.get_extension(instance, KEEL_STRATEGY_EXT_EVENTS_CONSUMED));
  EXPECT_NE(ext, nullptr);
  EXPECT_TRUE(KEEL_HAS_MEMBER(ext, keel_strategy_events_consumed_ext_t, batch_cursor));
  if (ext == nullptr || !KEEL_HAS_MEMBER(ext, keel_strategy_events_consumed_ext_t, batch_cursor) ||
      ext->batch_cursor == nullptr) {
    EXPECT_EQ(f.drop(instance, &err), KEEL_OK);
    return {};
  }
  host.cursor = ext->batch_cursor(instance);

  const std::vector<keel_event_t> events = bars(n);
  EXPECT_EQ(f.strategy.on_events(instance, events.data(), events.size(), &err), KEEL_OK)
      << err.message;
  EXPECT_EQ(ext->events_consumed(instance), n);
  EXPECT_EQ(ext->batch_cursor(instance), host.cursor) << "the address is the instance's for life";
  EXPECT_EQ(f.drop(instance, &err), KEEL_OK) << err.message;
  return host.seen;
}

TEST(PythonBatchCursor, ThePerEventLoopSetsTheCursorBeforeEachEvent) {
  EXPECT_EQ(cursors_seen("PerEvent", 5), (std::vector<size_t>{0, 1, 2, 3, 4}));
}

TEST(PythonBatchCursor, BatchAtSetsTheCursorTheHostReads) {
  EXPECT_EQ(cursors_seen("Vectorised", 5), (std::vector<size_t>{4, 3, 2, 1, 0}));
}

}  // namespace
