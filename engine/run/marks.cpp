#include "engine/run/marks.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "engine/market/timestamp.hpp"

namespace keel {
namespace {

constexpr double kNanosPerYear = 365.0 * 86400e9;  // ACT/365

}  // namespace

Marks::Marks(const RunConfig& config, RunState& state)
    : config_(config),
      state_(state),
      table_(config.instruments.size()),
      mids_(config.instruments.size(), 0.0),
      ahead_books_(config.instruments.size()),
      ahead_copied_(config.instruments.size(), 0),
      by_underlying_(config.instruments.size()),
      underlies_model_(config.instruments.size(), 0),
      remembered_(config.instruments.size(), 0) {
  undo_.reserve(1024);  // a span's worth: no allocation while looking ahead
  by_strategy_.resize(config.strategies.size());
  for (size_t s = 0; s < by_strategy_.size(); ++s) {
    by_strategy_[s].strategy_index = static_cast<uint32_t>(s);
    by_strategy_[s].strategy = config.strategies[s].name;
  }
}

void Marks::add_model_mark(keel_instrument_id_t option, std::shared_ptr<ModelInstance> model) {
  const auto add = [&](std::vector<ModelGroup>& groups) {
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&](const ModelGroup& g) { return g.model == model; });
    if (group == groups.end()) group = groups.insert(groups.end(), ModelGroup{model, {}});
    group->options.push_back(option);
  };
  const keel_instrument_id_t underlying = config_.instruments.get(option).underlying;
  add(by_underlying_[underlying]);
  underlies_model_[underlying] = 1;
  add(all_models_);
}

void Marks::apply(const MarketEvent& event, keel_timestamp_t now, bool looking_ahead) {
  const keel_instrument_id_t id = event.instrument();
  if (looking_ahead) remember(id);  // its mid and mark, put back by end_look_ahead
  switch (event.kind) {
    case MarketEventKind::quote:
      mark_quote(event.as.quote);
      break;
    case MarketEventKind::trade:
      // Quotes, when there are any, mark better than prints; an option with
      // a model mark is marked by its model until it has a quote.
      if (mids_[id] <= 0 && !config_.instruments.get(id).model_mark) {
        table_.set(id, event.as.trade.price);
      }
      break;
    case MarketEventKind::bar:
      if (!config_.instruments.get(id).model_mark) table_.set(id, event.as.bar.close);
      break;
    case MarketEventKind::book:
      mark_book(event.as.book, looking_ahead);
      break;
  }
  if (!by_underlying_[id].empty()) mark_by_model(by_underlying_[id], now, looking_ahead);
}

void Marks::mark_book(const keel_book_update_t& u, bool looking_ahead) {
  const OrderBook* book = &(*venue_books_)[u.instrument];
  if (looking_ahead) {
    OrderBook& copy = ahead_books_[u.instrument];
    if (!ahead_copied_[u.instrument]) {
      copy = *book;  // reuses the copy's storage: no allocation once it has grown
      ahead_copied_[u.instrument] = 1;
      ahead_copies_.push_back(u.instrument);
    }
    (void)copy.apply(u.side, u.price, u.size);
    book = &copy;
  }
  const BookLevel* bid = book->best(KEEL_BOOK_BID);
  const BookLevel* ask = book->best(KEEL_BOOK_ASK);
  if (bid != nullptr && ask != nullptr) {
    mids_[u.instrument] = (bid->price + ask->price) / 2;
    table_.set(u.instrument, mids_[u.instrument]);
  }
}

void Marks::set_mark(keel_instrument_id_t instrument, double price, bool looking_ahead) {
  if (looking_ahead) remember(instrument);
  table_.set(instrument, price);
}

void Marks::mark_by_model(const std::vector<ModelGroup>& groups, keel_timestamp_t now,
                          bool looking_ahead) {
  for (const ModelGroup& group : groups) {
    // Gather the options this model prices now: no quote of their own, an
    // underlying with a mark, not yet expired (those take intrinsic value).
    batch_options_.clear();
    spot_.clear(), strike_.clear(), expiry_.clear(), vol_.clear(), rate_.clear();
    dividend_.clear(), right_.clear(), exercise_.clear();
    for (keel_instrument_id_t id : group.options) {
      const Instrument& option = config_.instruments.get(id);
      if (mids_[id] > 0 || !table_.has(option.underlying)) continue;
      const double spot = table_.get(option.underlying);
      if (now >= option.expiry) {  // expired (or expiring): intrinsic value
        set_mark(id,
                 std::max(0.0, option.right == KEEL_RIGHT_CALL ? spot - option.strike
                                                               : option.strike - spot),
                 looking_ahead);
        continue;
      }
      const Instrument::ModelMark& inputs = *option.model_mark;
      batch_options_.push_back(id);
      spot_.push_back(spot);
      strike_.push_back(option.strike);
      expiry_.push_back(static_cast<double>(option.expiry - now) / kNanosPerYear);
      vol_.push_back(inputs.vol);
      rate_.push_back(inputs.rate);
      dividend_.push_back(inputs.dividend);
      right_.push_back(option.right);
      exercise_.push_back(option.exercise);
    }
    if (batch_options_.empty()) continue;
    const size_t n = batch_options_.size();
    price_.assign(n, 0.0);
    status_.assign(n, KEEL_OK);
    const keel_option_batch_t in{n,
                                 spot_.data(),
                                 strike_.data(),
                                 expiry_.data(),
                                 vol_.data(),
                                 rate_.data(),
                                 dividend_.data(),
                                 right_.data(),
                                 exercise_.data()};
    keel_greeks_batch_t out{};
    out.price = price_.data();
    out.status = status_.data();
    const Status priced = group.model->price_batch(in, out);
    for (size_t i = 0; i < n; ++i) {
      if (priced.is_ok() && status_[i] == KEEL_OK) {
        set_mark(batch_options_[i], price_[i], looking_ahead);
        continue;
      }
      if (looking_ahead) continue;  // the loop fails the run when it gets here
      const Instrument& option = config_.instruments.get(batch_options_[i]);
      const std::string why =
          !priced.is_ok()
              ? priced.message()
              : std::string("it returned ") + keel_status_name(status_[i]) + " for this option";
      state_.fail(Status(!priced.is_ok() ? priced.code() : status_[i],
                         "/instruments/" + std::to_string(option.id) + "/mark: pricing model '" +
                             option.model_mark->model + "' could not mark option '" +
                             option.symbol + "' at " + format_timestamp(now) + ": " + why),
                  FailureKind::plugin);
      return;
    }
  }
}

void Marks::sample(const Portfolio& book, keel_timestamp_t ts, RunRecorder& recorder, bool at_end) {
  if (!all_models_.empty()) mark_by_model(all_models_, ts, false);  // time has passed
  const keel_account_t total = book.total();
  EquitySample sample{
      ts,         total.cash,          total.equity, total.realized_pnl, total.unrealized_pnl,
      total.fees, total.gross_notional};
  // The loop may have sampled this very moment: the end of the run adds a
  // row only when time or the account moved since.
  static_assert(sizeof(EquitySample) == sizeof(int64_t) + 6 * sizeof(double));  // no padding
  if (at_end && last_sample_ && std::memcmp(&*last_sample_, &sample, sizeof sample) == 0) return;
  last_sample_ = sample;
  recorder.equity(sample);
  // Each strategy's book: Portfolio::total() sums these very accounts, in
  // this order, so the rows of one sample add up to its equity exactly.
  for (StrategyEquitySample& row : by_strategy_) {
    row.ts = ts;
    row.equity = book.account(row.strategy_index).equity;
    recorder.strategy_equity(row);
  }
  const int64_t interval = config_.equity_interval_ns;
  next_sample_ = (ts / interval + 1) * interval;
}

void Marks::look_ahead_to(ReadAhead& ahead, size_t index) {
  if (ahead_index_ == 0) ahead_next_sample_ = next_sample_;
  for (; ahead_index_ <= index; ++ahead_index_) {
    const MarketEvent* event = ahead.peek(ahead_index_);
    if (event == nullptr) break;  // the span's events were read: not reached
    const keel_timestamp_t ts = event->ts();
    if (event->kind == MarketEventKind::quote && !underlies_model_[event->instrument()]) {
      remember(event->instrument());  // as update() does for the loop
      mark_quote(event->as.quote);
    } else {
      apply(*event, ts, true);
    }
    if (ts >= ahead_next_sample_) {  // the loop samples here: options re-marked
      if (!all_models_.empty()) mark_by_model(all_models_, ts, true);
      const int64_t interval = config_.equity_interval_ns;
      ahead_next_sample_ = (ts / interval + 1) * interval;
    }
  }
}

void Marks::end_look_ahead() {
  for (const Undo& undo : undo_) {
    table_.restore(undo.instrument, undo.mark, undo.marked);
    mids_[undo.instrument] = undo.mid;
    remembered_[undo.instrument] = 0;
  }
  undo_.clear();
  for (keel_instrument_id_t id : ahead_copies_) ahead_copied_[id] = 0;
  ahead_copies_.clear();
  ahead_index_ = 0;
}

}  // namespace keel
