// keel_test.scripted — a strategy that does what its params script says and
// writes a journal of everything it receives, one line per callback, so
// engine tests can assert exactly what a strategy saw and when.
//
// params: {
//   "journal": "/path/journal.txt",
//   "actions": [ {"on": "bar", "n": 0, "do": "submit",
//                 "order": {"instrument": "AAPL", "side": "buy", "type": "limit",
//                           "tif": "gtc", "quantity": 10, "limit": 99.5, "stop": 0}},
//                {"on": "update", "n": 1, "do": "cancel", "order_index": 0},
//                {"on": "quote", "n": 3, "do": "timer", "delay_ns": 1000},
//                {"on": "trade", "n": 0, "do": "fail"},      // return an error
//                {"on": "bar", "n": 2, "do": "throw"},        // a fault
//                {"on": "bar", "n": 3, "do": "submit_from_thread", "order": {...}},
//                {"on": "quote", "n": 0, "do": "hammer_from_thread", "order": {...}},
//                {"on": "quote", "n": 0, "do": "book_levels", "instrument_id": 0,
//                 "side": 0, "max": 3, "null_out": false} ]
// }
// submit_from_thread sends the order from a thread it starts and joins
// within the callback (a [host-thread] breach, keel/host.h);
// hammer_from_thread starts a thread that keeps sending the order, and
// asking for the position and account, until the instance is dropped.
// book_levels calls the host's book_levels with those raw arguments and
// journals "book_levels -> ok count=N" or "book_levels -> <error>".
// "on" counts callbacks of that kind (0-based): start, quote, trade, bar,
// update, fill, timer, stop, book.
// "observe": true journals, after every market event, what the host says at
// that moment: now, the position in the event's instrument, the account.
// "observe_book": true journals, after every market event, the top 3 levels
// of each side of the event instrument's book (host book_levels):
//   "levels bid=P@S,P@S ask=P@S".
// keel_test.scripted has no on_book (it is given no book events);
// keel_test.scripted_book has one and journals
//   "book ts=T side=bid|ask price=P size=S exch_ts=E"  ("on": "book").
#include <atomic>
#include <cinttypes>
#include <cstddef>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "keel/sdk.hpp"

namespace {

using keel::sdk::Error;

const char* state_name(int32_t state) {
  static const char* names[] = {"pending",  "accepted", "partially_filled", "filled",
                                "canceled", "rejected", "expired"};
  return state >= 0 && state <= 6 ? names[state] : "?";
}

class Scripted : public keel::sdk::Strategy {
 public:
  static constexpr const char* kId = "keel_test.scripted";
  static constexpr const char* kDescription = "Test strategy: scripted actions and a journal";
  static constexpr const char* kParamsSchema = R"({"type":"object"})";

  Scripted(keel::sdk::Params& params, const keel::sdk::Host& host) : host_(host) {
    const std::string path = params.string("journal");
    journal_ = std::fopen(path.c_str(), "w");
    if (journal_ == nullptr)
      throw Error(KEEL_ERR_INVALID_ARGUMENT, "/journal: cannot write " + path);
    actions_ = params.value("actions", nlohmann::json::array());
    observe_ = params.value("observe", false);
    observe_book_ = params.value("observe_book", false);
  }
  // The time of the event being handled, as the host says.
  keel_timestamp_t now() const { return host_.now(); }

  // Orders sent or cancelled and timers set so far (by this thread).
  uint64_t actions() const { return actions_taken_; }
  template <class... Args>
  void journal(const char* format, Args... args) {
    log(format, args...);
  }

  ~Scripted() override {
    if (hammer_.joinable()) {
      stop_hammer_.store(true);
      hammer_.join();
      log("hammer accepted=%" PRIu64, hammer_accepted_.load());
    }
    if (journal_ != nullptr) std::fclose(journal_);
  }

  void on_start(const keel_strategy_start_t& s) override {
    log("start ts=%" PRId64 " instruments=%zu", s.start_time, s.instrument_count);
    act("start");
  }
  void on_quote(const keel_quote_t& q) override {
    log("quote ts=%" PRId64 " bid=%g ask=%g", q.ts, q.bid, q.ask);
    observe(q.instrument);
    act("quote");
  }
  void on_trade(const keel_trade_t& t) override {
    log("trade ts=%" PRId64 " price=%g size=%g", t.ts, t.price, t.size);
    observe(t.instrument);
    act("trade");
  }
  void on_bar(const keel_bar_t& b) override {
    log("bar ts=%" PRId64 " open=%g close=%g", b.ts, b.open, b.close);
    observe(b.instrument);
    act("bar");
  }
  void on_order_update(const keel_order_update_t& u) override {
    log("update ts=%" PRId64 " order=%" PRIu64 " state=%s filled=%g remaining=%g avg=%g reason=%s",
        u.ts, u.order_id, state_name(u.state), u.filled_quantity, u.remaining_quantity,
        u.average_fill_price, u.reason);
    act("update");
  }
  void on_fill(const keel_fill_t& f) override {
    log("fill ts=%" PRId64 " order=%" PRIu64 " side=%s qty=%g price=%g fee=%g liquidity=%s", f.ts,
        f.order_id, f.side == KEEL_SIDE_BUY ? "buy" : "sell", f.quantity, f.price, f.fee,
        f.liquidity == KEEL_LIQUIDITY_MAKER ? "maker" : "taker");
    act("fill");
  }
  void on_timer(const keel_timer_event_t& t) override {
    log("timer ts=%" PRId64 " cookie=%" PRIu64, t.ts, t.cookie);
    act("timer");
  }
  void on_stop(keel_timestamp_t at) override {
    log("stop ts=%" PRId64, at);
    act("stop");
  }
  // What on_book does in the subclasses that have it.
  void book_event(const keel_book_update_t& u) {
    log("book ts=%" PRId64 " side=%s price=%g size=%g exch_ts=%" PRId64, u.ts,
        u.side == KEEL_BOOK_BID ? "bid" : "ask", u.price, u.size, u.exch_ts);
    observe(u.instrument);
    act("book");
  }

 private:
  template <class... Args>
  void log(const char* format, Args... args) {
    std::fprintf(journal_, format, args...);
    std::fputc('\n', journal_);
    std::fflush(journal_);
  }

  void observe(keel_instrument_id_t instrument) {
    if (observe_book_) observe_levels(instrument);
    if (!observe_) return;
    const keel_position_t p = host_.position(instrument);
    const keel_account_t a = host_.account();
    log("seen now=%" PRId64
        " qty=%g avg=%.10g mark=%.10g upnl=%.10g cash=%.10g equity=%.10g "
        "gross=%.10g",
        now(), p.quantity, p.average_price, p.mark_price, p.unrealized_pnl, a.cash, a.equity,
        a.gross_notional);
  }

  void observe_levels(keel_instrument_id_t instrument) {
    std::string line = "levels";
    for (int32_t side : {KEEL_BOOK_BID, KEEL_BOOK_ASK}) {
      keel_book_level_t buffer[3];
      line += side == KEEL_BOOK_BID ? " bid=" : " ask=";
      const auto levels = host_.book_levels(instrument, side, buffer);
      for (size_t i = 0; i < levels.size(); ++i) {
        char level[64];
        std::snprintf(level, sizeof level, "%s%g@%g", i ? "," : "", levels[i].price,
                      levels[i].size);
        line += level;
      }
    }
    log("%s", line.c_str());
  }

  void act(const std::string& on) {
    const int64_t n = counts_[on]++;
    for (const auto& action : actions_) {
      if (action.value("on", "") != on || action.value("n", int64_t{-1}) != n) continue;
      const std::string what = action.value("do", "");
      if (what == "submit" || what == "cancel" || what == "timer") ++actions_taken_;
      if (what == "submit") {
        submit(action["order"]);
      } else if (what == "cancel") {
        const size_t index = action.value("order_index", size_t{0});
        try {
          host_.cancel(orders_.at(index));
          log("cancel order_index=%zu -> ok", index);
        } catch (const Error& e) {
          log("cancel order_index=%zu -> %s", index, e.what());
        }
      } else if (what == "timer") {
        host_.set_timer(now() + action.value("delay_ns", int64_t{0}),
                        action.value("cookie", uint64_t{7}));
      } else if (what == "submit_from_thread") {
        std::thread([&] { submit(action["order"]); }).join();
      } else if (what == "hammer_from_thread" && !hammer_.joinable()) {
        const keel_order_request_t request = make_request(action["order"]);
        hammer_ = std::thread([this, request] {
          while (!stop_hammer_.load()) {
            keel_order_handle_t handle{};
            keel_position_t position{};
            keel_account_t account{};
            const keel_host_t* host = host_.raw();
            keel_status_t status = host->order_submit(host, &request, &handle, nullptr);
            status |= host->position_get(host, request.instrument, &position, nullptr);
            status |= host->account_get(host, &account, nullptr);
            if (status != KEEL_ERR_WRONG_THREAD) hammer_accepted_.fetch_add(1);
          }
        });
      } else if (what == "book_levels") {
        keel_book_level_t levels[8];
        const size_t max = action.value("max", size_t{3});
        size_t count = 99;
        keel_error_t err{};
        const keel_host_t* host = host_.raw();
        const keel_status_t status = host->book_levels(
            host, action.value("instrument_id", keel_instrument_id_t{0}),
            action.value("side", int32_t{0}), action.value("null_out", false) ? nullptr : levels,
            max < 8 ? max : 8, &count, &err);
        if (status == KEEL_OK) {
          log("book_levels -> ok count=%zu", count);
        } else {
          log("book_levels -> %s: %s", keel_status_name(status), err.message);
        }
      } else if (what == "fail") {
        throw Error(KEEL_ERR_INVALID_ARGUMENT, "scripted failure on " + on);
      } else if (what == "throw") {
        throw std::runtime_error("scripted exception on " + on);
      }
    }
  }

  void submit(const nlohmann::json& o) {
    const keel_order_request_t r = make_request(o);
    try {
      orders_.push_back(host_.submit(r));
      log("submit -> ok");
    } catch (const Error& e) {
      orders_.push_back(keel_order_handle_t{KEEL_NULL_HANDLE});
      log("submit -> %s", e.what());
    }
  }

  keel_order_request_t make_request(const nlohmann::json& o) {
    keel_order_request_t r{};
    r.struct_size = sizeof r;
    r.instrument = host_.instrument(o.value("instrument", ""));
    r.side = o.value("side", "buy") == "buy" ? KEEL_SIDE_BUY : KEEL_SIDE_SELL;
    const std::string type = o.value("type", "market");
    r.type = type == "limit"        ? KEEL_ORDER_LIMIT
             : type == "stop"       ? KEEL_ORDER_STOP
             : type == "stop_limit" ? KEEL_ORDER_STOP_LIMIT
                                    : KEEL_ORDER_MARKET;
    const std::string tif = o.value("tif", "gtc");
    r.time_in_force = tif == "ioc" ? KEEL_TIF_IOC : tif == "fok" ? KEEL_TIF_FOK : KEEL_TIF_GTC;
    r.quantity = o.value("quantity", 0.0);
    r.limit_price = o.value("limit", 0.0);
    r.stop_price = o.value("stop", 0.0);
    r.client_tag = orders_.size();
    return r;
  }

  keel::sdk::Host host_;
  std::FILE* journal_ = nullptr;
  nlohmann::json actions_ = nlohmann::json::array();
  bool observe_ = false;
  bool observe_book_ = false;
  std::map<std::string, int64_t> counts_;
  std::vector<keel_order_handle_t> orders_;
  uint64_t actions_taken_ = 0;
  std::thread hammer_;
  std::atomic<bool> stop_hammer_{false};
  // Calls of the hammer thread that came back with anything but
  // KEEL_ERR_WRONG_THREAD (journalled at on_stop; must stay 0).
  std::atomic<uint64_t> hammer_accepted_{0};
};

class ScriptedBook final : public Scripted {
 public:
  static constexpr const char* kId = "keel_test.scripted_book";
  using Scripted::Scripted;
  void on_book(const keel_book_update_t& u) override { book_event(u); }
};

// keel_test.scripted_batched: the same strategy taking market events in
// spans (on_events + the events-consumed extension with a batch cursor), the
// way the Rust, OCaml and Python SDKs deliver them: each event through the
// per-event callback, the cursor set to it first, stopping after the event
// during which it acted; the count reaches the failing event when a
// callback fails. Each span is journalled as
//   "span count=N view=V"
// where V is 1 when the span starts where the last one's handled events
// ended in memory (a view into the host's buffer, not a new copy).
// keel_test.scripted_batched_10 keeps no cursor (a 1.0 extension).
// keel_test.scripted_batched_book also has on_book (book events in spans).
class ScriptedBatched final : public Scripted {
 public:
  static constexpr const char* kId = "keel_test.scripted_batched";
  static constexpr const char* kDescription = "Test strategy: scripted, taking batches";
  using Scripted::Scripted;
  size_t reached = 0;
  size_t cursor = 0;
  const keel_event_t* next_view = nullptr;  // where the last span's unhandled events began

  void span(const keel_event_t* events, size_t count) {
    journal("span count=%zu view=%d", count, events == next_view ? 1 : 0);
  }
};

using BatchedThunks = keel::sdk::detail::StrategyThunks<ScriptedBatched>;

void book_of(ScriptedBatched& s, const keel_book_update_t& u) { s.book_event(u); }
constexpr auto batched_on_book = &BatchedThunks::forward<keel_book_update_t, &book_of>;

keel_status_t batched_on_events(void* self, const keel_event_t* events, size_t count,
                                keel_error_t* err) {
  auto& s = *static_cast<ScriptedBatched*>(self);
  s.reached = 0;
  s.span(events, count);
  const keel_strategy_vtable_t& t = BatchedThunks::vtable;
  for (size_t i = 0; i < count; ++i) {
    s.reached = i + 1;
    s.cursor = i;
    s.next_view = events + i + 1;
    const uint64_t before = s.actions();
    keel_status_t status = KEEL_OK;
    switch (events[i].kind) {
      case KEEL_EVENT_QUOTE:
        status = t.on_quote(self, &events[i].as.quote, err);
        break;
      case KEEL_EVENT_TRADE:
        status = t.on_trade(self, &events[i].as.trade, err);
        break;
      case KEEL_EVENT_BAR:
        status = t.on_bar(self, &events[i].as.bar, err);
        break;
      case KEEL_EVENT_BOOK:
        status = batched_on_book(self, &events[i].as.book, err);
        break;
      default:
        return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "not a market event");
    }
    if (status != KEEL_OK || s.actions() != before) return status;
  }
  return KEEL_OK;
}

size_t batched_events_consumed(void* self) { return static_cast<ScriptedBatched*>(self)->reached; }
const size_t* batched_cursor(void* self) { return &static_cast<ScriptedBatched*>(self)->cursor; }

const keel_strategy_events_consumed_ext_t kEventsConsumed{
    sizeof(keel_strategy_events_consumed_ext_t), &batched_events_consumed, &batched_cursor};
// As a 1.0 plugin built it: the struct ends before batch_cursor.
const keel_strategy_events_consumed_ext_t kEventsConsumed10{
    offsetof(keel_strategy_events_consumed_ext_t, batch_cursor), &batched_events_consumed, nullptr};

const void* batched_get_extension(void* /*self*/, const char* id) {
  return std::string(id) == KEEL_STRATEGY_EXT_EVENTS_CONSUMED ? &kEventsConsumed : nullptr;
}
const void* batched_get_extension_10(void* /*self*/, const char* id) {
  return std::string(id) == KEEL_STRATEGY_EXT_EVENTS_CONSUMED ? &kEventsConsumed10 : nullptr;
}

keel_strategy_vtable_t batched_table(const void* (*get_extension)(void*, const char*),
                                     bool with_book = false) {
  keel_strategy_vtable_t t = BatchedThunks::vtable;
  t.on_events = &batched_on_events;
  t.get_extension = get_extension;
  t.on_book = with_book ? batched_on_book : nullptr;
  return t;
}
const keel_strategy_vtable_t kBatchedTable = batched_table(&batched_get_extension);
const keel_strategy_vtable_t kBatchedTable10 = batched_table(&batched_get_extension_10);
const keel_strategy_vtable_t kBatchedTableBook = batched_table(&batched_get_extension, true);

const keel_factory_t* batched_factory(const char* id, const keel_strategy_vtable_t* table) {
  // One static each.
  static keel_factory_t factories[3];
  keel_factory_t& f = factories[table == &kBatchedTable ? 0 : table == &kBatchedTable10 ? 1 : 2];
  f = keel_factory_t{sizeof(keel_factory_t),
                     0,
                     KEEL_KIND_STRATEGY,
                     id,
                     ScriptedBatched::kDescription,
                     ScriptedBatched::kParamsSchema,
                     &keel::sdk::detail::Lifecycle<ScriptedBatched>::create,
                     &keel::sdk::detail::Lifecycle<ScriptedBatched>::drop,
                     table};
  return &f;
}

}  // namespace

KEEL_PLUGIN((keel::sdk::PluginInfo{"keel_test.scripted", "Scripted test strategy", "1.0.0",
                                   "keel tests", "Does what its params say; journals callbacks."}),
            keel::sdk::strategy_factory<Scripted>(), keel::sdk::strategy_factory<ScriptedBook>(),
            batched_factory("keel_test.scripted_batched", &kBatchedTable),
            batched_factory("keel_test.scripted_batched_10", &kBatchedTable10),
            batched_factory("keel_test.scripted_batched_book", &kBatchedTableBook))
