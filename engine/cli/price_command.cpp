// `keel price`: price one option (price and greeks), invert a premium to an
// implied volatility, or price a CSV file of options, through any pricing
// model plugin.
#include <nlohmann/json.hpp>

#include <ext/stdio_filebuf.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>

#include "engine/cli/commands.hpp"
#include "engine/cli/exit_codes.hpp"
#include "engine/data/data_file.hpp"
#include "engine/pricing/option_csv.hpp"
#include "keel/sdk/json_depth.hpp"

namespace keel::cli {
namespace {

struct PriceOptions {
  std::string model;
  std::string params = "{}";
  std::optional<double> spot, strike, expiry, vol, premium;
  double rate = 0;
  double dividend = 0;
  std::string right = "call";
  std::string exercise = "european";
  std::string csv_in, csv_out;
  bool json = false;
};

int fail(const Status& status) {
  std::cerr << "keel price: " << status.message() << "\n";
  return exit_code_for(status);
}

int usage(const std::string& message) {
  std::cerr << "keel price: " << message << " (see keel price --help)\n";
  return kExitUsage;
}

std::string number(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.12g", value);
  return buffer;
}

int price_csv(ModelInstance& model, const PriceOptions& o) {
  // Only a regular file (a FIFO or /dev/zero is refused at open; exit 2),
  // read through the descriptor that was checked; the buffer closes it.
  Result<DataFile> file = open_data_file(o.csv_in);
  if (!file && file.status().code() == KEEL_ERR_NOT_FOUND) return usage("cannot open " + o.csv_in);
  if (!file) return fail(file.status());
  __gnu_cxx::stdio_filebuf<char> in_buffer(file->release(), std::ios::in);
  std::istream in(&in_buffer);
  // Write next to the target and rename on success: a failed run leaves no
  // half-written output behind.
  const std::filesystem::path target = o.csv_out;
  const std::filesystem::path partial = target.string() + ".partial";
  std::ofstream out(partial);
  if (!out) return usage("cannot write " + o.csv_out);
  Result<OptionCsvStats> stats = price_option_csv(model, in, o.csv_in, out);
  out.close();
  std::error_code ec;
  if (!stats) {
    std::filesystem::remove(partial, ec);
    return fail(stats.status());
  }
  std::filesystem::rename(partial, target, ec);
  if (ec) return usage("cannot write " + o.csv_out + ": " + ec.message());
  std::cerr << "priced " << stats->rows << " options with " << model.factory().id << " -> "
            << o.csv_out << "\n";
  return kExitOk;
}

int price_single(ModelInstance& model, const PriceOptions& o) {
  std::string missing;
  for (auto [name, value] : {std::pair{"--spot", o.spot}, {"--strike", o.strike},
                             {"--expiry", o.expiry}}) {
    if (!value) missing += std::string(missing.empty() ? "" : ", ") + name;
  }
  if (!o.vol && !o.premium) missing += std::string(missing.empty() ? "" : ", ") + "--vol";
  if (!missing.empty()) return usage("missing " + missing);
  keel_option_t option{*o.spot,
                       *o.strike,
                       *o.expiry,
                       o.vol.value_or(0.0),
                       o.rate,
                       o.dividend,
                       o.right == "put" ? KEEL_RIGHT_PUT : KEEL_RIGHT_CALL,
                       o.exercise == "american" ? KEEL_EXERCISE_AMERICAN : KEEL_EXERCISE_EUROPEAN};
  if (o.premium) {
    Result<double> vol = model.implied_vol(option, *o.premium);
    if (!vol) return fail(vol.status());
    if (o.json) {
      std::cout << nlohmann::json{{"implied_vol", *vol}}.dump() << "\n";
    } else {
      std::cout << "implied_vol " << number(*vol) << "\n";
    }
    return kExitOk;
  }
  Result<keel_greeks_t> greeks = model.price(option);
  if (!greeks) return fail(greeks.status());
  const keel_greeks_t& g = *greeks;
  if (o.json) {
    std::cout << nlohmann::json{{"price", g.price}, {"delta", g.delta}, {"gamma", g.gamma},
                                {"vega", g.vega},   {"theta", g.theta}, {"rho", g.rho}}
                     .dump()
              << "\n";
  } else {
    for (auto [name, value] : {std::pair{"price", g.price}, {"delta", g.delta},
                               {"gamma", g.gamma}, {"vega", g.vega}, {"theta", g.theta},
                               {"rho", g.rho}}) {
      std::cout << std::left << std::setw(6) << name << " " << number(value) << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

CommandRunner add_price_command(CLI::App& app) {
  auto o = std::make_shared<PriceOptions>();
  CLI::App* cmd = app.add_subcommand(
      "price",
      "Price an option (price and greeks), imply a volatility from --premium, or price a CSV "
      "file of options (--csv IN --out OUT) with a pricing-model plugin.\n"
      "Units: expiry in years; vol, rate, dividend as annual decimals (0.2 = 20%), rates "
      "continuously compounded; vega and rho per 1.0 of vol and rate; theta per year.");
  cmd->add_option("--model", o->model,
                  "Pricing model: a factory id (keel.black_scholes), a plugin file, or FILE.so:ID")
      ->required();
  cmd->add_option("--params", o->params, "Model params as a JSON object")->capture_default_str();
  cmd->add_option("--spot", o->spot, "Underlying price");
  cmd->add_option("--strike", o->strike, "Strike price");
  cmd->add_option("--expiry", o->expiry, "Time to expiry in years");
  cmd->add_option("--vol", o->vol, "Volatility (annual)");
  cmd->add_option("--rate", o->rate, "Risk-free rate (continuous, annual)")->capture_default_str();
  cmd->add_option("--dividend", o->dividend, "Dividend yield (continuous, annual)")
      ->capture_default_str();
  cmd->add_option("--right", o->right, "call or put")
      ->check(CLI::IsMember({"call", "put"}))
      ->capture_default_str();
  cmd->add_option("--exercise", o->exercise, "european or american")
      ->check(CLI::IsMember({"european", "american"}))
      ->capture_default_str();
  cmd->add_option("--premium", o->premium, "Imply the volatility from this option premium");
  auto* csv = cmd->add_option("--csv", o->csv_in,
                              "CSV of options: header names the columns spot,strike,expiry,vol,"
                              "rate,right[,dividend][,exercise]")
                  ->type_name("IN.csv");
  cmd->add_option("--out", o->csv_out, "Output CSV (input columns + price and greeks)")
      ->type_name("OUT.csv")
      ->needs(csv);
  cmd->add_flag("--json", o->json, "Print JSON");
  for (const char* single : {"--spot", "--strike", "--expiry", "--vol", "--premium"}) {
    csv->excludes(cmd->get_option(single));
  }

  return [o](Host& host) {
    if (!o->csv_in.empty() && o->csv_out.empty()) return usage("--csv needs --out");
    // Refused here, before any plugin parses it (with a reader of its own).
    if (auto deep = sdk::find_json_too_deep(o->params)) {
      return usage("--params: " + sdk::describe_json_too_deep(*deep) + "; flatten the params");
    }
    // --model is a factory id, a plugin file, or FILE.so:ID (the registry's
    // factory references).
    Result<const Factory*> factory =
        host.registry().find_factory(o->model, FactoryKind::pricing_model);
    if (!factory) {
      std::cerr << "keel price: --model " << o->model << ": " << factory.status().message() << "\n";
      return static_cast<int>(kExitPluginLoad);
    }
    if ((*factory)->kind != FactoryKind::pricing_model) {
      return usage("--model " + o->model + ": '" + (*factory)->id +
                   "' is a strategy, not a pricing model");
    }
    Result<keel_model_handle_t> handle =
        host.create_model(**factory, o->params, "model '" + (*factory)->id + "'");
    if (!handle) return fail(handle.status());
    Result<std::shared_ptr<ModelInstance>> model = host.model(*handle);
    if (!model) return fail(model.status());
    const int code = o->csv_in.empty() ? price_single(**model, *o) : price_csv(**model, *o);
    (void)host.drop_model(*handle);
    return code;
  };
}

}  // namespace keel::cli
