#include "engine/run/engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <utility>

#include "engine/data/market_data_files.hpp"

namespace keel {
namespace {

// Often enough for the report's once-a-second flush (run_report.hpp) to keep
// up with a slow strategy; a call through std::function per 4096 events is
// lost in the noise.
constexpr uint64_t kProgressEvery = 1 << 12;

std::vector<double> initial_cash(const RunConfig& config) {
  std::vector<double> cash;
  for (const StrategySpec& spec : config.strategies) {
    cash.push_back(spec.initial_cash.value_or(config.initial_cash));
  }
  return cash;
}

}  // namespace

const std::atomic<int> Engine::kNeverStop{0};

Engine::Engine(const RunConfig& config, Host& host)
    : config_(config),
      host_(host),
      marks_(config, state_),
      book_(config.instruments, initial_cash(config), marks_.table()),
      told_(config.instruments, initial_cash(config), marks_.table()),
      strategies_(config, state_, marks_, ahead_, book_, told_),
      broker_(config, state_, book_, told_, marks_, strategies_),
      drawdown_watched_(config.instruments.size()) {
  strategies_.attach(broker_);
  marks_.read_books_of(broker_.venue().books());
  marks_.peak_equity() = initial_cash(config);
}

Engine::~Engine() { host_.set_run_services(nullptr); }

Status Engine::prepare() {
  // The thread that prepares the run runs it: plugins may call the host's
  // [host-thread] members on it only (keel/host.h).
  host_.bind_to_current_thread();
  for (const auto& folder : config_.plugin_paths) host_.registry().add_search_folder(folder);

  for (const ModelSpec& model : config_.pricing_models) {
    Result<const Factory*> factory =
        host_.registry().find_factory(model.factory, FactoryKind::pricing_model);
    if (!factory) {
      return refuse(FailureKind::plugin_load,
                    Status(factory.status().code(),
                           model.pointer + "/factory: " + factory.status().message()));
    }
    if ((*factory)->kind != FactoryKind::pricing_model) {
      return refuse(FailureKind::bad_input, Status(KEEL_ERR_INVALID_ARGUMENT,
                                                   model.pointer + "/factory: '" + model.factory +
                                                       "' is a strategy, not a pricing model"));
    }
    Result<keel_model_handle_t> handle =
        host_.create_model(**factory, model.params.dump(), "model '" + model.name + "'");
    if (!handle) {
      return refuse(
          kind_of_plugin_refusal(handle.status()),
          Status(handle.status().code(), model.pointer + ": " + handle.status().message()));
    }
    if (Status s = host_.name_model(model.name, *handle); !s) {
      return refuse(FailureKind::bad_input, std::move(s));
    }
  }

  for (const Instrument& instrument : config_.instruments.all()) {
    if (!instrument.model_mark) continue;
    // The config checked the name; the model was created above.
    Result<keel_model_handle_t> handle = host_.lookup_model(instrument.model_mark->model);
    Result<std::shared_ptr<ModelInstance>> model =
        handle ? host_.model(*handle) : Result<std::shared_ptr<ModelInstance>>(handle.status());
    if (!model) return refuse(FailureKind::bad_input, model.status());
    marks_.add_model_mark(instrument.id, std::move(*model));
  }

  for (size_t s = 0; s < config_.strategies.size(); ++s) {
    const StrategySpec& spec = config_.strategies[s];
    Result<const Factory*> factory =
        spec.python
            ? host_.registry().find_python_factory(spec.python->script, spec.python->class_name)
            : host_.registry().find_factory(spec.factory, FactoryKind::strategy);
    if (!factory) {
      return refuse(
          FailureKind::plugin_load,
          Status(factory.status().code(), spec.pointer + (spec.python ? "/python" : "/factory") +
                                              ": " + factory.status().message()));
    }
    if ((*factory)->kind != FactoryKind::strategy) {
      return refuse(FailureKind::bad_input,
                    Status(KEEL_ERR_INVALID_ARGUMENT, spec.pointer + "/factory: '" + spec.factory +
                                                          "' is a pricing model, not a strategy"));
    }
    auto context = host_.make_context("strategy '" + spec.name + "'", (*factory)->plugin);
    Result<std::unique_ptr<StrategyInstance>> instance =
        StrategyInstance::create(**factory, spec.params.dump(), std::move(context));
    if (!instance) {
      return refuse(kind_of_plugin_refusal(instance.status()),
                    Status(instance.status().code(),
                           spec.pointer + "/params: " + instance.status().message()));
    }
    strategies_.add(spec, std::move(*instance));
    if (spec.risk.max_drawdown_pct) {
      for (const std::string& symbol : spec.instruments) {
        drawdown_watched_[*config_.instruments.find(symbol)].push_back(s);
      }
    }
  }

  for (size_t i = 0; i < config_.data.size(); ++i) {
    const DataSpec& spec = config_.data[i];
    auto source = open_market_data(spec, config_.instruments);  // CSV or binary
    if (!source) {
      return refuse(FailureKind::bad_input,
                    Status(source.status().code(),
                           "/data/" + std::to_string(i) + ": " + source.status().message()));
    }
    data_.add(std::move(*source));
  }
  host_.set_run_services(&strategies_);
  return Status::ok();
}

Status Engine::refuse(FailureKind kind, Status status) {
  prepare_failure_ = kind;
  return status;
}

// ---- the loop -------------------------------------------------------------------

RunResult Engine::run(RunRecorder& recorder, const Progress& progress) {
  broker_.record_to(recorder);
  // The first event fixes the start time strategies are told about.
  const MarketEvent* event = next_event();
  while (event != nullptr && config_.start_ns && event->ts() < *config_.start_ns) {
    event = next_event();
  }
  const keel_timestamp_t end =
      config_.end_ns.value_or(std::numeric_limits<keel_timestamp_t>::max());
  if (event != nullptr && event->ts() >= end) event = nullptr;
  first_ts_ = event != nullptr ? event->ts() : config_.start_ns.value_or(0);
  state_.now = first_ts_;
  marks_.start(first_ts_);
  double opening = 0;
  for (size_t s = 0; s < strategies_.size(); ++s) opening += book_.initial_cash(s);
  recorder.opening(opening);
  strategies_.start(first_ts_);

  for (; event != nullptr && event->ts() < end && !state_.stop; event = next_event()) {
    if (const int flag = stop_flag_->load(std::memory_order_relaxed); flag != 0) [[unlikely]] {
      interrupted_by_ = flag;
      state_.status = "interrupted";
      strategies_.interrupted();
      state_.stop = true;
      break;
    }
    state_.now = event->ts();
    if (broker_.due(state_.now)) {
      broker_.process_due(state_.now);
      if (state_.stop) break;
    }
    broker_.match(*event, recorder);
    marks_.update(*event);
    if (marks_.sample_due(state_.now)) marks_.sample(book_, state_.now, recorder);
    if (!drawdown_watched_[event->instrument()].empty()) check_drawdown(event->instrument());
    if (!state_.stop) strategies_.dispatch(*event);
    broker_.record_retired(recorder);
    ++events_;
    if (progress && events_ % kProgressEvery == 0) progress(events_, state_.now);
  }
  finish(recorder);
  if (progress) progress(events_, state_.now);
  return collect();
}

void Engine::end_of_data() {
  if (!ahead_.status().is_ok()) state_.fail(ahead_.status(), FailureKind::bad_input);
}

void Engine::check_drawdown(keel_instrument_id_t instrument) {
  for (size_t s : drawdown_watched_[instrument]) {
    if (!strategies_.active(s)) continue;
    if (book_.position(s, instrument).quantity == 0) continue;
    const double drawdown = Marks::drawdown_pct(marks_.peak_equity()[s], book_.account(s).equity);
    const double limit = *config_.strategies[s].risk.max_drawdown_pct;
    if (drawdown >= limit) {
      char why[160];
      std::snprintf(why, sizeof why, "killed: drawdown %.2f%% reached max_drawdown_pct %g",
                    drawdown, limit);
      strategies_.kill(s, why);
    }
  }
}

void Engine::finish(RunRecorder& recorder) {
  broker_.finish();
  strategies_.stop();
  marks_.sample(book_, state_.now, recorder, /*at_end=*/true);
  // Every order is final now (a run that failed may leave events unhandled).
  broker_.record_all(recorder);
  broker_.record_open_trades(recorder);
}

RunResult Engine::collect() {
  RunResult result;
  RunSummary& summary = result.summary;
  summary.run_name = config_.name;
  summary.status = state_.status;
  summary.currency = config_.currency;
  summary.first_event_ts = first_ts_;
  summary.last_event_ts = state_.now;
  summary.events = events_;
  const keel_account_t total = book_.total();
  for (size_t s = 0; s < strategies_.size(); ++s) {
    const keel_account_t a = book_.account(s);
    StrategySummary st;
    st.name = strategies_.spec(s).name;
    st.factory = strategies_.factory(s);
    st.status = strategies_.status(s);
    st.initial_cash = book_.initial_cash(s);
    st.final_equity = a.equity;
    st.realized_pnl = a.realized_pnl;
    st.unrealized_pnl = a.unrealized_pnl;
    st.total_fees = a.fees;
    st.num_orders = broker_.orders_of(s).orders;
    st.num_fills = broker_.orders_of(s).fills;
    summary.initial_cash += st.initial_cash;
    summary.num_orders += st.num_orders;
    summary.num_fills += st.num_fills;
    summary.strategies.push_back(std::move(st));
  }
  summary.final_equity = total.equity;
  summary.realized_pnl = total.realized_pnl;
  summary.unrealized_pnl = total.unrealized_pnl;
  summary.total_fees = total.fees;
  result.failure = state_.failure;
  result.kind = state_.failure_kind;
  result.interrupted_by = interrupted_by_;
  return result;
}

}  // namespace keel
