// The OCaml SDK's C glue (sdk/ocaml/keel_ocaml_glue.c) through the real
// host: OCaml plugins load with one export, create/drop honour strict
// params, events cross into OCaml (one crossing per span with on_events),
// host-table calls work from OCaml, two OCaml runtimes live in one process,
// concurrent calls are serialised, and an OCaml exception becomes a status
// with its text that poisons the plugin.
//
// The glue's poisoned flag lives as long as the process (the plugin is
// never unloaded), so the poisoning test is the last one in this file; ctest
// runs every test in a process of its own anyway.
#include <gtest/gtest.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/host/host.hpp"
#include "engine/plugin/elf_exports.hpp"
#include "tests/cli/keel_process.hpp"

namespace keel {
namespace {

keel_option_t option(double spot, double strike, double expiry, double vol, double rate,
                     int32_t right = KEEL_RIGHT_CALL, int32_t exercise = KEEL_EXERCISE_EUROPEAN) {
  return keel_option_t{spot, strike, expiry, vol, rate, 0.0, right, exercise};
}

class OcamlSdk : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.registry().add_search_folder(KEEL_TEST_OCAML_DIR);
    host_.registry().add_search_folder(KEEL_TEST_PLUGIN_DIR);
  }
  std::shared_ptr<ModelInstance> model(const std::string& factory, const std::string& params) {
    Result<keel_model_handle_t> handle = host_.create_model(factory, params, "model '" + factory + "'");
    EXPECT_TRUE(handle) << handle.status().message();
    if (!handle) return nullptr;
    return *host_.model(*handle);
  }
  Host host_;
};

// ---- a host table that records what the OCaml strategy logs -----------------

std::mutex journal_mutex;
std::vector<std::string> journal;

void record_log(const keel_host_t*, int32_t, const char* message) {
  std::lock_guard lock(journal_mutex);
  journal.emplace_back(message);
}
keel_timestamp_t fixed_now(const keel_host_t*) { return 1234; }
keel_status_t find_aapl(const keel_host_t*, const char* symbol, keel_instrument_id_t* out,
                        keel_error_t* err) {
  if (std::string(symbol) == "AAPL") {
    *out = 3;
    return KEEL_OK;
  }
  return keel_error_set(err, KEEL_ERR_NOT_FOUND, "no instrument '%s'", symbol);
}

keel_host_t recording_host() {
  keel_host_t host{};
  host.struct_size = sizeof(keel_host_t);
  host.abi_major = KEEL_ABI_VERSION_MAJOR;
  host.abi_minor = KEEL_ABI_VERSION_MINOR;
  host.host_name = "test";
  host.host_version = "0";
  host.log = &record_log;
  host.now = &fixed_now;
  host.instrument_find = &find_aapl;
  return host;  // every other member NULL: the OCaml side gets Unsupported
}

std::vector<std::string> take_journal() {
  std::lock_guard lock(journal_mutex);
  std::vector<std::string> out;
  out.swap(journal);
  return out;
}

TEST_F(OcamlSdk, PluginsExportOnlyTheEntryAndInspect) {
  for (const std::string& file : {std::string(KEEL_TEST_PLUGIN_DIR) + "/keel_binomial.so",
                                 std::string(KEEL_TEST_PLUGIN_DIR) + "/keel_delta_hedger.so",
                                 std::string(KEEL_TEST_OCAML_DIR) + "/keel_test_ocaml_fault.so"}) {
    Result<std::vector<std::string>> exports = read_elf_exports(file);
    ASSERT_TRUE(exports) << exports.status().message();
    EXPECT_EQ(*exports, std::vector<std::string>{"keel_plugin_entry"}) << file;
    cli_test::KeelRun r = cli_test::run_keel({"plugin", "inspect", file});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_NE(r.out.find("OCaml 4."), std::string::npos) << r;
    EXPECT_NE(r.out.find("ocamlopt"), std::string::npos) << r;
  }
  cli_test::KeelRun r =
      cli_test::run_keel({"plugin", "inspect", std::string(KEEL_TEST_PLUGIN_DIR) + "/keel_delta_hedger.so"});
  EXPECT_NE(r.out.find("keel.delta_hedger  [keel.strategy/1]"), std::string::npos) << r;
}

TEST_F(OcamlSdk, CreateAndDropWithGoodAndBadParams) {
  auto scaled = model("keel_test.ocaml_fault", R"({"scale": 2.5})");
  ASSERT_TRUE(scaled);
  EXPECT_DOUBLE_EQ(scaled->price(option(4, 100, 1, 0.2, 0.01))->price, 10.0);
  struct Case {
    const char* params;
    const char* expected;
  };
  for (const Case& c : {Case{R"({"scael": 2})", "/scael: unknown param; did you mean 'scale'? (known: scale)"},
                        Case{R"({"scale": "big"})", "/scale: expected a finite number, got \"big\""},
                        Case{R"({"scale": 1} x)", "params are not valid JSON: at byte 13: trailing characters after the JSON value"},
                        Case{"\"str\"", "params must be a JSON object, got \"str\""}}) {
    Result<keel_model_handle_t> bad = host_.create_model("keel_test.ocaml_fault", c.params, "model 'bad'");
    ASSERT_FALSE(bad) << c.params;
    EXPECT_EQ(bad.status().code(), KEEL_ERR_INVALID_ARGUMENT);
    EXPECT_NE(bad.status().message().find(c.expected), std::string::npos)
        << c.params << " -> " << bad.status().message();
  }
  // A Keel.Error from plugin code is a status, not a fault.
  Result<keel_greeks_t> negative = scaled->price(option(-1, 100, 1, 0.2, 0.01));
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.status().code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_NE(negative.status().message().find("spot: expected >= 0, got -1"), std::string::npos);
  EXPECT_FALSE(scaled->plugin().poisoned());
  EXPECT_TRUE(scaled->drop());
  EXPECT_EQ(scaled->drop().code(), KEEL_ERR_STALE_HANDLE);
}

TEST_F(OcamlSdk, OptionFieldsCrossIntact) {
  auto m = model("keel_test.ocaml_fault", "{}");
  const keel_greeks_t g = *m->price(option(3, 101, 0.75, 0.33, 0.02, KEEL_RIGHT_PUT, KEEL_EXERCISE_AMERICAN));
  EXPECT_EQ(g.price, 3);
  EXPECT_EQ(g.delta, 101);
  EXPECT_EQ(g.gamma, 0.75);
  EXPECT_EQ(g.vega, 0.33);
  EXPECT_EQ(g.theta, 0.02);
  EXPECT_EQ(g.rho, -10);
}

TEST_F(OcamlSdk, StrategyCallbacksAndHostCallsFromOcaml) {
  Result<const Factory*> factory = host_.registry().find_factory("keel_test.ocaml_journal");
  ASSERT_TRUE(factory) << factory.status().message();
  const Factory& f = **factory;
  ASSERT_NE(f.strategy.on_events, nullptr);
  const keel_host_t host = recording_host();
  take_journal();
  void* instance = nullptr;
  keel_error_t err{};
  ASSERT_EQ(f.create(R"({"label": "j1"})", &host, &instance, &err), KEEL_OK) << err.message;

  const keel_instrument_id_t instruments[] = {3, 5};
  const keel_strategy_start_t start{sizeof(keel_strategy_start_t), 0, 1000, "mine", 2, instruments};
  ASSERT_EQ(f.strategy.on_start(instance, &start, &err), KEEL_OK) << err.message;
  const keel_quote_t quote{2000, 3, 0, 99.5, 10, 100.5, 12};
  ASSERT_EQ(f.strategy.on_quote(instance, &quote, &err), KEEL_OK) << err.message;

  // One span: a trade (whose handler calls order_submit, absent here), a
  // fill, a rejected order update with its reason, and a quote (market
  // events are read in place by the OCaml side, the others built by the
  // glue).
  std::vector<keel_event_t> events(4);
  events[0].kind = KEEL_EVENT_TRADE;
  events[0].as.trade = keel_trade_t{3000, 3, 0, 101.25, 7};
  events[1].kind = KEEL_EVENT_FILL;
  events[1].as.fill = keel_fill_t{4000, {0}, 9, 42, 3, KEEL_SIDE_SELL, KEEL_LIQUIDITY_TAKER, 0, 5, 100.75, 0.1};
  events[2].kind = KEEL_EVENT_ORDER_UPDATE;
  events[2].as.order_update =
      keel_order_update_t{5000, {0}, 10, 43, 3, KEEL_ORDER_REJECTED, 0, 5, 0, "max position"};
  events[3].kind = KEEL_EVENT_QUOTE;
  events[3].as.quote = keel_quote_t{5500, 5, 0, 98.25, 1, 98.75, 2};
  ASSERT_EQ(f.strategy.on_events(instance, events.data(), events.size(), &err), KEEL_OK) << err.message;
  ASSERT_EQ(f.strategy.on_stop(instance, 6000, &err), KEEL_OK) << err.message;

  // A Keel.Error raised in a callback stops with its status, no fault.
  const keel_quote_t bad{7000, 3, 0, -1, 1, 1, 1};
  EXPECT_EQ(f.strategy.on_quote(instance, &bad, &err), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "bid: expected >= 0, got -1");
  EXPECT_EQ(f.drop(instance, &err), KEEL_OK);

  const std::vector<std::string> expected{
      "j1 start name=mine instruments=3,5 now=1234",
      "AAPL=3",
      "NOPE: not found: no instrument 'NOPE'",
      "quote ts=2000 instrument=3 bid=99.5 ask=100.5",
      "trade ts=3000 price=101.25 size=7",
      "submit: unsupported: this host has no order_submit",
      "fill ts=4000 sell 5@100.75 tag=42",
      "update ts=5000 state=rejected reason=max position",
      "quote ts=5500 instrument=5 bid=98.25 ask=98.75",
      "stop at=6000",
      "j1 dropped"};
  EXPECT_EQ(take_journal(), expected);
}

// The strategy's events_consumed extension (keel/strategy.h).
size_t (*events_consumed_of(const Factory& f, void* instance))(void*) {
  const auto* ext = static_cast<const keel_strategy_events_consumed_ext_t*>(
      f.strategy.get_extension(instance, KEEL_STRATEGY_EXT_EVENTS_CONSUMED));
  return ext != nullptr ? ext->events_consumed : nullptr;
}

TEST_F(OcamlSdk, AMalformedEventInASpanIsAnInvalidArgumentNotAFault) {
  Result<const Factory*> factory = host_.registry().find_factory("keel_test.ocaml_journal");
  ASSERT_TRUE(factory) << factory.status().message();
  const Factory& f = **factory;
  const keel_host_t host = recording_host();
  void* instance = nullptr;
  keel_error_t err{};
  ASSERT_EQ(f.create(R"({"label": "j2"})", &host, &instance, &err), KEEL_OK) << err.message;
  const auto consumed = events_consumed_of(f, instance);
  ASSERT_NE(consumed, nullptr);
  std::vector<keel_event_t> events(3);
  events[0].kind = KEEL_EVENT_QUOTE;
  events[0].as.quote = keel_quote_t{1000, 3, 0, 99.5, 10, 100.5, 12};
  events[1].kind = 99;
  events[2].kind = KEEL_EVENT_FILL;
  events[2].as.fill = keel_fill_t{4000, {0}, 9, 42, 3, 7, KEEL_LIQUIDITY_TAKER, 0, 5, 100.75, 0.1};
  EXPECT_EQ(f.strategy.on_events(instance, events.data(), events.size(), &err),
            KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "event 1: event of an unknown kind");
  EXPECT_EQ(consumed(instance), 2u) << "the failing event counts as reached";
  events[1] = events[0];  // now the fill's side (7) is the problem
  EXPECT_EQ(f.strategy.on_events(instance, events.data(), events.size(), &err),
            KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "event 2: fill with an unknown side or liquidity");
  EXPECT_EQ(consumed(instance), 3u);
  // Not a fault: the plugin still works.
  const keel_quote_t quote{5000, 3, 0, 99.5, 10, 100.5, 12};
  EXPECT_EQ(f.strategy.on_quote(instance, &quote, &err), KEEL_OK) << err.message;
  EXPECT_EQ(f.drop(instance, &err), KEEL_OK);
  take_journal();
}

// A strategy's error in the middle of a span: the engine reads how far it
// got (the failing event counts) and stops the strategy exactly there.
TEST_F(OcamlSdk, AFailedSpanReportsTheFailingEventAsConsumed) {
  Result<const Factory*> factory = host_.registry().find_factory("keel_test.ocaml_journal");
  ASSERT_TRUE(factory) << factory.status().message();
  const Factory& f = **factory;
  const keel_host_t host = recording_host();
  void* instance = nullptr;
  keel_error_t err{};
  ASSERT_EQ(f.create(R"({"label": "j3"})", &host, &instance, &err), KEEL_OK) << err.message;
  const auto consumed = events_consumed_of(f, instance);
  ASSERT_NE(consumed, nullptr);
  std::vector<keel_event_t> events(5);
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].kind = KEEL_EVENT_QUOTE;
    events[i].as.quote = keel_quote_t{static_cast<keel_timestamp_t>(1000 * (i + 1)), 3, 0, 99.5, 10,
                                      100.5, 12};
  }
  take_journal();
  ASSERT_EQ(f.strategy.on_events(instance, events.data(), events.size(), &err), KEEL_OK)
      << err.message;
  EXPECT_EQ(consumed(instance), 5u);
  events[3].as.quote.bid = -1;  // the journal strategy raises Keel.Error on a negative bid
  EXPECT_EQ(f.strategy.on_events(instance, events.data(), events.size(), &err),
            KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "bid: expected >= 0, got -1");
  EXPECT_EQ(consumed(instance), 4u);
  // A span that fails on its first event: 1.
  EXPECT_EQ(f.strategy.on_events(instance, events.data() + 3, 2, &err), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(consumed(instance), 1u);
  // Exactly the events before the failing one were handled, each time.
  const std::vector<std::string> journal = take_journal();
  EXPECT_EQ(std::count_if(journal.begin(), journal.end(),
                          [](const std::string& line) { return line.rfind("quote ts=", 0) == 0; }),
            5 + 3);
  EXPECT_FALSE(f.plugin->poisoned()) << "a Keel.Error is a status, not a fault";
  EXPECT_EQ(f.drop(instance, &err), KEEL_OK);
  take_journal();
}

// ---- ABI 1.1: factory contexts and the batch cursor -------------------------------

// Forty factories, past the 32 create thunks the glue once had: each is
// created through create_with_context with its own context, so factory NN's
// instance is NN's (its model prices everything at NN).
TEST(OcamlSdkFactories, MoreThan32FactoriesEachCreateTheirOwnInstance) {
  Host host;
  Result<PluginLibrary*> plugin = host.registry().load_file(KEEL_TEST_OCAML_MANY);
  ASSERT_TRUE(plugin) << plugin.status().message();
  ASSERT_EQ((*plugin)->factories().size(), 40u);
  for (int n : {0, 1, 31, 32, 33, 39}) {
    char id[64];
    std::snprintf(id, sizeof id, "keel_test.ocaml_many_%02d", n);
    SCOPED_TRACE(id);
    Result<keel_model_handle_t> handle = host.create_model(id, "{}", std::string("model ") + id);
    ASSERT_TRUE(handle) << handle.status().message();
    Result<std::shared_ptr<ModelInstance>> model = host.model(*handle);
    ASSERT_TRUE(model) << model.status().message();
    Result<keel_greeks_t> priced = (*model)->price(option(100, 100, 1, 0.2, 0.01));
    ASSERT_TRUE(priced) << priced.status().message();
    EXPECT_EQ(priced->price, n);
    EXPECT_TRUE(host.drop_model(*handle));
  }
}

// Its factories need create_with_context: a 1.0 host is refused, with a
// message in its log, rather than handed factories it cannot create from.
TEST(OcamlSdkFactories, AnAbi10HostIsRefusedWithAMessage) {
  void* library = dlopen(KEEL_TEST_OCAML_MANY, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(library, nullptr) << dlerror();
  const auto entry = reinterpret_cast<keel_entry_fn>(dlsym(library, KEEL_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  take_journal();
  keel_host_t host = recording_host();
  host.abi_minor = 0;
  EXPECT_EQ(entry(KEEL_ABI_VERSION_MAJOR, 0, &host), nullptr);
  const std::vector<std::string> logged = take_journal();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("needs a keel host of ABI 1.1"), std::string::npos) << logged[0];
  EXPECT_NE(entry(KEEL_ABI_VERSION_MAJOR, KEEL_ABI_VERSION_MINOR, &host), nullptr);
}

// The batch cursor (keel/strategy.h): during on_events, a host call the
// strategy makes while handling events[i] finds i at the cursor's address.
// The journal strategy logs every quote; the host's log reads the cursor.
const size_t* g_cursor = nullptr;
std::vector<size_t> g_cursors_seen;

void record_cursor(const keel_host_t*, int32_t, const char* message) {
  if (std::string(message).rfind("quote", 0) == 0) {
    g_cursors_seen.push_back(g_cursor != nullptr ? *g_cursor : SIZE_MAX);
  }
}

std::vector<size_t> cursors_during_a_span(const Factory& f) {
  keel_host_t host = recording_host();
  host.log = &record_cursor;
  void* instance = nullptr;
  keel_error_t err{};
  EXPECT_EQ(f.create(R"({"label": "c"})", &host, &instance, &err), KEEL_OK) << err.message;
  if (instance == nullptr) return {};
  const auto* ext = static_cast<const keel_strategy_events_consumed_ext_t*>(
      f.strategy.get_extension(instance, KEEL_STRATEGY_EXT_EVENTS_CONSUMED));
  EXPECT_TRUE(KEEL_HAS_MEMBER(ext, keel_strategy_events_consumed_ext_t, batch_cursor));
  if (!KEEL_HAS_MEMBER(ext, keel_strategy_events_consumed_ext_t, batch_cursor) ||
      ext->batch_cursor == nullptr) {
    EXPECT_EQ(f.drop(instance, &err), KEEL_OK);
    return {};
  }
  g_cursor = ext->batch_cursor(instance);
  g_cursors_seen.clear();
  std::vector<keel_event_t> events(5);
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].kind = KEEL_EVENT_QUOTE;
    events[i].as.quote =
        keel_quote_t{static_cast<keel_timestamp_t>(1000 + i), 3, 0, 99.5, 10, 100.5, 12};
  }
  EXPECT_EQ(f.strategy.on_events(instance, events.data(), events.size(), &err), KEEL_OK)
      << err.message;
  EXPECT_EQ(ext->events_consumed(instance), events.size());
  EXPECT_EQ(ext->batch_cursor(instance), g_cursor) << "the address is the instance's for life";
  EXPECT_EQ(f.drop(instance, &err), KEEL_OK);
  g_cursor = nullptr;
  return g_cursors_seen;
}

TEST_F(OcamlSdk, TheBatchCursorIsTheEventBeingHandled) {
  Result<const Factory*> factory = host_.registry().find_factory("keel_test.ocaml_journal");
  ASSERT_TRUE(factory) << factory.status().message();
  EXPECT_EQ(cursors_during_a_span(**factory), (std::vector<size_t>{0, 1, 2, 3, 4}));
  take_journal();
}

TEST(OcamlSdkPortableSpan, TheBatchCursorIsTheEventBeingHandled) {
  Host host;
  Result<PluginLibrary*> plugin = host.registry().load_file(KEEL_TEST_OCAML_PORTABLE);
  ASSERT_TRUE(plugin) << plugin.status().message();
  Result<const Factory*> factory = host.registry().find_factory("keel_test.ocaml_journal");
  ASSERT_TRUE(factory) << factory.status().message();
  EXPECT_EQ(cursors_during_a_span(**factory), (std::vector<size_t>{0, 1, 2, 3, 4}));
  take_journal();
}

// The glue's portable span path (an OCaml array built in C; big-endian
// machines take it), forced in keel_test_ocaml_fault_portable: a span that
// fails does so exactly where per-event delivery would, a malformed event
// included (the events before it are delivered first).
TEST(OcamlSdkPortableSpan, FailuresStopAtTheEventThatFailed) {
  Host host;
  Result<PluginLibrary*> plugin = host.registry().load_file(KEEL_TEST_OCAML_PORTABLE);
  ASSERT_TRUE(plugin) << plugin.status().message();
  Result<const Factory*> factory = host.registry().find_factory("keel_test.ocaml_journal");
  ASSERT_TRUE(factory) << factory.status().message();
  const Factory& f = **factory;
  const keel_host_t table = recording_host();
  void* instance = nullptr;
  keel_error_t err{};
  ASSERT_EQ(f.create(R"({"label": "p"})", &table, &instance, &err), KEEL_OK) << err.message;
  const auto consumed = events_consumed_of(f, instance);
  ASSERT_NE(consumed, nullptr);
  std::vector<keel_event_t> events(4);
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].kind = KEEL_EVENT_QUOTE;
    events[i].as.quote =
        keel_quote_t{static_cast<keel_timestamp_t>(1000 * (i + 1)), 3, 0, 99.5, 10, 100.5, 12};
  }
  take_journal();
  ASSERT_EQ(f.strategy.on_events(instance, events.data(), events.size(), &err), KEEL_OK)
      << err.message;
  EXPECT_EQ(consumed(instance), 4u);

  events[2].as.quote.bid = -1;  // a Keel.Error from the strategy on the third
  EXPECT_EQ(f.strategy.on_events(instance, events.data(), events.size(), &err),
            KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "bid: expected >= 0, got -1");
  EXPECT_EQ(consumed(instance), 3u);

  events[2].kind = 99;  // malformed third event: the first two are handled, then it fails
  EXPECT_EQ(f.strategy.on_events(instance, events.data(), events.size(), &err),
            KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "event 2: event of an unknown kind");
  EXPECT_EQ(consumed(instance), 3u);
  EXPECT_EQ(f.strategy.on_events(instance, events.data() + 2, 2, &err), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "event 0: event of an unknown kind");
  EXPECT_EQ(consumed(instance), 1u);

  const std::vector<std::string> journal = take_journal();
  EXPECT_EQ(std::count_if(journal.begin(), journal.end(),
                          [](const std::string& line) { return line.rfind("quote ts=", 0) == 0; }),
            4 + 2 + 2)
      << "every event before a failing one was handled, once per span";
  EXPECT_FALSE((*plugin)->poisoned());
  EXPECT_EQ(f.drop(instance, &err), KEEL_OK);
}

// ---- order-book depth (ABI 1.2) ---------------------------------------------------
// keel_test.ocaml_book (~wants_book:true) logs each book update and the top
// two bids that Keel.Host.book_levels reads from this fake host's book.

keel_status_t fake_book_levels(const keel_host_t*, keel_instrument_id_t instrument, int32_t side,
                               keel_book_level_t* out, size_t max_levels, size_t* out_count,
                               keel_error_t* err) {
  if (instrument != 3) {
    return keel_error_set(err, KEEL_ERR_NOT_FOUND, "no instrument %u", instrument);
  }
  static const keel_book_level_t bids[] = {{99.5, 10}, {99.0, 20}, {98.5, 30}};
  static const keel_book_level_t asks[] = {{100.5, 1}};
  const keel_book_level_t* book = side == KEEL_BOOK_BID ? bids : asks;
  const size_t depth = side == KEEL_BOOK_BID ? 3 : 1;
  *out_count = std::min(depth, max_levels);
  std::copy(book, book + *out_count, out);
  return KEEL_OK;
}

keel_host_t book_host() {
  keel_host_t host = recording_host();
  host.book_levels = &fake_book_levels;
  return host;
}

keel_event_t book_event(keel_timestamp_t ts, keel_instrument_id_t instrument, int32_t side,
                        double price, double size) {
  keel_event_t event{};
  event.kind = KEEL_EVENT_BOOK;
  event.as.book = keel_book_update_t{ts, instrument, side, price, size, ts - 5};
  return event;
}

// What keel_test.ocaml_book logs for a quote, a book update per member,
// and a span of both; and a malformed book event in a span.
std::vector<std::string> book_journal(const Factory& f) {
  EXPECT_NE(f.strategy.on_book, nullptr);
  const keel_host_t host = book_host();
  void* instance = nullptr;
  keel_error_t err{};
  EXPECT_EQ(f.create("{}", &host, &instance, &err), KEEL_OK) << err.message;
  if (instance == nullptr) return {};
  take_journal();
  const keel_book_update_t one{1000, 3, KEEL_BOOK_ASK, 100.5, 1, 990};
  EXPECT_EQ(f.strategy.on_book(instance, &one, &err), KEEL_OK) << err.message;
  std::vector<keel_event_t> span{book_event(2000, 3, KEEL_BOOK_BID, 99.5, 10),
                                 {},
                                 book_event(3000, 7, KEEL_BOOK_BID, 98.0, 0)};
  span[1].kind = KEEL_EVENT_QUOTE;
  span[1].as.quote = keel_quote_t{2500, 3, 0, 99.5, 10, 100.5, 1};
  EXPECT_EQ(f.strategy.on_events(instance, span.data(), span.size(), &err), KEEL_OK) << err.message;
  EXPECT_EQ(events_consumed_of(f, instance)(instance), 3u);
  span[1] = book_event(2600, 3, 2, 99.0, 1);  // neither bid nor ask
  EXPECT_EQ(f.strategy.on_events(instance, span.data(), span.size(), &err),
            KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "event 1: book update with an unknown side");
  EXPECT_EQ(events_consumed_of(f, instance)(instance), 2u);
  EXPECT_EQ(f.drop(instance, &err), KEEL_OK);
  return take_journal();
}

const std::vector<std::string> kBookJournal = {
    "book ts=1000 instrument=3 ask 100.5 x 1 exch_ts=990",
    "bids 99.5x10 99x20",
    "book ts=2000 instrument=3 bid 99.5 x 10 exch_ts=1995",
    "bids 99.5x10 99x20",
    "quote ts=2500",
    "book ts=3000 instrument=7 bid 98 x 0 exch_ts=2995",
    "bids: not found: no instrument 7",
    "book ts=2000 instrument=3 bid 99.5 x 10 exch_ts=1995",  // the span with the bad event
    "bids 99.5x10 99x20",
};

TEST_F(OcamlSdk, OnBookIsInTheTableOnlyForAStrategyThatWantsTheBook) {
  Result<const Factory*> journal = host_.registry().find_factory("keel_test.ocaml_journal");
  ASSERT_TRUE(journal) << journal.status().message();
  EXPECT_EQ((*journal)->strategy.on_book, nullptr) << "no book events for it, in spans neither";
  Result<const Factory*> book = host_.registry().find_factory("keel_test.ocaml_book");
  ASSERT_TRUE(book) << book.status().message();
  EXPECT_NE((*book)->strategy.on_book, nullptr);
}

TEST_F(OcamlSdk, BookUpdatesReachOnBookAndBookLevelsReadsTheHostsBook) {
  Result<const Factory*> factory = host_.registry().find_factory("keel_test.ocaml_book");
  ASSERT_TRUE(factory) << factory.status().message();
  EXPECT_EQ(book_journal(**factory), kBookJournal);
}

TEST(OcamlSdkPortableSpan, BookUpdatesReachOnBook) {
  Host host;
  Result<PluginLibrary*> plugin = host.registry().load_file(KEEL_TEST_OCAML_PORTABLE);
  ASSERT_TRUE(plugin) << plugin.status().message();
  Result<const Factory*> factory = host.registry().find_factory("keel_test.ocaml_book");
  ASSERT_TRUE(factory) << factory.status().message();
  EXPECT_EQ(book_journal(**factory), kBookJournal);
}

TEST_F(OcamlSdk, BookLevelsFromAHostOlderThanAbi12IsUnsupported) {
  Result<const Factory*> factory = host_.registry().find_factory("keel_test.ocaml_book");
  ASSERT_TRUE(factory) << factory.status().message();
  const Factory& f = **factory;
  keel_host_t host = book_host();
  host.struct_size = offsetof(keel_host_t, book_levels);  // a 1.1 host's table ends here
  void* instance = nullptr;
  keel_error_t err{};
  ASSERT_EQ(f.create("{}", &host, &instance, &err), KEEL_OK) << err.message;
  take_journal();
  const keel_book_update_t update{1000, 3, KEEL_BOOK_BID, 99.5, 10, 1000};
  EXPECT_EQ(f.strategy.on_book(instance, &update, &err), KEEL_OK) << err.message;
  EXPECT_EQ(
      take_journal(),
      (std::vector<std::string>{
          "book ts=1000 instrument=3 bid 99.5 x 10 exch_ts=1000",
          "bids: unsupported: this host has no book_levels (order books came with keel ABI 1.2)"}));
  EXPECT_EQ(f.drop(instance, &err), KEEL_OK);
}

// A whole `keel run` with depth data: keel_test.ocaml_book gets every book
// update and reads the venue's book as of each (the two updates at ts 100
// arrive in one span: the second sees the first, not the later ones).
TEST(OcamlSdkDepthRun, AStrategySeesTheBookOfADepthRun) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                    ("keel_ocaml_depth_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "quotes.csv") << "ts,instrument,bid,bid_size,ask,ask_size\n"
                                       "50,AAPL,99.4,1,100.6,1\n"
                                       "250,AAPL,99.4,1,100.6,1\n";
  std::ofstream(dir / "depth.csv") << "ts,instrument,side,price,size,exch_ts\n"
                                      "100,AAPL,bid,99.5,10,95\n"
                                      "100,AAPL,ask,100.5,5,96\n"
                                      "200,AAPL,bid,99.75,3,190\n"
                                      "300,AAPL,BID,99.75,0,290\n";
  std::ofstream(dir / "run.json") << R"({
  "run": {"name": "ocaml_depth"},
  "instruments": [{"id": "AAPL", "kind": "equity"}],
  "data": [{"path": "quotes.csv", "format": "quotes"}, {"path": "depth.csv", "format": "depth"}],
  "strategies": [{"name": "b", "factory": "keel_test.ocaml_book", "instruments": ["AAPL"]}],
  "output": {"dir": "out"}
})";
  const cli_test::KeelRun r = cli_test::run_keel({"--log-level", "info", "--plugin-path",
                                                  KEEL_TEST_OCAML_DIR, "run",
                                                  (dir / "run.json").string()});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.exit_code, 0) << r;
  std::vector<std::string> seen;
  std::istringstream lines(r.err);
  for (std::string line; std::getline(lines, line);) {
    const size_t at = line.find("[strategy 'b'] ");
    if (at != std::string::npos && line.find("quote", at) == std::string::npos) {
      std::string what = line.substr(at + 15);
      const size_t instrument = what.find(" instrument=");  // the run's id, not asserted
      if (instrument != std::string::npos) what.erase(instrument, what.find(' ', instrument + 1) - instrument);
      seen.push_back(what);
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "book ts=100 bid 99.5 x 10 exch_ts=95",
                      "bids 99.5x10",
                      "book ts=100 ask 100.5 x 5 exch_ts=96",
                      "bids 99.5x10",
                      "book ts=200 bid 99.75 x 3 exch_ts=190",
                      "bids 99.75x3 99.5x10",
                      "book ts=300 bid 99.75 x 0 exch_ts=290",
                      "bids 99.5x10",
                  }))
      << r;
}

TEST_F(OcamlSdk, TwoOcamlRuntimesInOneProcess) {
  auto tree = model("keel.binomial", R"({"steps": 64})");
  auto fake = model("keel_test.ocaml_fault", "{}");
  ASSERT_TRUE(tree && fake);
  EXPECT_NE(&tree->plugin(), &fake->plugin());
  const double reference = tree->price(option(100, 100, 1, 0.2, 0.05))->price;
  for (int i = 0; i < 50; ++i) {
    // Spot 7 compacts the fault plugin's heap between the tree's calls.
    EXPECT_EQ(fake->price(option(7, 1, 1, 0.2, 0.0))->price, 7);
    EXPECT_DOUBLE_EQ(tree->price(option(100, 100, 1, 0.2, 0.05))->price, reference);
    EXPECT_EQ(fake->price(option(2 * i, 1, 1, 0.2, 0.0))->price, 2 * i);  // never 13
  }
}

TEST_F(OcamlSdk, ConcurrentCallsAreSerialised) {
  auto tree = model("keel.binomial", R"({"steps": 40})");
  auto fake = model("keel_test.ocaml_fault", "{}");
  ASSERT_TRUE(tree && fake);
  std::vector<double> expected;
  for (int k = 0; k < 8; ++k) expected.push_back(tree->price(option(90 + k, 100, 1, 0.25, 0.03))->price);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        const int k = (i + t) % 8;
        Result<keel_greeks_t> g = tree->price(option(90 + k, 100, 1, 0.25, 0.03));
        if (!g || g->price != expected[k]) ++wrong[t];
        const double spot = i % 5 == 0 ? 7 : 2 * i;  // 7 compacts; never 13 (the fault)
        Result<keel_greeks_t> h = fake->price(option(spot, 1, 1, 0.2, 0.0));
        if (!h || h->price != spot) ++wrong[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

// ---- stack overflow ---------------------------------------------------------------------
// keel_test.ocaml_fault recurses without bound on spot 99 (model) and on a
// quote with bid 99 (strategy). The glue turns the overflow into the OCaml
// exception Stack_overflow (keel_ocaml_runtime.c): a fault with a message
// that poisons the plugin, never a SIGSEGV of the host.

const char* const kOverflow =
    "uncaught OCaml exception Stack_overflow: the stack overflowed (unbounded or too deep "
    "recursion?)";

TEST(OcamlStackOverflow, InAModelKeelPriceExitsFourWithAMessage) {
  const cli_test::KeelRun r = cli_test::run_keel(
      {"--plugin-path", KEEL_TEST_OCAML_DIR, "price", "--model", "keel_test.ocaml_fault", "--spot",
       "99", "--strike", "100", "--expiry", "1", "--vol", "0.2"});
  EXPECT_FALSE(r.signaled) << r;
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_NE(r.err.find(kOverflow), std::string::npos) << r;
  EXPECT_NE(r.err.find("the plugin is now poisoned"), std::string::npos) << r;
}

TEST(OcamlStackOverflow, InAStrategyKeelRunExitsFourWithAMessage) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("keel-ocaml-overflow-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "quotes.csv") << "ts,instrument,bid,bid_size,ask,ask_size\n"
                                       "1704205800000000000,X,12,10,12.5,10\n"
                                       "1704205801000000000,X,99,10,99.5,10\n"
                                       "1704205802000000000,X,12,10,12.5,10\n";
  std::ofstream(dir / "run.json") << R"({
    "run": {"name": "overflow"},
    "instruments": [{"id": "X", "kind": "equity"}],
    "data": [{"path": "quotes.csv", "format": "quotes"}],
    "strategies": [{"name": "o", "factory": "keel_test.ocaml_journal", "instruments": ["X"]}],
    "output": {"dir": "out"}
  })";
  const cli_test::KeelRun r =
      cli_test::run_keel({"--plugin-path", KEEL_TEST_OCAML_DIR, "run", (dir / "run.json").string()});
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  EXPECT_FALSE(r.signaled) << r;
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_NE((r.out + r.err).find(kOverflow), std::string::npos) << r;
}

// A thread of the host's own (not the one that started the runtime: a
// smaller stack, with a guard page), in a child process so that the
// poisoning stays there. The other OCaml plugin is unaffected.
TEST(OcamlStackOverflow, OnAnotherHostThreadTooAndOtherPluginsCarryOn) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Host host;
        host.registry().add_search_folder(KEEL_TEST_OCAML_DIR);
        host.registry().add_search_folder(KEEL_TEST_PLUGIN_DIR);
        Result<keel_model_handle_t> fault = host.create_model("keel_test.ocaml_fault", "{}", "f");
        Result<keel_model_handle_t> tree = host.create_model("keel.binomial", "{}", "t");
        if (!fault || !tree) std::_Exit(10);
        std::shared_ptr<ModelInstance> model = *host.model(*fault);
        Status outcome;
        std::thread([&] {
          Result<keel_greeks_t> g = model->price(option(99, 100, 1, 0.2, 0.01));
          outcome = g ? Status::ok() : g.status();
        }).join();
        if (outcome.code() != KEEL_ERR_PLUGIN_FAULT) std::_Exit(11);
        if (outcome.message().find(kOverflow) == std::string::npos) std::_Exit(12);
        if (!model->plugin().poisoned()) std::_Exit(13);
        if (!(*host.model(*tree))->price(option(100, 100, 1, 0.2, 0.05))) std::_Exit(14);
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

// Every other SIGSEGV still reaches the handler that was there before the
// plugin loaded (here a stand-in for the host's or a sanitizer's).
void host_segv_handler(int) { std::_Exit(42); }

TEST(OcamlStackOverflow, OtherFaultsStillReachTheHostsHandler) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        struct sigaction host_action {};
        host_action.sa_handler = host_segv_handler;
        sigemptyset(&host_action.sa_mask);
        sigaction(SIGSEGV, &host_action, nullptr);
        Host host;
        host.registry().add_search_folder(KEEL_TEST_OCAML_DIR);
        if (!host.create_model("keel_test.ocaml_fault", "{}", "f")) std::_Exit(10);
        volatile uintptr_t nowhere = 16;  // unmapped; not NULL, which UBSan would catch first
        *reinterpret_cast<volatile int*>(nowhere) = 1;  // a host bug, not an OCaml stack overflow
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(42), "");
}

// Last in the file: it poisons the test plugin for the rest of the process.
TEST_F(OcamlSdk, ExceptionBecomesStatusWithItsTextAndPoisons) {
  auto m = model("keel_test.ocaml_fault", "{}");
  auto tree = model("keel.binomial", R"({"steps": 16})");
  ASSERT_TRUE(m && tree);
  Result<keel_greeks_t> g = m->price(option(13, 100, 1, 0.2, 0.01));
  ASSERT_FALSE(g);
  EXPECT_EQ(g.status().code(), KEEL_ERR_PLUGIN_FAULT);
  const std::string& message = g.status().message();
  EXPECT_NE(message.find("uncaught OCaml exception Failure(\"unlucky spot from OCaml\")"),
            std::string::npos) << message;
  EXPECT_NE(message.find("/tests/ocaml/fault_plugin.ml:"), std::string::npos) << message;  // file:line
  EXPECT_TRUE(m->plugin().poisoned());

  // The host calls nothing but drops now; the glue refuses on its own too.
  Result<keel_greeks_t> after = m->price(option(1, 100, 1, 0.2, 0.01));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.status().code(), KEEL_ERR_POISONED);
  const Factory& f = m->factory();
  keel_error_t err{};
  keel_greeks_t out{};
  void* instance = nullptr;
  const keel_host_t host = recording_host();
  EXPECT_EQ(f.create("{}", &host, &instance, &err), KEEL_ERR_POISONED);
  EXPECT_NE(std::string(err.message).find("plugin 'keel_test.ocaml_fault' is poisoned by an earlier fault: "
                                          "uncaught OCaml exception Failure"),
            std::string::npos) << err.message;
  (void)out;
  // The other OCaml plugin, with its own runtime, is untouched.
  EXPECT_FALSE(tree->plugin().poisoned());
  EXPECT_TRUE(tree->price(option(100, 100, 1, 0.2, 0.05)));
  EXPECT_TRUE(m->drop());
}

// An exception in on_book is a fault like in any member. On the portable
// build of the test plugin (a library of its own, with its own poisoned
// flag), after the test above that poisons the other.
TEST(OcamlSdkPortableSpan, AnExceptionInOnBookIsAFaultThatPoisons) {
  Host host;
  Result<PluginLibrary*> plugin = host.registry().load_file(KEEL_TEST_OCAML_PORTABLE);
  ASSERT_TRUE(plugin) << plugin.status().message();
  Result<const Factory*> factory = host.registry().find_factory("keel_test.ocaml_book");
  ASSERT_TRUE(factory) << factory.status().message();
  const Factory& f = **factory;
  const keel_host_t table = book_host();
  void* instance = nullptr;
  keel_error_t err{};
  ASSERT_EQ(f.create("{}", &table, &instance, &err), KEEL_OK) << err.message;
  const keel_book_update_t unlucky{1000, 3, KEEL_BOOK_BID, 13, 10, 1000};
  EXPECT_EQ(f.strategy.on_book(instance, &unlucky, &err), KEEL_ERR_PLUGIN_FAULT);
  EXPECT_NE(
      std::string(err.message).find("uncaught OCaml exception Failure(\"unlucky book price\")"),
      std::string::npos)
      << err.message;
  // The glue refuses every later call but drop (the host's own flag is set
  // by the host's wrappers, not called here).
  const keel_book_update_t fine{2000, 3, KEEL_BOOK_BID, 99, 10, 2000};
  EXPECT_EQ(f.strategy.on_book(instance, &fine, &err), KEEL_ERR_POISONED);
  take_journal();
  EXPECT_EQ(f.drop(instance, &err), KEEL_OK);
}

}  // namespace
}  // namespace keel
