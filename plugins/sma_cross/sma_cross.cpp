// keel.sma_cross — a moving-average crossover on bars, as a keel strategy
// plugin written with the C++ SDK.
//
// Per instrument, independently: long `quantity` while the simple moving
// average of the last `fast` closes is above that of the last `slow` closes,
// flat otherwise. Nothing is sent until `slow` bars have been seen.
//
// Orders: market, GTC, for the difference between the target position
// (`quantity` or 0) and the position this strategy holds, as tracked from
// its own fills. At most one order per instrument is in flight: while one is
// pending (sent and not yet in a terminal state) no other is sent, and the
// target is re-checked on the next bar once it is done. A submit the host
// refuses (KEEL_ERR_REJECTED, e.g. a risk limit) is logged and the strategy
// carries on; it tries again on a later bar.
//
// Cost per bar: O(1), no allocation. The closes live in one ring buffer of
// `slow` entries per instrument (allocated when the instrument is first
// seen, normally in on_start); the fast window is the newest `fast` entries
// of the same ring, and both sums are updated by adding the new close and
// subtracting the ones that leave. The sums are compensated (Neumaier), and
// the signal needs the fast average above the slow one by more than a
// relative 1e-12, so rounding noise in the running sums cannot flip the
// signal while prices are flat.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "keel/sdk.hpp"

namespace {

using keel::sdk::Error;

// A running sum with Neumaier compensation: adding and removing the same
// values leaves (almost exactly) zero, however long the run.
class RunningSum {
 public:
  void add(double x) {
    const double t = sum_ + x;
    if (std::fabs(sum_) >= std::fabs(x)) {
      compensation_ += (sum_ - t) + x;
    } else {
      compensation_ += (x - t) + sum_;
    }
    sum_ = t;
  }
  double value() const { return sum_ + compensation_; }

 private:
  double sum_ = 0;
  double compensation_ = 0;
};

constexpr int64_t kMaxWindow = 1'000'000;   // bounds the ring buffer per instrument
constexpr double kSignalTolerance = 1e-12;  // relative; see the file comment
constexpr double kQuantityEpsilon = 1e-9;   // smaller position differences are "none"

bool is_terminal(int32_t state) {
  return state == KEEL_ORDER_FILLED || state == KEEL_ORDER_CANCELED ||
         state == KEEL_ORDER_REJECTED || state == KEEL_ORDER_EXPIRED;
}

std::string format_number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

class SmaCross final : public keel::sdk::Strategy {
 public:
  static constexpr const char* kId = "keel.sma_cross";
  static constexpr const char* kDescription =
      "Moving-average crossover on bars: long while the fast SMA of closes is above the slow "
      "SMA, flat otherwise; market orders, one in flight per instrument";
  static constexpr const char* kParamsSchema = R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "keel.sma_cross params",
    "type": "object",
    "properties": {
      "fast": {
        "type": "integer", "minimum": 1, "default": 10,
        "description": "Bars in the fast simple moving average of closes (>= 1, < slow)."
      },
      "slow": {
        "type": "integer", "minimum": 2, "maximum": 1000000, "default": 30,
        "description": "Bars in the slow simple moving average of closes (> fast). No order is sent before this many bars of an instrument have been seen."
      },
      "quantity": {
        "type": "number", "exclusiveMinimum": 0, "default": 1,
        "description": "Position held while the fast SMA is above the slow SMA (a multiple of the instrument's lot size)."
      }
    },
    "additionalProperties": false,
    "description": "Per instrument: long `quantity` while SMA(fast) > SMA(slow) of the bar closes, flat otherwise. Market GTC orders for the difference to the target; no new order while one is pending."
  })";

  SmaCross(keel::sdk::Params& params, const keel::sdk::Host& host) : host_(host) {
    fast_ = params.integer("fast", 10, 1, kMaxWindow - 1);
    slow_ = params.integer("slow", 30, 2, kMaxWindow);
    if (slow_ <= fast_) {
      throw Error(KEEL_ERR_INVALID_ARGUMENT, "/slow: expected an integer greater than fast (" +
                                                 std::to_string(fast_) + "), got " +
                                                 std::to_string(slow_));
    }
    quantity_ = params.number("quantity", 1.0);
    if (!(quantity_ > 0)) {
      throw Error(KEEL_ERR_INVALID_ARGUMENT,
                  "/quantity: expected a number > 0, got " + format_number(quantity_));
    }
  }

  void on_start(const keel_strategy_start_t& start) override {
    for (size_t i = 0; i < start.instrument_count && start.instruments != nullptr; ++i) {
      state_for(start.instruments[i]);
    }
  }

  void on_bar(const keel_bar_t& bar) override {
    if (!std::isfinite(bar.close)) {
      host_.warn("ignoring a bar with a non-finite close");
      return;
    }
    Instrument& s = state_for(bar.instrument);
    push_close(s, bar.close);
    if (s.seen < slow_) return;
    if (s.pending) return;  // wait for the order in flight to finish

    const double fast_mean = s.fast_sum.value() / static_cast<double>(fast_);
    const double slow_mean = s.slow_sum.value() / static_cast<double>(slow_);
    const bool long_signal = fast_mean - slow_mean > kSignalTolerance * std::fabs(slow_mean);
    const double target = long_signal ? quantity_ : 0.0;
    const double difference = target - s.position;
    if (std::fabs(difference) <= kQuantityEpsilon) return;
    send(s, difference > 0 ? KEEL_SIDE_BUY : KEEL_SIDE_SELL, std::fabs(difference));
  }

  void on_fill(const keel_fill_t& fill) override {
    Instrument* s = find(fill.instrument);
    if (s == nullptr) return;
    s->position += fill.side == KEEL_SIDE_BUY ? fill.quantity : -fill.quantity;
  }

  void on_order_update(const keel_order_update_t& update) override {
    Instrument* s = find(update.instrument);
    if (s == nullptr || !s->pending || s->order.bits != update.order.bits) return;
    if (!is_terminal(update.state)) return;
    s->pending = false;
    s->order = keel_order_handle_t{KEEL_NULL_HANDLE};
    if (update.state == KEEL_ORDER_REJECTED) {
      host_.warn("order " + std::to_string(update.order_id) +
                 " rejected: " + (update.reason != nullptr ? update.reason : ""));
    }
  }

 private:
  struct Instrument {
    keel_instrument_id_t id = KEEL_NO_INSTRUMENT;
    std::unique_ptr<double[]> closes;  // ring of the last `slow` closes
    int64_t next = 0;                  // ring index the next close goes to
    int64_t seen = 0;                  // closes seen, saturating at slow
    RunningSum fast_sum, slow_sum;
    double position = 0;  // signed, from this strategy's fills
    bool pending = false;
    keel_order_handle_t order{KEEL_NULL_HANDLE};
  };

  // The state of an instrument, created the first time it is seen (in
  // on_start, or on its first bar if the host did not list it).
  Instrument& state_for(keel_instrument_id_t id) {
    if (Instrument* s = find(id)) return *s;
    if (id < kDirectIndexLimit) {
      if (id >= index_.size()) index_.resize(static_cast<size_t>(id) + 1, kNone);
      index_[id] = static_cast<uint32_t>(instruments_.size());
    }
    Instrument s;
    s.id = id;
    s.closes = std::make_unique<double[]>(static_cast<size_t>(slow_));
    instruments_.push_back(std::move(s));
    return instruments_.back();
  }

  Instrument* find(keel_instrument_id_t id) {
    if (id < kDirectIndexLimit) {
      if (id >= index_.size() || index_[id] == kNone) return nullptr;
      return &instruments_[index_[id]];
    }
    for (Instrument& s : instruments_) {  // ids are table indexes: this is never hot
      if (s.id == id) return &s;
    }
    return nullptr;
  }

  void push_close(Instrument& s, double close) {
    // The fast window is the newest `fast` slots of the ring: the close that
    // leaves it is the one written `fast` bars ago.
    // (Wrapped by comparison, not %: a 64-bit division per bar shows in profiles.)
    if (s.seen >= fast_) {
      int64_t leaving = s.next - fast_;
      if (leaving < 0) leaving += slow_;
      s.fast_sum.add(-s.closes[static_cast<size_t>(leaving)]);
    }
    if (s.seen >= slow_) s.slow_sum.add(-s.closes[static_cast<size_t>(s.next)]);
    s.closes[static_cast<size_t>(s.next)] = close;
    s.fast_sum.add(close);
    s.slow_sum.add(close);
    if (++s.next == slow_) s.next = 0;
    if (s.seen < slow_) ++s.seen;
  }

  void send(Instrument& s, int32_t side, double quantity) {
    keel_order_request_t request{};
    request.struct_size = sizeof(keel_order_request_t);
    request.instrument = s.id;
    request.side = side;
    request.type = KEEL_ORDER_MARKET;
    request.time_in_force = KEEL_TIF_GTC;
    request.quantity = quantity;
    request.client_tag = ++client_tag_;
    try {
      s.order = host_.submit(request);
      s.pending = true;
    } catch (const Error& e) {
      if (e.code() != KEEL_ERR_REJECTED) throw;
      host_.warn(std::string("order refused, will retry on a later bar: ") + e.what());
    }
  }

  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr keel_instrument_id_t kDirectIndexLimit = 1u << 16;

  keel::sdk::Host host_;
  int64_t fast_ = 0;
  int64_t slow_ = 0;
  double quantity_ = 0;
  uint64_t client_tag_ = 0;
  std::vector<Instrument> instruments_;
  std::vector<uint32_t> index_;  // instrument id -> index in instruments_, or kNone
};

}  // namespace

KEEL_PLUGIN((keel::sdk::PluginInfo{
                "keel.sma_cross", "SMA crossover", "1.0.0", "keel",
                "Example strategy: a simple-moving-average crossover on bars, long while the "
                "fast average of closes is above the slow one, flat otherwise. O(1) per bar."}),
            keel::sdk::strategy_factory<SmaCross>())
