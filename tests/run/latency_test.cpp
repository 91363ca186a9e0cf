// Latency models (engine/run/latency_model.hpp), latency files
// (engine/config/latency_config.hpp) and how the broker uses them: in-order
// delivery per strategy and feed latency from exchange timestamps. Expected
// draws were computed independently (a Python mt19937_64 checked against the
// standard's 10000th output, with the transforms latency_model.hpp states).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "engine/config/latency_config.hpp"
#include "engine/run/broker.hpp"
#include "engine/run/latency_model.hpp"
#include "tests/run/run_harness.hpp"

namespace keel::test {
namespace {

LatencyModelSpec uniform(int64_t min_ns, int64_t max_ns) {
  LatencyModelSpec s;
  s.kind = LatencyKind::uniform;
  s.min_ns = min_ns;
  s.max_ns = max_ns;
  return s;
}
LatencyModelSpec normal(double mean, double stddev, int64_t floor) {
  LatencyModelSpec s;
  s.kind = LatencyKind::normal;
  s.mean_ns = mean;
  s.stddev_ns = stddev;
  s.min_ns = floor;
  return s;
}
LatencyModelSpec lognormal(double median, double sigma) {
  LatencyModelSpec s;
  s.kind = LatencyKind::lognormal;
  s.median_ns = median;
  s.sigma = sigma;
  return s;
}
std::vector<int64_t> draws(LatencyModel& model, size_t n) {
  std::vector<int64_t> out(n);
  for (int64_t& x : out) x = model.draw(0);
  return out;
}
double mean_of(const std::vector<int64_t>& xs) {
  double sum = 0;
  for (int64_t x : xs) sum += double(x);
  return sum / double(xs.size());
}

// ---- models ----------------------------------------------------------------------------

TEST(RunLatencyModel, NoSpecIsTheVenueConstant) {
  LatencyModel model(nullptr, 1500, 42);
  EXPECT_EQ(draws(model, 3), (std::vector<int64_t>{1500, 1500, 1500}));
  LatencyModelSpec constant;
  constant.ns = 700;
  LatencyModel from_spec(&constant, 1500, 42);
  EXPECT_EQ(from_spec.draw(123), 700);
}

TEST(RunLatencyModel, UniformFirstDrawsAreFixedBySeedAndStayInBounds) {
  const LatencyModelSpec spec = uniform(100, 200);
  LatencyModel model(&spec, 0, 42);
  EXPECT_EQ(draws(model, 4), (std::vector<int64_t>{176, 164, 175, 113}));
  LatencyModel many(&spec, 0, 7);
  const std::vector<int64_t> xs = draws(many, 20000);
  EXPECT_EQ(*std::min_element(xs.begin(), xs.end()), 100);  // both ends occur
  EXPECT_EQ(*std::max_element(xs.begin(), xs.end()), 200);
  EXPECT_NEAR(mean_of(xs), 150.0, 1.0);  // sd of the mean ~0.2
}

TEST(RunLatencyModel, NormalFirstDrawsAreFixedBySeedAndMomentsMatch) {
  const LatencyModelSpec spec = normal(1000, 100, 0);
  LatencyModel model(&spec, 0, 42);
  EXPECT_EQ(draws(model, 4), (std::vector<int64_t>{892, 1109, 1179, 909}));
  LatencyModel many(&spec, 0, 7);
  const std::vector<int64_t> xs = draws(many, 20000);
  const double mean = mean_of(xs);
  double var = 0;
  for (int64_t x : xs) var += (double(x) - mean) * (double(x) - mean);
  EXPECT_NEAR(mean, 1000.0, 5.0);  // sd of the mean ~0.7
  EXPECT_NEAR(std::sqrt(var / double(xs.size())), 100.0, 5.0);
}

TEST(RunLatencyModel, NormalDrawsBelowTheFloorBecomeTheFloor) {
  const LatencyModelSpec spec = normal(100, 100, 50);
  LatencyModel model(&spec, 0, 3);
  const std::vector<int64_t> xs = draws(model, 5000);
  EXPECT_EQ(*std::min_element(xs.begin(), xs.end()), 50);
  // P(z < -0.5) = 0.309: about that share sits at the floor.
  const double at_floor = double(std::count(xs.begin(), xs.end(), 50)) / double(xs.size());
  EXPECT_NEAR(at_floor, 0.309, 0.03);
}

TEST(RunLatencyModel, LognormalFirstDrawsAreFixedBySeedAndMedianMatches) {
  const LatencyModelSpec spec = lognormal(1000, 0.5);
  LatencyModel model(&spec, 0, 43);  // a report model of run seed 42
  EXPECT_EQ(draws(model, 4), (std::vector<int64_t>{965, 896, 681, 1111}));
  LatencyModel many(&spec, 0, 7);
  std::vector<int64_t> xs = draws(many, 20000);
  EXPECT_NEAR(mean_of(xs), 1000.0 * std::exp(0.125), 1133.0 * 0.03);
  std::nth_element(xs.begin(), xs.begin() + 10000, xs.end());
  EXPECT_NEAR(double(xs[10000]), 1000.0, 30.0);
  EXPECT_GT(*std::min_element(xs.begin(), xs.end()), 0);
}

TEST(RunLatencyModel, FileInterpolatesBetweenRowsAndHoldsOutside) {
  const std::vector<LatencyPoint> points = {{1000, 100}, {2000, 300}, {2000, 500}, {4000, 100}};
  EXPECT_EQ(interpolate_latency(points, 0), 100);     // before the first row
  EXPECT_EQ(interpolate_latency(points, 1000), 100);  // at a row
  EXPECT_EQ(interpolate_latency(points, 1250), 150);  // between
  EXPECT_EQ(interpolate_latency(points, 1999), 300);  // 299.8
  EXPECT_EQ(interpolate_latency(points, 2000), 500);  // equal times: the last of them
  EXPECT_EQ(interpolate_latency(points, 3000), 300);
  EXPECT_EQ(interpolate_latency(points, 9000), 100);  // after the last row
  LatencyModelSpec spec;
  spec.kind = LatencyKind::file;
  spec.points = points;
  LatencyModel model(&spec, 0, 0);
  EXPECT_EQ(model.draw(3500), 200);
}

// ---- latency files -----------------------------------------------------------------------

std::filesystem::path write_file(const TempDir& dir, const std::string& text) {
  const std::filesystem::path path = dir.path() / "latency.csv";
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(RunLatencyFile, ReadsBothColumnsInAnyOrder) {
  TempDir dir;
  const auto path = write_file(dir, "report_ns,ts,order_ns\r\n7,1000,5\n\n9,2024-01-02,6\n");
  Result<LatencyFile> file = read_latency_file(path);
  ASSERT_TRUE(file) << file.status().message();
  ASSERT_EQ(file->order.size(), 2u);
  EXPECT_EQ(file->order[0].ts, 1000);
  EXPECT_EQ(file->order[0].ns, 5);
  EXPECT_EQ(file->report[0].ns, 7);
  EXPECT_EQ(file->order[1].ts, 1704153600000000000);
  EXPECT_EQ(file->report[1].ns, 9);
}

TEST(RunLatencyFile, BadRowsNameFileAndLine) {
  TempDir dir;
  const auto error = [&](const std::string& text) {
    const auto path = write_file(dir, text);
    Result<LatencyFile> file = read_latency_file(path);
    EXPECT_FALSE(file);
    std::string message = file ? "" : file.status().message();
    const std::string prefix = path.string() + ":";
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
    return message.substr(std::min(message.size(), prefix.size()));
  };
  EXPECT_EQ(error("ts,order_ns,report_ns\n1000,5,5\n2000,-1,5\n"),
            "3: order_ns '-1' is not an integer number of ns from 0 to 315360000000000000");
  EXPECT_EQ(error("ts,order_ns,report_ns\n2000,5,5\n1000,5,5\n"),
            "3: rows must be sorted by ts: 1970-01-01T00:00:00.000001Z comes after "
            "1970-01-01T00:00:00.000002Z");
  EXPECT_EQ(error("ts,order_ns\n1000,5\n"),
            "1: the header must name the columns ts, order_ns and report_ns, got 'ts,order_ns'");
  EXPECT_EQ(error("ts,order_ns,report_ns\n1000,5\n"),
            "2: expected 3 values (ts,order_ns,report_ns), got 2");
  EXPECT_EQ(error("ts,order_ns,report_ns\nnoon,5,5\n"),
            "2: ts 'noon' is not a time (ISO-8601 UTC or integer ns since the epoch)");
  EXPECT_EQ(error("ts,order_ns,report_ns\n"),
            "1: no rows after the header: a latency file needs one");
}

// ---- the broker: in-order delivery and feed latency ---------------------------------------

const std::string kQuotes = "ts,instrument,bid,bid_size,ask,ask_size";

// Order 1 is sent at 1000 and takes 5000 ns (arrives 6000); order 2, sent at
// 2000, draws only 100 ns but may not overtake it: it also arrives at 6000
// and fills at the 6000 quote, not at 3000.
TEST(RunLatency, AnOrderNeverOvertakesAnEarlierOneOfItsStrategy) {
  Scenario s;
  s.equity("AAPL");
  std::ofstream(s.folder() / "lat.csv") << "ts,order_ns,report_ns\n1000,5000,0\n2000,100,0\n";
  std::string rows;
  for (int t = 1000; t <= 8000; t += 1000) {
    rows += std::to_string(t) + ",AAPL," + std::to_string(100 + t / 1000) + ",1000," +
            std::to_string(101 + t / 1000) + ",1000\n";
  }
  s.data("quotes.csv", "quotes", kQuotes + "\n" + rows);
  s.venue()["latency"] = {{"order", {{"model", "file"}, {"path", "lat.csv"}}}};
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 1)),
              submit_on("quote", 1, order("AAPL", "buy", "market", 1))});
  const RunOutput out = s.execute();
  ASSERT_TRUE(out.ran) << (out.config_errors.empty() ? out.prepare.message()
                                                     : out.config_errors[0].message);
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_EQ(out.fills[0].ts, 6000);
  EXPECT_EQ(out.fills[0].price, 107);
  EXPECT_EQ(out.fills[1].ts, 6000);  // drawn: 2100, filling at 3000's ask 104
  EXPECT_EQ(out.fills[1].price, 107);
}

// Reports likewise: the fill at 2000 draws 5000 ns (reaches 7000), the fill
// at 3000 draws 100 ns but reaches the strategy after it, at 7000.
TEST(RunLatency, ReportsReachTheStrategyInTheOrderTheyLeft) {
  Scenario s;
  s.equity("AAPL");
  std::ofstream(s.folder() / "lat.csv") << "ts,order_ns,report_ns\n2000,0,5000\n3000,0,100\n";
  std::string rows;
  for (int t = 1000; t <= 9000; t += 1000) {
    rows += std::to_string(t) + ",AAPL,100,1000,101,1000\n";
  }
  s.data("quotes.csv", "quotes", kQuotes + "\n" + rows);
  s.venue()["latency"] = {{"report", {{"model", "file"}, {"path", "lat.csv"}}}};
  // Sent at 1000 and 2000 (order latency 0): each fills at the next quote.
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 1)),
              submit_on("quote", 1, order("AAPL", "buy", "market", 1))});
  const RunOutput out = s.execute();
  ASSERT_TRUE(out.ran);
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_EQ(out.fills[0].ts, 2000);
  EXPECT_EQ(out.fills[1].ts, 3000);
  const std::vector<std::string> fills = lines_with_prefix(out.journal(), "fill");
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].rfind("fill ts=7000 order=1", 0), 0u) << fills[0];
  EXPECT_EQ(fills[1].rfind("fill ts=7000 order=2", 0), 0u) << fills[1];
}

// The broker alone, fed a hand-built book event, for feed latency.
class NullClient final : public BrokerClient {
 public:
  void deliver_update(size_t, const keel_order_update_t& u) override { updates.push_back(u); }
  void deliver_fill(size_t, const keel_fill_t&) override {}
  void deliver_timer(size_t, const keel_timer_event_t&) override {}
  std::vector<keel_order_update_t> updates;
};

struct BrokerRig {
  explicit BrokerRig(const std::string& latency_json) {
    const std::string text = R"({"run": {"name": "feed"},
      "instruments": [{"id": "AAPL", "kind": "equity"}],
      "data": [{"path": "quotes.csv", "format": "quotes"}],
      "venue": {"latency": )" +
                             latency_json + R"(},
      "strategies": [{"name": "s", "factory": "x", "instruments": ["AAPL"]}],
      "output": {"dir": "out"}})";
    std::ofstream(dir.path() / "quotes.csv") << kQuotes << "\n";
    ConfigResult parsed = parse_run_config(text, dir.path() / "feed.json");
    if (!parsed.config) {
      ADD_FAILURE() << parsed.errors[0].pointer << ": " << parsed.errors[0].message;
      return;
    }
    config = std::move(*parsed.config);
    cash.assign(1, 1e6);
    book = std::make_unique<Portfolio>(config.instruments, cash);
    told = std::make_unique<Portfolio>(config.instruments, cash);
    marks = std::make_unique<Marks>(config, state);
    broker = std::make_unique<Broker>(config, state, *book, *told, *marks, client);
  }
  // The bid level 99 x 10 of AAPL, received at `ts`, made by the venue at `exch_ts`.
  void book_event(keel_timestamp_t ts, keel_timestamp_t exch_ts) {
    if (!broker) return;
    MarketEvent e;
    e.kind = MarketEventKind::book;
    e.as.book = keel_book_update_t{ts, 0, KEEL_BOOK_BID, 99.0, 10.0, exch_ts};
    broker->process_due(ts);
    broker->match(e, recorder);
  }
  // A buy limit at 90 sent now; returns its handle.
  keel_order_handle_t buy_limit() {
    if (!broker) return {};
    keel_order_request_t r{};
    r.struct_size = sizeof r;
    r.side = KEEL_SIDE_BUY;
    r.type = KEEL_ORDER_LIMIT;
    r.time_in_force = KEEL_TIF_GTC;
    r.quantity = 1;
    r.limit_price = 90;
    OrderTicket ticket;
    Result<keel_order_handle_t> handle = broker->check_order(0, r, ticket);
    EXPECT_TRUE(handle) << handle.status().message();
    broker->place(0, ticket);
    return ticket.handle;
  }
  // The time of the first ACCEPTED update, stepping the clock 100 ns at a time.
  keel_timestamp_t accepted_at(keel_timestamp_t from) {
    if (!broker) return -2;
    for (keel_timestamp_t t = from; t <= from + 10000; t += 100) {
      broker->process_due(t);
      if (!client.updates.empty()) return client.updates[0].ts;
    }
    return -1;
  }
  TempDir dir;
  RunConfig config;
  RunState state;
  std::vector<double> cash;
  std::unique_ptr<Portfolio> book, told;
  std::unique_ptr<Marks> marks;
  NullClient client;
  MemoryRecorder recorder;
  std::unique_ptr<Broker> broker;
};

// The book event received at 10000 was made at 9000: the venue is 1000 ns
// ahead. Sent at 10000 with 500 ns order latency, the order reaches the
// venue at exchange time 10500, which our clock reaches at 11500. Its
// ACCEPTED leaves at exchange 10500 and, 2000 ns later, reaches us at 12500.
TEST(RunLatency, FeedLatencyFromExchangeTimestampsDelaysTheArrival) {
  BrokerRig rig(R"({"order": {"model": "constant", "ns": 500},
                    "report": {"model": "constant", "ns": 2000},
                    "feed": "exchange_timestamps"})");
  rig.book_event(10000, 9000);
  rig.buy_limit();
  EXPECT_EQ(rig.accepted_at(10000), 12500);
}

TEST(RunLatency, ReportLatencyShorterThanTheFeedLagArrivesAtOnce) {
  // Lag 1000 > report latency 300: the report reaches us when our clock
  // reaches the venue state that made it (11500), not before.
  BrokerRig rig(R"({"order": {"model": "constant", "ns": 500},
                    "report": {"model": "constant", "ns": 300},
                    "feed": "exchange_timestamps"})");
  rig.book_event(10000, 9000);
  rig.buy_limit();
  EXPECT_EQ(rig.accepted_at(10000), 11500);
}

TEST(RunLatency, WithoutTheFeedSettingExchangeTimestampsAreIgnored) {
  BrokerRig rig(R"({"order": {"model": "constant", "ns": 500},
                    "report": {"model": "constant", "ns": 300}})");
  rig.book_event(10000, 9000);
  rig.buy_limit();
  EXPECT_EQ(rig.accepted_at(10000), 10800);
}

}  // namespace
}  // namespace keel::test
