// engine/run/marks.hpp — what the run's instruments are worth as the loop
// moves, and what follows from it: equity samples and the drawdown watch.
//
// Marks: a quote marks its instrument at its mid; a trade marks an
// instrument that has no quotes (and no model mark); a bar marks at its
// close; a book update (depth data) marks at the book's mid once both sides
// have a level. An option with a "mark" in the run file is priced by its model
// while it has no quote of its own: whenever its underlying's mark moves
// (one price_batch call per model for every such option on it) and at every
// equity sample (time has passed).
//
// Look-ahead: a batched strategy handling an event the loop has not reached
// yet (engine/run/strategy_host.hpp) must see the marks of that event.
// look_ahead_to() moves the marks forward over the events in between, as
// the loop will, and end_look_ahead() puts them back; the loop itself never
// sees a look-ahead mark.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/config/run_config.hpp"
#include "engine/host/model_instance.hpp"
#include "engine/market/market_event.hpp"
#include "engine/market/order_book.hpp"
#include "engine/report/records.hpp"
#include "engine/run/portfolio.hpp"
#include "engine/run/read_ahead.hpp"
#include "engine/run/run_state.hpp"

namespace keel {

class Marks {
 public:
  Marks(const RunConfig& config, RunState& state);

  // The venue's order books (one per instrument), which a book event has
  // already changed when update() sees it: a depth instrument is marked at
  // their mid. Set once, before the run.
  void read_books_of(const std::vector<OrderBook>& venue_books) { venue_books_ = &venue_books; }

  // The table the run's books are valued at.
  MarkTable& table() { return table_; }
  const MarkTable& table() const { return table_; }

  // An option of the run marked by `model` while it has no quote.
  void add_model_mark(keel_instrument_id_t option, std::shared_ptr<ModelInstance> model);

  // The loop met `event` (at state.now): its instrument's mark and the
  // model marks on it move. A model that cannot price fails the run.
  // (Inline: a quote on an instrument no model marks from is the common case.)
  void update(const MarketEvent& event) {
    const keel_instrument_id_t id = event.instrument();
    if (event.kind == MarketEventKind::quote && !underlies_model_[id]) [[likely]] {
      mark_quote(event.as.quote);
      return;
    }
    apply(event, state_.now, /*looking_ahead=*/false);
  }

  // The price a market order is valued at: the last mid, else the mark.
  double reference_price(keel_instrument_id_t instrument) const {
    return mids_[instrument] > 0 ? mids_[instrument] : table_.get(instrument);
  }

  // ---- equity samples ----
  // The run's first event is at `first`: samples fall on multiples of the
  // run's equity interval from there on.
  void start(keel_timestamp_t first) { next_sample_ = first; }
  bool sample_due(keel_timestamp_t now) const { return now >= next_sample_; }
  // Re-marks the model-marked options at `ts` and records the run's total
  // account, then each strategy's equity (its own account). `at_end`: not
  // again when the last sample already shows this moment and account.
  void sample(const Portfolio& book, keel_timestamp_t ts, RunRecorder& recorder,
              bool at_end = false);

  // ---- drawdown (the kill switch's measure, max_drawdown_pct) ----
  // Each strategy's peak equity so far, from its initial cash (sized by the
  // engine); followed at the events where the switch is checked.
  std::vector<double>& peak_equity() { return peak_equity_; }
  // The drawdown in % of `equity` below `peak`, after raising `peak` to it.
  static double drawdown_pct(double& peak, double equity) {
    peak = std::max(peak, equity);
    return (peak - equity) / peak * 100;
  }

  // ---- look-ahead ----
  // Moves the marks forward over the events after the loop's, up to and
  // including ahead.peek(index) (index only grows between two
  // end_look_ahead calls). A model that fails here leaves the mark as it
  // was: the loop fails the run when it reaches that event, before the
  // strategy would have.
  void look_ahead_to(ReadAhead& ahead, size_t index);
  bool looking_ahead() const { return ahead_index_ > 0; }
  // Puts back every mark the look-ahead moved.
  void end_look_ahead();

 private:
  struct ModelMarked {
    keel_instrument_id_t option;
    std::shared_ptr<ModelInstance> model;
  };
  // Options marked by one model, priced in one price_batch call.
  struct ModelGroup {
    std::shared_ptr<ModelInstance> model;
    std::vector<keel_instrument_id_t> options;
  };
  struct Undo {
    keel_instrument_id_t instrument;
    double mark;
    bool marked;
    double mid;
  };

  void apply(const MarketEvent& event, keel_timestamp_t now, bool looking_ahead);
  // A two-sided quote marks its instrument at its mid.
  void mark_quote(const keel_quote_t& q) {
    if (q.bid > 0 && q.ask > 0) {
      mids_[q.instrument] = (q.bid + q.ask) / 2;
      table_.set(q.instrument, mids_[q.instrument]);
    }
  }
  // Marks at the book's mid after a depth update. In the loop the venue has
  // applied the update already (read_books_of); looking ahead, the update
  // goes to a copy of the instrument's book that end_look_ahead drops (the
  // venue's must not move).
  void mark_book(const keel_book_update_t& u, bool looking_ahead);
  void set_mark(keel_instrument_id_t instrument, double price, bool looking_ahead);
  // Keeps an instrument's mid and mark as they are, to put back.
  // (Once per instrument and look-ahead: the first state is the one to put back.)
  void remember(keel_instrument_id_t instrument) {
    if (remembered_[instrument]) return;
    remembered_[instrument] = 1;
    undo_.push_back(
        {instrument, table_.get(instrument), table_.has(instrument), mids_[instrument]});
  }
  // Marks the model-marked options in `options` that have no quote of their
  // own and whose underlying is marked, at `now`.
  void mark_by_model(const std::vector<ModelGroup>& groups, keel_timestamp_t now,
                     bool looking_ahead);

  const RunConfig& config_;
  RunState& state_;
  MarkTable table_;
  std::vector<double> mids_;  // per instrument, the last quote (or book) mid (0: none yet)
  const std::vector<OrderBook>* venue_books_ = nullptr;  // per instrument (read_books_of)
  // Looking ahead: per instrument, a copy of the venue's book with the
  // updates looked at (valid where ahead_copied_), and which were copied.
  std::vector<OrderBook> ahead_books_;
  std::vector<uint8_t> ahead_copied_;
  std::vector<keel_instrument_id_t> ahead_copies_;
  std::vector<std::vector<ModelGroup>> by_underlying_;  // per instrument
  std::vector<uint8_t> underlies_model_;                // per instrument: by_underlying_ not empty
  std::vector<ModelGroup> all_models_;                  // every model-marked option
  // price_batch's arrays, reused (no allocation per event).
  std::vector<double> spot_, strike_, expiry_, vol_, rate_, dividend_, price_;
  std::vector<int32_t> right_, exercise_;
  std::vector<keel_status_t> status_;
  std::vector<keel_instrument_id_t> batch_options_;
  keel_timestamp_t next_sample_ = 0;
  std::optional<EquitySample> last_sample_;
  std::vector<StrategyEquitySample> by_strategy_;  // one per strategy, names set once
  // Look-ahead: how far (peek index + 1; 0 when not looking ahead), the
  // sample time there, and what to put back.
  size_t ahead_index_ = 0;
  keel_timestamp_t ahead_next_sample_ = 0;
  std::vector<Undo> undo_;
  std::vector<uint8_t> remembered_;  // per instrument: in undo_
  std::vector<double> peak_equity_;
};

}  // namespace keel
