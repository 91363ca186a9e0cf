// engine/library/extension.cpp — keel._keel as an extension module, for a
// plain python3: the C++ half every keel package has (define_keel_module)
// plus _run, which runs a run in this process and hands back its records as
// numpy columns. python/keel/_run.py turns those into keel.Result.
//
// _run(path, text, source, classes, output_dir, log_level, progress) -> dict
//   path        a run file, or None when `text` (JSON) is the run file and
//               `source` names it in messages (relative paths start at the
//               working directory)
//   classes     {name: keel.Strategy subclass}: names a strategy's
//               {"python": {"class": name}} may use with no "script"
//   output_dir  None: nothing is written; else the report goes there too
//   progress    None, or a callable(events, sim_ns) called about 5 times a second
// The dict: "config_errors" [(pointer, message)] (nothing ran), or
// "summary" (summary.json's text), "failure", "kind" (the exit code's
// number), "interrupted" (0 or the signal), "raised" [(strategy, exception)],
// "pending" (an exception a signal handler raised, e.g. KeyboardInterrupt,
// or None), "columns" {table: {column: numpy array}} and "names"
// {"strategies"|"instruments"|"reasons": [str]}.
//
// _check(text, source, classes) -> [(pointer, message)]
//   the config errors _run would give for this text (empty: it would run),
//   without loading a plugin or running; `classes` lists the class names
//   _run would be handed. keel.sweep checks every point with it up front.
//
// _performance(ts, equity, opening) -> (max_drawdown, sharpe)
//   summary.json's two figures for any equity curve (int64 ns times, in
//   order), by the same code (engine/report/performance.hpp): walk-forward
//   gives its stitched out-of-sample curve the run's own definitions.
//
// The GIL is released while the engine runs: Python strategies take it per
// callback, and other Python threads run meanwhile. Ctrl-C: the progress
// tick (every 4096 events) takes the GIL and runs Python's signal handlers;
// KeyboardInterrupt there or in a strategy stops the run at the next event
// ("interrupted"), and _run.py raises it with the partial result.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "engine/config/run_config.hpp"
#include "engine/embed/embedded_host.hpp"
#include "engine/host/host.hpp"
#include "engine/library/column_recorder.hpp"
#include "engine/library/harness.hpp"
#include "engine/library/model.hpp"
#include "engine/library/strategy_call_scope.hpp"
#include "engine/python/bindings.hpp"
#include "engine/python/python_strategy.hpp"
#include "engine/report/performance.hpp"
#include "engine/report/run_report.hpp"
#include "engine/run/engine.hpp"
#include "engine/run/run_outputs.hpp"

namespace keel::library {
namespace {

namespace py = pybind11;
namespace fs = std::filesystem;

// The plugins shipped with this keel, found from this module's own file
// (build/lib/keel/plugins, or <prefix>/lib/keel/plugins when installed).
fs::path shipped_plugins_beside_module() {
  return plugins_installed_beside(reinterpret_cast<const void*>(&shipped_plugins_beside_module));
}

template <class T>
py::array column(std::vector<T>& values) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(owned->size()), owned->data(), owner);
}

py::list names(const Names& n) {
  py::list out;
  for (const std::string& name : n.names()) out.append(py::str(name));
  return out;
}

py::dict columns(ColumnRecorder& r) {
  py::dict fills, orders, equity, by_strategy, trades, out;
  FillColumns& f = r.fills;
  fills["ts"] = column(f.ts);
  fills["strategy"] = column(f.strategy);
  fills["instrument"] = column(f.instrument);
  fills["order_id"] = column(f.order_id);
  fills["side"] = column(f.side);
  fills["quantity"] = column(f.quantity);
  fills["price"] = column(f.price);
  fills["fee"] = column(f.fee);
  fills["liquidity"] = column(f.liquidity);
  OrderColumns& o = r.orders;
  orders["order_id"] = column(o.order_id);
  orders["strategy"] = column(o.strategy);
  orders["instrument"] = column(o.instrument);
  orders["side"] = column(o.side);
  orders["type"] = column(o.type);
  orders["time_in_force"] = column(o.time_in_force);
  orders["quantity"] = column(o.quantity);
  orders["limit_price"] = column(o.limit_price);
  orders["stop_price"] = column(o.stop_price);
  orders["client_tag"] = column(o.client_tag);
  orders["submitted_ts"] = column(o.submitted_ts);
  orders["last_update_ts"] = column(o.last_update_ts);
  orders["state"] = column(o.state);
  orders["filled_quantity"] = column(o.filled_quantity);
  orders["average_fill_price"] = column(o.average_fill_price);
  orders["fees"] = column(o.fees);
  orders["reason"] = column(o.reason);
  EquityColumns& e = r.equity_curve;
  equity["ts"] = column(e.ts);
  equity["cash"] = column(e.cash);
  equity["equity"] = column(e.equity);
  equity["realized_pnl"] = column(e.realized_pnl);
  equity["unrealized_pnl"] = column(e.unrealized_pnl);
  equity["fees"] = column(e.fees);
  equity["gross_exposure"] = column(e.gross_exposure);
  StrategyEquityColumns& s = r.strategy_equity_curve;
  by_strategy["ts"] = column(s.ts);
  by_strategy["strategy"] = column(s.strategy);
  by_strategy["equity"] = column(s.equity);
  TradeColumns& t = r.trades;
  trades["strategy"] = column(t.strategy);
  trades["instrument"] = column(t.instrument);
  trades["direction"] = column(t.direction);
  trades["entry_ts"] = column(t.entry_ts);
  trades["exit_ts"] = column(t.exit_ts);
  trades["duration_ns"] = column(t.duration_ns);
  trades["quantity"] = column(t.quantity);
  trades["entry_price"] = column(t.entry_price);
  trades["exit_price"] = column(t.exit_price);
  trades["pnl"] = column(t.pnl);
  trades["fees"] = column(t.fees);
  trades["net_pnl"] = column(t.net_pnl);
  trades["open"] = column(t.open);
  out["fills"] = fills;
  out["orders"] = orders;
  out["equity"] = equity;
  out["equity_by_strategy"] = by_strategy;
  out["trades"] = trades;
  return out;
}

void set_log_level(const std::string& level) {
  static const bool made = [] {
    auto logger = spdlog::stderr_color_mt("keel");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%^[%l]%$ keel: %v");
    return true;
  }();
  (void)made;
  spdlog::set_level(spdlog::level::from_str(level));
}

py::dict run(const std::optional<std::string>& path, const std::optional<std::string>& text,
             const std::string& source, const py::dict& classes,
             const std::optional<std::string>& output_dir, const std::string& log_level,
             const py::object& progress) {
  set_log_level(log_level);
  py::dict out;
  RunFileOptions options;
  std::map<std::string, py::handle> class_objects;  // borrowed from `classes`
  for (auto item : classes) {
    options.python_classes.push_back(item.first.cast<std::string>());
    class_objects[item.first.cast<std::string>()] = item.second;
  }
  ConfigResult loaded = path ? load_run_config(*path) : parse_run_config(*text, source, options);
  if (!loaded.config) {
    py::list errors;
    for (const ConfigError& e : loaded.errors) errors.append(py::make_tuple(e.pointer, e.message));
    out["config_errors"] = errors;
    return out;
  }
  RunConfig& config = *loaded.config;
  if (!path) loaded.text = *text;

  python::RunHooks hooks;
  std::atomic<int> interrupt{0};
  hooks.interrupt = &interrupt;
  py::object pending = py::none();
  ColumnRecorder* recorder_out = nullptr;
  std::unique_ptr<ColumnRecorder> recorder;
  RunResult result;
  Status written;
  {
    StrategyCallScope scope(hooks);
    Host host;
    host.registry().add_default_search_folders(shipped_plugins_beside_module());
    for (const fs::path& folder : config.plugin_paths) host.registry().add_search_folder(folder);
    host.registry().set_python_resolver([&class_objects](PluginRegistry& registry,
                                                         const fs::path& script,
                                                         const std::string& class_name)
                                            -> Result<const Factory*> {
      if (script.empty()) {
        auto it = class_objects.find(class_name);
        if (it == class_objects.end()) {
          return Status(KEEL_ERR_INVALID_ARGUMENT, "no class '" + class_name + "' was handed over");
        }
        return python::python_class_factory(registry, it->second, class_name);
      }
      return python::python_strategy_factory(registry, PythonStrategySpec{script, class_name, ""});
    });

    std::optional<RunReportWriter> writer;
    Manifest manifest = start_manifest(config, path ? *path : source, loaded.text);
    if (output_dir) {
      config.output_dir = *output_dir;
      Result<RunReportWriter> opened = RunReportWriter::open(config.output_dir, manifest);
      if (!opened) {
        py::gil_scoped_acquire gil;
        out["summary"] = summary_json(not_started(config, opened.status()));
        out["failure"] = opened.status().message();
        out["kind"] = static_cast<int>(FailureKind::bad_input);
        return out;
      }
      writer.emplace(std::move(*opened));
    }
    recorder = std::make_unique<ColumnRecorder>(writer ? &*writer : nullptr);

    Engine engine(config, host);
    engine.stop_on(interrupt);
    const Status prepared = engine.prepare();
    add_plugins(manifest, host);
    if (!prepared) {
      result.summary = not_started(config, prepared);
      result.failure = prepared;
      result.kind = engine.prepare_failure();
    } else {
      if (writer) writer->update_manifest(manifest);
      auto last_tick = std::chrono::steady_clock::now();
      result = engine.run(*recorder, [&](uint64_t events, keel_timestamp_t now) {
        if (writer) {
          writer->flush_if_due();
          if (!writer->write_error().is_ok()) engine.stop_with(writer->write_error());
        }
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) {  // e.g. KeyboardInterrupt: stop at the next event
          pending = py::reinterpret_steal<py::object>([] {
            PyObject *type, *value, *trace;
            PyErr_Fetch(&type, &value, &trace);
            PyErr_NormalizeException(&type, &value, &trace);
            if (trace != nullptr) PyException_SetTraceback(value, trace);
            Py_XDECREF(type);
            Py_XDECREF(trace);
            return value;
          }());
          interrupt.store(SIGINT, std::memory_order_relaxed);
        }
        const auto tick = std::chrono::steady_clock::now();
        if (!progress.is_none() && tick - last_tick > std::chrono::milliseconds(200)) {
          last_tick = tick;
          try {
            progress(events, now);
          } catch (py::error_already_set&) {  // a progress display must not end a run
          }
        }
      });
      result.summary.max_drawdown = recorder->performance().max_drawdown();
      result.summary.sharpe = recorder->performance().sharpe();
    }
    if (writer) written = writer->finish(result.summary, manifest);
    recorder_out = recorder.get();
    (void)host.shutdown();
  }
  out["summary"] = summary_json(result.summary);
  out["failure"] = result.failure.is_ok() ? std::string() : result.failure.message();
  if (!written.is_ok() && result.failure.is_ok()) {
    out["failure"] = written.message();
    result.kind = FailureKind::bad_input;
  }
  out["kind"] = static_cast<int>(result.kind);
  out["interrupted"] = result.interrupted_by;
  py::list raised;
  for (auto& [name, error] : hooks.raised) raised.append(py::make_tuple(name, error));
  out["raised"] = raised;
  out["pending"] = pending;
  out["columns"] = columns(*recorder_out);
  py::dict name_lists;
  name_lists["strategies"] = names(recorder_out->strategies);
  name_lists["instruments"] = names(recorder_out->instruments);
  name_lists["reasons"] = names(recorder_out->reasons);
  out["names"] = name_lists;
  return out;
}

py::list check(const std::string& text, const std::string& source,
               const std::vector<std::string>& classes) {
  RunFileOptions options;
  options.python_classes = classes;
  const ConfigResult loaded = parse_run_config(text, source, options);
  py::list errors;
  for (const ConfigError& e : loaded.errors) errors.append(py::make_tuple(e.pointer, e.message));
  return errors;
}

py::tuple performance(const std::vector<int64_t>& ts, const std::vector<double>& equity,
                      double opening) {
  if (ts.size() != equity.size()) throw py::value_error("ts and equity differ in length");
  PerformanceTracker tracker;
  tracker.open(opening);
  for (size_t i = 0; i < ts.size(); ++i) tracker.add(ts[i], equity[i]);
  return py::make_tuple(tracker.max_drawdown(), tracker.sharpe());
}

}  // namespace
}  // namespace keel::library

PYBIND11_MODULE(_keel, m) {
  keel::python::define_keel_module(m);
  m.def("_run", &keel::library::run, pybind11::arg("path"), pybind11::arg("text"),
        pybind11::arg("source"), pybind11::arg("classes"), pybind11::arg("output_dir"),
        pybind11::arg("log_level"), pybind11::arg("progress"));
  m.def("_check", &keel::library::check, pybind11::arg("text"), pybind11::arg("source"),
        pybind11::arg("classes"));
  m.def("_performance", &keel::library::performance, pybind11::arg("ts"),
        pybind11::arg("equity"), pybind11::arg("opening"));
  m.attr("_library") = true;
  keel::library::define_harness(m);
  keel::library::define_embedded_model(m);
}
