// engine/config/run_config.cpp — reading and checking a run file.
//
// Sections are read in dependency order (instruments before the data and
// strategies that name them); every problem is recorded and the errors are
// then put in document order.
#include "engine/config/run_config.hpp"

#include <algorithm>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "engine/config/instrument_reader.hpp"
#include "engine/config/json_checker.hpp"
#include "engine/config/run_config_keys.hpp"
#include "engine/config/run_file_reader.hpp"
#include "engine/config/time_fields.hpp"
#include "engine/market/timestamp.hpp"

namespace keel {

namespace {

using config::Json;
using config::JsonChecker;
using config::pointer_child;

// The kinds in DataFormat order, then "binary" (the kind from the file's header).
constexpr std::string_view kFormats[] = {"quotes", "trades", "bars", "depth", "binary"};
constexpr size_t kBinaryFormat = 4;
constexpr std::string_view kOnError[] = {"stop_run", "disable"};
// In AccountType order.
constexpr std::string_view kAccountTypes[] = {"cash", "margin"};
constexpr config::NumberRule kLeverage{config::Bound{1, true}, std::nullopt};

constexpr std::string_view kCurrencyWhat = "a 3-letter upper-case currency code such as \"USD\"";

class Parser {
 public:
  Parser(const Json& document, const std::filesystem::path& file, JsonChecker& check,
         const RunFileOptions& options)
      : doc_(document), check_(check), options_(options) {
    config_.file = file;
    std::error_code ec;
    std::filesystem::path absolute = file.empty() ? std::filesystem::current_path(ec) / "run.json"
                                                  : std::filesystem::absolute(file, ec);
    if (ec) absolute = file;
    base_ = absolute.lexically_normal().parent_path();
  }

  std::optional<RunConfig> parse() {
    if (!check_.object(doc_, "", config::kTopLevelKeys)) return std::nullopt;
    if (const Json* v = JsonChecker::find(doc_, "$schema")) check_.string(*v, "/$schema", false);
    if (const Json* v = check_.require(doc_, "", "run", "an object with at least a name")) {
      read_run(*v);
    }
    if (const Json* v = JsonChecker::find(doc_, "plugin_paths")) read_plugin_paths(*v);
    if (const Json* v =
            check_.require(doc_, "", "instruments", "a non-empty array of instruments")) {
      instruments_.read(*v, "/instruments");
    }
    if (const Json* v = check_.require(doc_, "", "data", "a non-empty array of data files")) {
      read_data(*v);
    }
    if (const Json* v = JsonChecker::find(doc_, "venue")) read_venue(*v);
    if (const Json* v = JsonChecker::find(doc_, "risk")) config_.risk = read_risk(*v, "/risk");
    if (const Json* v = JsonChecker::find(doc_, "account")) {
      config_.account = read_account(*v, "/account", AccountSpec{});
    }
    if (const Json* v = JsonChecker::find(doc_, "pricing_models")) read_models(*v);
    check_mark_models();
    if (const Json* v = check_.require(doc_, "", "strategies", "a non-empty array of strategies")) {
      read_strategies(*v);
    }
    if (const Json* v = check_.require(doc_, "", "output", "an object with the output dir")) {
      read_output(*v);
    }
    if (!check_.ok()) return std::nullopt;
    config_.instruments = instruments_.take_table();
    return std::move(config_);
  }

 private:
  std::filesystem::path resolve(const std::string& path) const {
    return (base_ / path).lexically_normal();
  }

  // ---- run ------------------------------------------------------------------

  void read_run(const Json& run) {
    const std::string p = "/run";
    if (!check_.object(run, p, config::kRunKeys)) return;
    if (const Json* v = check_.require(run, p, "name", "a non-empty string")) {
      if (auto name = check_.string(*v, p + "/name")) config_.name = *name;
    }
    if (const Json* v = JsonChecker::find(run, "seed")) {
      if (auto seed = check_.unsigned_integer(*v, p + "/seed")) config_.seed = *seed;
    }
    if (const Json* v = JsonChecker::find(run, "start")) {
      config_.start_ns = config::read_timestamp(check_, *v, p + "/start");
    }
    if (const Json* v = JsonChecker::find(run, "end")) {
      config_.end_ns = config::read_timestamp(check_, *v, p + "/end");
      if (config_.start_ns && config_.end_ns && *config_.end_ns <= *config_.start_ns) {
        check_.error(p + "/end", "expected a time after run.start (" +
                                     format_timestamp(*config_.start_ns) + "), got " +
                                     config::show(*v));
      }
    }
    if (const Json* v = JsonChecker::find(run, "currency")) {
      const bool ok = v->is_string() && v->get_ref<const std::string&>().size() == 3 &&
                      std::all_of(v->get_ref<const std::string&>().begin(),
                                  v->get_ref<const std::string&>().end(),
                                  [](char c) { return c >= 'A' && c <= 'Z'; });
      if (ok) {
        config_.currency = v->get<std::string>();
      } else {
        check_.expected(p + "/currency", kCurrencyWhat, *v);
      }
    }
    if (const Json* v = JsonChecker::find(run, "initial_cash")) {
      if (auto cash = check_.number(*v, p + "/initial_cash", config::kPositive)) {
        config_.initial_cash = *cash;
      }
    }
    if (const Json* v = JsonChecker::find(run, "equity_interval")) {
      if (auto ns = config::read_duration(check_, *v, p + "/equity_interval")) {
        config_.equity_interval_ns = *ns;
      }
    }
  }

  void read_plugin_paths(const Json& paths) {
    const std::string p = "/plugin_paths";
    if (!check_.array(paths, p, "folder paths", false)) return;
    for (size_t i = 0; i < paths.size(); ++i) {
      if (auto path = check_.string(paths[i], pointer_child(p, i))) {
        config_.plugin_paths.push_back(resolve(*path));
      }
    }
  }

  // ---- data -------------------------------------------------------------------

  void read_data(const Json& list) {
    const std::string p = "/data";
    if (!check_.array(list, p, "data files", true)) return;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string ip = pointer_child(p, i);
      const Json& item = list[i];
      if (!check_.object(item, ip, config::kDataKeys)) continue;
      DataSpec spec;
      if (const Json* v = check_.require(item, ip, "path", "a file path, relative to this file")) {
        if (auto path = check_.string(*v, ip + "/path")) {
          spec.path = resolve(*path);
          std::error_code ec;
          const auto status = std::filesystem::status(spec.path, ec);
          if (!std::filesystem::exists(status)) {
            check_.error(ip + "/path", "file not found: " + spec.path.string());
          } else if (std::filesystem::is_directory(status)) {
            check_.error(ip + "/path", "is a directory, not a file: " + spec.path.string());
          }
        }
      }
      if (const Json* v = check_.require(item, ip, "format", config::describe_choices(kFormats))) {
        if (auto format = check_.one_of(*v, ip + "/format", kFormats)) {
          if (*format == kBinaryFormat) {
            spec.binary = true;
          } else {
            spec.format = static_cast<DataFormat>(*format);
          }
        }
      }
      if (const Json* v = JsonChecker::find(item, "instrument")) {
        spec.instrument = instruments_.reference(*v, ip + "/instrument");
      }
      config_.data.push_back(std::move(spec));
    }
  }

  // ---- venue and risk ---------------------------------------------------------

  void read_venue(const Json& venue) {
    const std::string p = "/venue";
    if (!check_.object(venue, p, config::kVenueKeys)) return;
    VenueSpec& out = config_.venue;
    const auto latency = [&](std::string_view key, int64_t& field) {
      if (const Json* v = JsonChecker::find(venue, key)) {
        const std::string pointer = pointer_child(p, key);
        if (auto ns = check_.integer(*v, pointer, 0)) {
          // Bounded so that data time + latencies cannot overflow (timestamp.hpp).
          if (*ns > kMaxDurationNs) {
            check_.expected(pointer,
                            "at most " + std::to_string(kMaxDurationNs) + " ns (3650 days)", *v);
          } else {
            field = *ns;
          }
        }
      }
    };
    const auto number = [&](std::string_view key, const config::NumberRule& rule, double& field) {
      if (const Json* v = JsonChecker::find(venue, key)) {
        if (auto x = check_.number(*v, pointer_child(p, key), rule)) field = *x;
      }
    };
    const auto flag = [&](std::string_view key, bool& field) {
      if (const Json* v = JsonChecker::find(venue, key)) {
        if (auto b = check_.boolean(*v, pointer_child(p, key))) field = *b;
      }
    };
    latency("order_latency_ns", out.order_latency_ns);
    latency("report_latency_ns", out.report_latency_ns);
    number("maker_fee_bps", config::kAnyNumber, out.maker_fee_bps);
    number("taker_fee_bps", config::kNonNegative, out.taker_fee_bps);
    number("fee_per_order", config::kNonNegative, out.fee_per_order);
    flag("fill_on_trades", out.fill_on_trades);
    flag("cap_bar_fills_at_volume", out.cap_bar_fills_at_volume);
  }

  RiskSpec read_risk(const Json& risk, const std::string& p) {
    RiskSpec out;
    if (!check_.object(risk, p, config::kRiskKeys)) return out;
    const auto number = [&](std::string_view key, const config::NumberRule& rule,
                            std::optional<double>& field) {
      if (const Json* v = JsonChecker::find(risk, key)) {
        field = check_.number(*v, pointer_child(p, key), rule);
      }
    };
    number("max_order_quantity", config::kPositive, out.max_order_quantity);
    number("max_position", config::kPositive, out.max_position);
    number("max_gross_notional", config::kPositive, out.max_gross_notional);
    if (const Json* v = JsonChecker::find(risk, "max_open_orders")) {
      out.max_open_orders = check_.integer(*v, p + "/max_open_orders", 1);
    }
    number("price_collar_pct", config::kPercent, out.price_collar_pct);
    number("max_drawdown_pct", config::kPercent, out.max_drawdown_pct);
    return out;
  }

  static RiskSpec override_risk(RiskSpec base, const RiskSpec& over) {
    if (over.max_order_quantity) base.max_order_quantity = over.max_order_quantity;
    if (over.max_position) base.max_position = over.max_position;
    if (over.max_gross_notional) base.max_gross_notional = over.max_gross_notional;
    if (over.max_open_orders) base.max_open_orders = over.max_open_orders;
    if (over.price_collar_pct) base.price_collar_pct = over.price_collar_pct;
    if (over.max_drawdown_pct) base.max_drawdown_pct = over.max_drawdown_pct;
    return base;
  }

  // "account": {"type": "cash" | "margin", "leverage": L >= 1}. A
  // strategy's account overrides the run's key by key, except that a
  // "type": "cash" of its own leaves the run's leverage behind (leverage is
  // a margin setting). Leverage on an account that ends up cash is an error
  // where it is written.
  AccountSpec read_account(const Json& account, const std::string& p, AccountSpec out) {
    if (!check_.object(account, p, config::kAccountKeys)) return out;
    bool type_ok = true;
    if (const Json* v = JsonChecker::find(account, "type")) {
      if (auto type = check_.one_of(*v, p + "/type", kAccountTypes)) {
        out.type = static_cast<AccountType>(*type);
        if (out.type == AccountType::cash) out.leverage = 1;
      } else {
        type_ok = false;  // a leverage error would only add noise
      }
    }
    if (const Json* v = JsonChecker::find(account, "leverage")) {
      if (auto leverage = check_.number(*v, p + "/leverage", kLeverage)) {
        if (out.type == AccountType::margin) {
          out.leverage = *leverage;
        } else if (type_ok) {
          check_.error(p + "/leverage",
                       "'leverage' only applies to a margin account; this account is a cash "
                       "account: add \"type\": \"margin\" to trade on margin");
        }
      }
    }
    return out;
  }

  // ---- pricing models and strategies --------------------------------------------

  void read_models(const Json& models) {
    const std::string p = "/pricing_models";
    if (!models.is_object()) {
      check_.expected(p, "an object of pricing models by name", models);
      return;
    }
    for (const auto& [name, item] : models.items()) {
      const std::string mp = pointer_child(p, name);
      if (name.empty()) check_.error(mp, "a pricing model's name must not be empty");
      if (name.find('\0') != std::string::npos) {
        check_.error(mp, "a pricing model's name must not contain NUL characters (\\u0000)");
      }
      if (!check_.object(item, mp, config::kModelKeys)) continue;
      ModelSpec spec;
      spec.name = name;
      spec.pointer = mp;
      if (const Json* v = check_.require(item, mp, "factory",
                                         "a factory id such as "
                                         "\"keel.black_scholes\"")) {
        if (auto factory = check_.string(*v, mp + "/factory")) spec.factory = *factory;
      }
      if (const Json* v = JsonChecker::find(item, "params")) {
        if (check_.any_object(*v, mp + "/params")) spec.params = nlohmann::json(*v);
      }
      config_.pricing_models.push_back(std::move(spec));
    }
  }

  // Options marked by a model name a model of this run.
  void check_mark_models() {
    std::vector<std::string> names;
    std::unordered_set<std::string_view> known;
    for (const ModelSpec& model : config_.pricing_models) names.push_back(model.name);
    for (const std::string& name : names) known.insert(name);
    for (const auto& ref : instruments_.model_references()) {
      if (known.contains(ref.name)) continue;
      check_.error(ref.pointer, "unknown pricing model '" + ref.name + "'" +
                                    (names.empty() ? std::string("; this run has no pricing_models")
                                                   : check_.did_you_mean(ref.name, names)));
    }
  }

  void read_strategies(const Json& list) {
    const std::string p = "/strategies";
    if (!check_.array(list, p, "strategies", true)) return;
    std::unordered_map<std::string, std::string> first_by_name;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string sp = pointer_child(p, i);
      const Json& item = list[i];
      if (!check_.object(item, sp, config::kStrategyKeys)) continue;
      StrategySpec spec;
      spec.pointer = sp;
      spec.risk = config_.risk;
      spec.account = config_.account;
      if (const Json* v = check_.require(item, sp, "name", "a non-empty string")) {
        if (auto name = check_.string(*v, sp + "/name")) {
          spec.name = *name;
          auto [it, fresh] = first_by_name.emplace(*name, sp);
          if (!fresh) {
            check_.error(sp + "/name",
                         "duplicate strategy name '" + *name + "' (first at " + it->second + ")");
          }
        }
      }
      const Json* python = JsonChecker::find(item, "python");
      if (python != nullptr) read_python_strategy(*python, sp + "/python", spec);
      const Json* factory =
          python != nullptr
              ? JsonChecker::find(item, "factory")
              : check_.require(item, sp, "factory", "a factory id such as \"keel.sma_cross\"");
      if (factory != nullptr) {
        if (python != nullptr) {
          check_.error(sp + "/factory",
                       "a strategy has either \"factory\" or \"python\", not both");
        } else if (auto id = check_.string(*factory, sp + "/factory")) {
          spec.factory = *id;
        }
      }
      if (const Json* v =
              check_.require(item, sp, "instruments", "a non-empty array of instrument ids")) {
        read_strategy_instruments(*v, sp + "/instruments", spec.instruments);
      }
      if (const Json* v = JsonChecker::find(item, "params")) {
        if (check_.any_object(*v, sp + "/params")) spec.params = nlohmann::json(*v);
      }
      if (const Json* v = JsonChecker::find(item, "risk")) {
        spec.risk = override_risk(config_.risk, read_risk(*v, sp + "/risk"));
      }
      if (const Json* v = JsonChecker::find(item, "account")) {
        spec.account = read_account(*v, sp + "/account", config_.account);
      }
      if (const Json* v = JsonChecker::find(item, "initial_cash")) {
        spec.initial_cash = check_.number(*v, sp + "/initial_cash", config::kPositive);
      }
      if (const Json* v = JsonChecker::find(item, "on_error")) {
        if (auto on_error = check_.one_of(*v, sp + "/on_error", kOnError)) {
          spec.on_error =
              *on_error == 0 ? OnStrategyError::stop_run : OnStrategyError::disable_strategy;
        }
      }
      config_.strategies.push_back(std::move(spec));
    }
  }

  // "python": {"script": "strategies/x.py", "class": "X"}; the script is
  // resolved against the run file's folder and must exist (it is imported
  // when the run is prepared, before any data is read).
  void read_python_strategy(const Json& python, const std::string& p, StrategySpec& spec) {
#if KEEL_WITH_PYTHON
    if (!check_.object(python, p, config::kPythonStrategyKeys)) return;
    PythonStrategySpec out;
    out.pointer = p;
    bool ok = true;
    const Json* class_value = JsonChecker::find(python, "class");
    const bool registered =
        class_value != nullptr && class_value->is_string() &&
        std::find(options_.python_classes.begin(), options_.python_classes.end(),
                  class_value->get<std::string>()) != options_.python_classes.end();
    if (registered && JsonChecker::find(python, "script") == nullptr) {
      // A class the program running keel handed over itself (keel.run).
    } else if (const Json* v = check_.require(python, p, "script", "the path of a .py file")) {
      if (auto script = check_.string(*v, p + "/script")) {
        out.script = resolve(*script);
        std::error_code ec;
        if (!std::filesystem::is_regular_file(out.script, ec)) {
          check_.error(p + "/script", "no such file: " + out.script.string());
          ok = false;
        }
      } else {
        ok = false;
      }
    } else {
      ok = false;
    }
    if (const Json* v = check_.require(python, p, "class", "the name of a keel.Strategy subclass")) {
      if (auto name = check_.string(*v, p + "/class")) {
        out.class_name = *name;
      } else {
        ok = false;
      }
    } else {
      ok = false;
    }
    if (ok) spec.python = std::move(out);
#else
    (void)python;
    (void)spec;
    check_.error(p, "Python strategies are not available in this build (configure with "
                    "-DKEEL_WITH_PYTHON=ON)");
#endif
  }

  void read_strategy_instruments(const Json& list, const std::string& p,
                                 std::vector<std::string>& out) {
    if (!check_.array(list, p, "instrument ids", true)) return;
    std::unordered_map<std::string, std::string> first;
    for (size_t j = 0; j < list.size(); ++j) {
      const std::string ip = pointer_child(p, j);
      auto id = instruments_.reference(list[j], ip);
      if (!id) continue;
      auto [it, fresh] = first.emplace(*id, ip);
      if (!fresh) {
        check_.error(ip, "instrument '" + *id + "' is listed twice (first at " + it->second + ")");
        continue;
      }
      out.push_back(*id);
    }
  }

  // ---- output ---------------------------------------------------------------------

  void read_output(const Json& output) {
    const std::string p = "/output";
    if (!check_.object(output, p, config::kOutputKeys)) return;
    if (const Json* v = check_.require(output, p, "dir", "a folder path, relative to this file")) {
      if (auto dir = check_.string(*v, p + "/dir")) config_.output_dir = resolve(*dir);
    }
  }

  const Json& doc_;
  JsonChecker& check_;
  RunConfig config_;
  std::filesystem::path base_;
  const RunFileOptions& options_;
  config::InstrumentReader instruments_{check_};
};

}  // namespace

ConfigResult parse_run_config(const std::string& json_text, const std::filesystem::path& file,
                              const RunFileOptions& options) {
  ConfigResult result;
  config::ParsedJson parsed = config::parse_json(json_text);
  if (!parsed.document) {
    result.errors = std::move(parsed.errors);
    return result;
  }
  JsonChecker check;
  for (ConfigError& error : parsed.errors) check.error(error.pointer, error.message);
  std::optional<RunConfig> config = Parser(*parsed.document, file, check, options).parse();
  if (check.ok() && config) {
    result.config = std::move(config);
    return result;
  }
  result.errors = std::move(check.errors());
  config::sort_in_document_order(*parsed.document, result.errors);
  return result;
}

ConfigResult load_run_config(const std::filesystem::path& file) {
  Result<std::string> text = config::read_run_file(file);
  if (!text) {
    ConfigResult result;
    result.errors.push_back({"", text.status().message()});
    return result;
  }
  ConfigResult result = parse_run_config(*text, file);
  result.text = std::move(*text);
  return result;
}

std::string format_config_error(const std::filesystem::path& file, const ConfigError& error) {
  std::string out = file.string() + ": ";
  if (!error.pointer.empty()) out += error.pointer + ": ";
  out += error.message;
  return out;
}

std::string format_config_errors(const std::filesystem::path& file,
                                 const std::vector<ConfigError>& errors) {
  std::string out;
  for (const ConfigError& error : errors) {
    out += format_config_error(file, error);
    out += '\n';
  }
  return out;
}

}  // namespace keel
