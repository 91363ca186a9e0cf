#include "tests/run/run_harness.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "engine/host/host.hpp"

namespace keel::test {
namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::filesystem::path journal_path(const std::filesystem::path& folder, const std::string& name) {
  return folder / (name + ".journal");
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "keel-run-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

json order(const std::string& instrument, const std::string& side, const std::string& type,
           double quantity, double limit, double stop, const std::string& tif) {
  return json{{"instrument", instrument}, {"side", side},   {"type", type}, {"tif", tif},
              {"quantity", quantity},     {"limit", limit}, {"stop", stop}};
}

json submit_on(const std::string& on, int64_t n, const json& order) {
  return json{{"on", on}, {"n", n}, {"do", "submit"}, {"order", order}};
}

json cancel_on(const std::string& on, int64_t n, size_t order_index) {
  return json{{"on", on}, {"n", n}, {"do", "cancel"}, {"order_index", order_index}};
}

json timer_on(const std::string& on, int64_t n, int64_t delay_ns, uint64_t cookie) {
  return json{{"on", on}, {"n", n}, {"do", "timer"}, {"delay_ns", delay_ns}, {"cookie", cookie}};
}

json do_on(const std::string& on, int64_t n, const std::string& what) {
  return json{{"on", on}, {"n", n}, {"do", what}};
}

const std::vector<std::string>& RunOutput::journal(const std::string& strategy) const {
  static const std::vector<std::string> kEmpty;
  auto it = journals.find(strategy);
  return it == journals.end() ? kEmpty : it->second;
}

const OrderRecord& RunOutput::order(uint64_t id) const {
  for (const OrderRecord& r : orders) {
    if (r.order_id == id) return r;
  }
  ADD_FAILURE() << "no order " << id << " in the run (" << orders.size() << " orders)";
  static const OrderRecord kNone;
  return kNone;
}

const StrategySummary& RunOutput::strategy(const std::string& name) const {
  for (const StrategySummary& s : result.summary.strategies) {
    if (s.name == name) return s;
  }
  ADD_FAILURE() << "no strategy '" << name << "' in the summary";
  static const StrategySummary kNone;
  return kNone;
}

Scenario::Scenario() = default;

Scenario& Scenario::equity(const std::string& symbol, double tick, double lot) {
  return instrument(
      json{{"id", symbol}, {"kind", "equity"}, {"tick_size", tick}, {"lot_size", lot}});
}

Scenario& Scenario::instrument(const json& spec) {
  instruments_.push_back(spec);
  return *this;
}

Scenario& Scenario::data(const std::string& file, const std::string& format, const std::string& csv,
                         std::optional<std::string> instrument) {
  write_file(dir_.path() / file, csv);
  json entry = {{"path", file}, {"format", format}};
  if (instrument) entry["instrument"] = *instrument;
  data_.push_back(entry);
  return *this;
}

Scenario& Scenario::pricing_model(const std::string& name, const std::string& factory,
                                  json params) {
  pricing_models_[name] = {{"factory", factory}, {"params", std::move(params)}};
  return *this;
}

StrategySetup& Scenario::strategy(const std::string& name, std::vector<std::string> instruments,
                                  json actions) {
  strategies_.push_back(
      StrategySetup{name, std::move(instruments), std::move(actions), json::object()});
  return strategies_.back();
}

json Scenario::document() const {
  json doc;
  doc["run"] = run_;
  doc["instruments"] = instruments_;
  doc["data"] = data_;
  if (!venue_.empty()) doc["venue"] = venue_;
  if (!risk_.empty()) doc["risk"] = risk_;
  if (!pricing_models_.empty()) doc["pricing_models"] = pricing_models_;
  json strategies = json::array();
  for (const StrategySetup& s : strategies_) {
    json entry = {
        {"name", s.name},
        {"factory", "keel_test.scripted"},
        {"instruments", s.instruments},
        {"params",
         {{"journal", journal_path(dir_.path(), s.name).string()}, {"actions", s.actions}}}};
    entry.update(s.extra);
    entry["params"].update(s.params);
    strategies.push_back(entry);
  }
  doc["strategies"] = strategies;
  doc["output"] = {{"dir", "out"}};
  return doc;
}

RunOutput Scenario::execute(const RunHooks& hooks) const {
  RunOutput out;
  const std::filesystem::path run_file = dir_.path() / "run.json";
  const std::string text = document().dump(2);
  write_file(run_file, text);
  for (const StrategySetup& s : strategies_) {
    std::error_code ec;
    std::filesystem::remove(journal_path(dir_.path(), s.name), ec);
  }

  ConfigResult parsed = parse_run_config(text, run_file);
  if (!parsed.config) {
    out.config_errors = parsed.errors;
    return out;
  }
  {
    Host host;
    host.registry().add_search_folder(KEEL_TEST_SCRIPTED_DIR);
    host.registry().add_search_folder(KEEL_TEST_PLUGIN_DIR);  // the shipped plugins
    Engine engine(*parsed.config, host);
    if (hooks.stop_flag != nullptr) engine.stop_on(*hooks.stop_flag);
    out.prepare = engine.prepare();
    if (out.prepare) {
      MemoryRecorder recorder;
      recorder.on_fill = hooks.on_fill;
      out.result = engine.run(recorder, {});
      out.fills = std::move(recorder.fills);
      out.equity = std::move(recorder.samples);
      out.equity_by_strategy = std::move(recorder.by_strategy);
      out.trades = std::move(recorder.trades);
      out.orders = std::move(recorder.orders);
      out.recorded = std::move(recorder.sequence);
      out.ran = true;
    }
  }  // the strategies are dropped (journals closed) before they are read
  for (const StrategySetup& s : strategies_) {
    const auto path = journal_path(dir_.path(), s.name);
    if (std::filesystem::exists(path)) out.journals[s.name] = read_lines(path);
  }
  return out;
}

std::vector<std::string> lines_with_prefix(const std::vector<std::string>& journal,
                                           const std::string& prefix) {
  std::vector<std::string> out;
  for (const std::string& line : journal) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

long index_of(const std::vector<std::string>& journal, const std::string& prefix) {
  for (size_t i = 0; i < journal.size(); ++i) {
    if (journal[i].rfind(prefix, 0) == 0) return static_cast<long>(i);
  }
  return -1;
}

std::string dump(const std::vector<std::string>& journal) {
  std::ostringstream out;
  for (size_t i = 0; i < journal.size(); ++i) out << "  [" << i << "] " << journal[i] << "\n";
  return out.str();
}

}  // namespace keel::test
