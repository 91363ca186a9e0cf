#include "engine/plugin_check/conformance.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <sstream>

#include "engine/host/strategy_instance.hpp"
#include "engine/plugin/elf_exports.hpp"
#include "engine/plugin_check/check_support.hpp"

namespace keel::check {

// ---- shared support ----------------------------------------------------------------

std::string CallOutcome::describe() const {
  std::string text = keel_status_name(status);
  if (!message.empty()) text += ": " + message;
  return text;
}

CallOutcome outcome_of(keel_status_t status, const keel_error_t& err) {
  CallOutcome outcome;
  outcome.status = status;
  if (status != KEEL_OK)
    outcome.message.assign(err.message, strnlen(err.message, sizeof err.message));
  return outcome;
}

std::optional<Verdict> contract_breach(const CallOutcome& outcome, const std::string& member) {
  if (outcome.status == KEEL_OK) return std::nullopt;
  if (outcome.status < KEEL_OK || outcome.status > KEEL_STATUS_LAST) {
    return fail(member + " returned undefined status " + std::to_string(outcome.status) +
                    " (the host treats it as a fault)",
                true);
  }
  if (outcome.status == KEEL_ERR_PLUGIN_FAULT) {
    return fail(member + " faulted: " +
                    (outcome.message.empty() ? std::string("(no message)") : outcome.message),
                true);
  }
  if (outcome.message.empty()) {
    return fail(member + " returned '" + keel_status_name(outcome.status) + "' (" +
                std::to_string(outcome.status) +
                ") with an empty error message (rule 6: say why in the error struct)");
  }
  return std::nullopt;
}

std::optional<Verdict> thread_rule_breach(RawInstance& instance, const std::string& member) {
  if (!instance.context().broke_thread_rule()) return std::nullopt;
  return fail("the host-thread rule, by " + member + ": " +
              instance.context().thread_rule_violation());
}

RawInstance::RawInstance(Host& host, const Factory& factory, const std::string& name)
    : host_(host), factory_(factory), context_(host.make_context(name, factory.plugin)) {}

RawInstance::~RawInstance() { (void)drop(); }

CallOutcome RawInstance::create(const std::string& params_json) {
  void* instance = nullptr;
  keel_error_t err{};
  const keel_status_t status =
      factory_.create(params_json.c_str(), &context_->table, &instance, &err);
  if (status == KEEL_OK && instance == nullptr) {
    return {KEEL_ERR_PLUGIN_FAULT, "create returned KEEL_OK without an instance"};
  }
  if (status == KEEL_OK) self_ = instance;
  return outcome_of(status, err);
}

CallOutcome RawInstance::drop() {
  if (self_ == nullptr) return {};
  keel_error_t err{};
  const keel_status_t status = factory_.drop(self_, &err);
  self_ = nullptr;
  host_.close_context(*context_);
  return outcome_of(status, err);
}

std::string params_label(const std::string& params_json) {
  if (params_json.size() <= 80) return params_json;
  return params_json.substr(0, 77) + "...";
}

std::string number(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  // Prefer the shortest form that reads back the same.
  for (int digits = 6; digits < 17; ++digits) {
    char shorter[40];
    std::snprintf(shorter, sizeof shorter, "%.*g", digits, value);
    if (std::strtod(shorter, nullptr) == value) return shorter;
  }
  return buffer;
}

// ---- lifecycle (every kind) --------------------------------------------------------------

namespace {

constexpr const char* kUnknownParam = "keel_check_unknown_param";

// A JSON value of another type than the schema's `type` for one param.
std::optional<nlohmann::json> wrong_value_for(const nlohmann::json& spec) {
  if (!spec.is_object() || !spec.contains("type")) return std::nullopt;
  std::string type;
  if (spec["type"].is_string()) {
    type = spec["type"].get<std::string>();
  } else if (spec["type"].is_array() && !spec["type"].empty() && spec["type"][0].is_string()) {
    type = spec["type"][0].get<std::string>();
  }
  if (type == "number" || type == "integer") return nlohmann::json("not a number");
  if (type == "boolean") return nlohmann::json("not a boolean");
  if (type == "string") return nlohmann::json(12345);
  if (type == "array" || type == "object") return nlohmann::json(true);
  return std::nullopt;
}

// Creating with `bad_params` must fail with a clean status whose message
// names `key` (when given); a success is dropped and reported.
Verdict expect_refused(Host& host, const Factory& factory, const std::string& bad_params,
                       const std::string& what, const std::string& key) {
  RawInstance instance(host, factory, "check '" + factory.id + "'");
  const CallOutcome created = instance.create(bad_params);
  const std::string call = "create with " + what + " " + params_label(bad_params);
  if (created.ok()) {
    const CallOutcome dropped = instance.drop();
    return fail(call + " succeeded silently; expected KEEL_ERR_INVALID_ARGUMENT with a message" +
                (key.empty() ? std::string() : " naming /" + key) +
                (dropped.ok() ? "" : " (and its drop returned " + dropped.describe() + ")"));
  }
  if (auto breach = contract_breach(created, call)) return *breach;
  if (!key.empty() && created.message.find(key) == std::string::npos) {
    return fail(call + " was refused (" + created.describe() +
                ") but the message does not name "
                "the param /" +
                key);
  }
  return pass(call + " is refused: " + created.describe());
}

}  // namespace

bool check_lifecycle(Host& host, const Factory& factory, const std::string& params,
                     const CheckOptions& options, Collector& out) {
  const std::string& id = factory.id;
  const std::string label = params_label(params);
  bool created = false;
  out.run(id, "lifecycle.create_drop", [&]() -> Verdict {
    RawInstance instance(host, factory, "check '" + id + "'");
    const CallOutcome made = instance.create(params);
    if (auto breach = contract_breach(made, "create with params " + label)) return *breach;
    if (!made.ok()) {
      return fail("create with params " + label + " failed: " + made.describe() +
                  " (give working params with --params " + id +
                  "=JSON); the checks that need "
                  "an instance were skipped");
    }
    const CallOutcome dropped = instance.drop();
    if (auto breach = contract_breach(dropped, "drop of a fresh instance")) return *breach;
    if (!dropped.ok()) return fail("drop of a fresh instance returned " + dropped.describe());
    created = true;
    return pass("create with params " + label + " and drop of the fresh instance return OK");
  });

  const nlohmann::json good = nlohmann::json::parse(params, nullptr, false);
  const bool good_is_object = !good.is_discarded() && good.is_object();
  out.run(id, "lifecycle.unknown_param", [&]() -> Verdict {
    nlohmann::json bad = good_is_object ? good : nlohmann::json::object();
    bad[kUnknownParam] = 1;
    return expect_refused(host, factory, bad.dump(), "an unknown param", kUnknownParam);
  });
  out.run(id, "lifecycle.wrong_type", [&]() -> Verdict {
    const nlohmann::json schema = nlohmann::json::parse(factory.params_schema, nullptr, false);
    if (schema.is_discarded() || !schema.is_object() || !schema.contains("properties") ||
        !schema["properties"].is_object()) {
      return pass("no typed param in params_schema to give a wrong type (not checked)");
    }
    for (const auto& [key, spec] : schema["properties"].items()) {
      std::optional<nlohmann::json> wrong = wrong_value_for(spec);
      if (!wrong) continue;
      nlohmann::json bad = good_is_object ? good : nlohmann::json::object();
      bad[key] = *wrong;
      return expect_refused(host, factory, bad.dump(), "a wrong type", key);
    }
    return pass("no typed param in params_schema to give a wrong type (not checked)");
  });
  out.run(id, "lifecycle.not_json", [&]() -> Verdict {
    return expect_refused(host, factory, "{\"unterminated", "params that are not JSON", "");
  });
  if (!created) return false;

  out.run(id, "lifecycle.handle_reuse", [&]() -> Verdict {
    if (factory.kind == FactoryKind::pricing_model) {
      Result<keel_model_handle_t> handle = host.create_model(id, params, "model '" + id + "'");
      if (!handle) return fail("the host could not create a model: " + handle.status().message());
      if (Status first = host.drop_model(*handle); !first) {
        return fail("the first drop through the host failed: " + first.message());
      }
      const Status again = host.drop_model(*handle);
      if (again.code() != KEEL_ERR_STALE_HANDLE) {
        return fail("a second drop of model handle " + describe_handle(handle->bits) +
                    " returned '" + keel_status_name(again.code()) + "', expected stale handle");
      }
      if (Result<std::shared_ptr<ModelInstance>> used = host.model(*handle);
          used.status().code() != KEEL_ERR_STALE_HANDLE) {
        return fail("a dropped model handle still resolves");
      }
      return pass(
          "drop through the host is called once; a second drop and any use of the "
          "dropped handle return stale handle");
    }
    Result<std::unique_ptr<StrategyInstance>> strategy = StrategyInstance::create(
        factory, params, host.make_context("strategy '" + id + "'", factory.plugin));
    if (!strategy)
      return fail("the host could not create a strategy: " + strategy.status().message());
    if (Status first = (*strategy)->drop(); !first) {
      return fail("the first drop through the host failed: " + first.message());
    }
    if (Status again = (*strategy)->drop(); again.code() != KEEL_ERR_STALE_HANDLE) {
      return fail("a second drop returned '" + std::string(keel_status_name(again.code())) +
                  "', expected stale handle");
    }
    return pass("drop through the host is called once; a second drop returns stale handle");
  });

  out.run(id, "lifecycle.leaks", [&]() -> Verdict {
    const size_t leaks_before = host.leaks().size();
    for (int i = 0; i < options.lifecycle_cycles; ++i) {
      RawInstance instance(host, factory, "check '" + id + "' cycle " + std::to_string(i + 1));
      const CallOutcome made = instance.create(params);
      if (auto breach = contract_breach(made, "create in cycle " + std::to_string(i + 1))) {
        return *breach;
      }
      if (!made.ok()) {
        return fail("create in cycle " + std::to_string(i + 1) + " failed: " + made.describe());
      }
      const CallOutcome dropped = instance.drop();
      if (auto breach = contract_breach(dropped, "drop in cycle " + std::to_string(i + 1))) {
        return *breach;
      }
      if (!dropped.ok()) {
        return fail("drop in cycle " + std::to_string(i + 1) + " returned " + dropped.describe());
      }
    }
    const auto& leaks = host.leaks();
    if (leaks.size() > leaks_before) {
      return fail(std::to_string(leaks.size() - leaks_before) + " leak(s) over " +
                  std::to_string(options.lifecycle_cycles) + " create/drop cycles, first: " +
                  leaks[leaks_before].owner + ": " + leaks[leaks_before].what);
    }
    return pass(std::to_string(options.lifecycle_cycles) +
                " create/drop cycles leak no handles or capsules");
  });
  return true;
}

// ---- load and descriptor ------------------------------------------------------------------

namespace {

bool is_path(const std::string& target) {
  return target.find('/') != std::string::npos || (target.size() > 3 && target.ends_with(".so"));
}

Verdict check_exports(const std::filesystem::path& path) {
  Result<std::vector<std::string>> exports = read_elf_exports(path);
  if (!exports) return fail(exports.status().message());
  const ExportProblems rule1 = check_export_rule(*exports);
  if (!rule1.problems.empty()) {
    std::string text = rule1.problems[0];
    for (size_t i = 1; i < rule1.problems.size(); ++i) text += "; " + rule1.problems[i];
    return fail(text);
  }
  return pass(std::string("exports exactly one symbol, ") + KEEL_ENTRY_SYMBOL);
}

// The loader's message is "cannot load plugin PATH:" then one "  - problem"
// line per problem; each becomes a FAIL line under the subject it concerns.
void report_load_failure(const Status& status, bool exports_checked, Collector& out) {
  std::vector<std::string> problems;
  std::istringstream lines(status.message());
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("  - ", 0) == 0) problems.push_back(line.substr(4));
  }
  if (problems.empty()) {
    out.add("load", "load", fail(status.message()));
    return;
  }
  static const std::regex factory_problem(R"(^factory #(\d+)(?: '([^']*)')?: (.*)$)");
  for (const auto& problem : problems) {
    std::smatch match;
    if (std::regex_match(problem, match, factory_problem)) {
      const std::string subject = match[2].matched ? match[2].str() : "factory #" + match[1].str();
      out.add(subject, "factory.well_formed", fail(match[3].str()));
    } else if (problem.find("export") != std::string::npos) {
      if (!exports_checked) out.add("exports", "exports.one_symbol", fail(problem));
    } else if (problem.find("factory id") != std::string::npos) {
      out.add("factories", "factories.unique_ids", fail(problem));
    } else if (problem.find("magic") != std::string::npos ||
               problem.find("ABI") != std::string::npos) {
      out.add("descriptor", "descriptor.magic_abi", fail(problem));
    } else {
      out.add("descriptor", "descriptor.fields", fail(problem));
    }
  }
}

bool well_formed_id(const std::string& id) {
  static const std::regex pattern(R"(^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$)");
  return std::regex_match(id, pattern);
}

bool printable(const std::string& text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

void check_descriptor(const PluginLibrary& plugin, Collector& out) {
  const PluginFacts& f = plugin.facts();
  out.add("descriptor", "descriptor.magic_abi",
          pass("magic and ABI " + std::to_string(f.abi_major) + "." + std::to_string(f.abi_minor) +
               (f.abi_minor == KEEL_ABI_VERSION_MINOR
                    ? std::string()
                    : " (host speaks " + std::to_string(KEEL_ABI_VERSION_MAJOR) + "." +
                          std::to_string(KEEL_ABI_VERSION_MINOR) + ")")));
  out.add("descriptor", "descriptor.struct_size",
          pass("struct_size " + std::to_string(f.struct_size) + " (at least " +
               std::to_string(KEEL_PLUGIN_DESCRIPTOR_MIN_SIZE) + " required)"));
  out.run("descriptor", "descriptor.id", [&]() -> Verdict {
    if (!well_formed_id(f.id)) {
      return fail("id '" + f.id +
                  "' is not reverse-DNS-ish (letters, digits, '_' and '-' in "
                  "dot-separated parts, e.g. \"acme.models\")");
    }
    return pass("id '" + f.id + "' is well-formed");
  });
  out.run("descriptor", "descriptor.strings", [&]() -> Verdict {
    static const std::regex version(R"(^\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.+-]+)?$)");
    if (f.name.empty()) return fail("descriptor has no name");
    if (!std::regex_match(f.version, version)) {
      return fail("version '" + f.version + "' is not MAJOR.MINOR[.PATCH][-pre][+build]");
    }
    for (const std::string* text : {&f.name, &f.vendor, &f.description}) {
      if (!printable(*text)) return fail("name, vendor or description holds control characters");
    }
    return pass("name '" + f.name + "', version " + f.version + " present and sane");
  });
  out.run("descriptor", "descriptor.build", [&]() -> Verdict {
    if (f.pointer_size != sizeof(void*)) {
      return fail("build.pointer_size is " + std::to_string(f.pointer_size) + ", expected " +
                  std::to_string(sizeof(void*)));
    }
    if (f.sdk_version == "unknown" || f.language == "unknown" || f.compiler == "unknown") {
      return fail("build facts missing: sdk_version, language and compiler must all be set");
    }
    return pass("built with keel SDK " + f.sdk_version + ", " + f.language + ", " + f.compiler +
                ", " + std::to_string(f.pointer_size * 8) + "-bit");
  });
  // The Rust SDK states the panic strategy in the compiler text ("rustc
  // 1.95.0, panic=abort"): an aborting panic passes every other check and
  // later ends the host with no message, since no guard can catch it.
  if (f.compiler.find("panic=") != std::string::npos) {
    out.run("descriptor", "descriptor.panic_unwind", [&]() -> Verdict {
      if (f.compiler.find("panic=abort") != std::string::npos) {
        return fail(
            "built with panic = \"abort\": a panic would abort the host with no message; build "
            "with panic = \"unwind\"");
      }
      return pass("built with panic = \"unwind\": a panic becomes a fault the SDK reports");
    });
  }
  out.run("descriptor", "descriptor.get_extension", [&]() -> Verdict {
    if (plugin.extension("keel.check.no_such_extension/0") != nullptr) {
      return fail("get_extension(\"keel.check.no_such_extension/0\") returned non-NULL");
    }
    return pass("get_extension of an unknown id returns NULL (or is absent)");
  });

  out.run("factories", "factories.unique_ids", [&]() -> Verdict {
    const size_t count = plugin.factories().size() + f.ignored_factories.size();
    if (count == 0) return fail("the descriptor lists no factories");
    // The loader refused duplicates already; reaching here means unique.
    return pass(std::to_string(count) + " factor" + (count == 1 ? "y" : "ies") + ", ids unique");
  });
  for (const auto& ignored : f.ignored_factories) {
    out.add(ignored.substr(0, ignored.find(' ')), "factory.kind_known",
            fail("kind unknown to this host (ABI " + std::to_string(KEEL_ABI_VERSION_MAJOR) + "." +
                 std::to_string(KEEL_ABI_VERSION_MINOR) + "): " + ignored +
                 " is ignored; kinds are " KEEL_KIND_PRICING_MODEL " and " KEEL_KIND_STRATEGY));
  }
  for (const Factory& factory : plugin.factories()) {
    out.run(factory.id, "factory.well_formed", [&]() -> Verdict {
      if (!well_formed_id(factory.id)) {
        return fail("factory id '" + factory.id + "' is not reverse-DNS-ish");
      }
      const bool model = factory.kind == FactoryKind::pricing_model;
      const uint32_t size = model ? factory.model.struct_size : factory.strategy.struct_size;
      return pass(std::string("kind ") + (model ? KEEL_KIND_PRICING_MODEL : KEEL_KIND_STRATEGY) +
                  ", create/drop present, methods table " + std::to_string(size) + " bytes");
    });
    out.run(factory.id, "factory.params_schema", [&]() -> Verdict {
      const auto schema = nlohmann::json::parse(factory.params_schema, nullptr, false);
      if (schema.is_discarded()) return fail("params_schema is not JSON");
      if (!schema.is_object()) return fail("params_schema is not a JSON object");
      if (factory.description.empty()) return fail("factory has no description");
      return pass("params_schema is a JSON object; description present");
    });
  }
}

}  // namespace

CheckReport run_conformance_checks(Host& host, const std::string& target,
                                   const CheckOptions& options) {
  CheckReport report;
  report.target = target;
  Collector out(report.results);

  bool exports_checked = false;
  const bool by_path = is_path(target);
  if (by_path) {
    std::error_code ec;
    if (std::filesystem::exists(target, ec)) {
      report.plugin_path = target;
      out.run("exports", "exports.one_symbol", [&] { return check_exports(target); });
      exports_checked = true;
    }
  }
  Result<PluginLibrary*> loaded =
      by_path ? host.registry().load_file(target) : host.registry().find_plugin(target);
  if (!loaded) {
    report_load_failure(loaded.status(), exports_checked, out);
    return report;
  }
  PluginLibrary& plugin = **loaded;
  report.loaded = true;
  report.plugin_id = plugin.facts().id;
  report.plugin_path = plugin.path().string();
  if (!exports_checked) {
    out.run("exports", "exports.one_symbol", [&] { return check_exports(plugin.path()); });
  }
  check_descriptor(plugin, out);

  for (const auto& [name, factory_id] : options.models) {
    out.run("host", "host.model " + name, [&, &name = name, &factory_id = factory_id]() -> Verdict {
      Result<keel_model_handle_t> model = host.create_model(factory_id, "{}", name);
      if (!model) {
        return fail("model '" + name + "' (factory " + factory_id +
                    ") for model_lookup could not be created: " + model.status().message());
      }
      if (Status named = host.name_model(name, *model); !named.is_ok()) {
        return fail("model '" + name + "' could not be named: " + named.message());
      }
      return pass("model '" + name + "' (factory " + factory_id + ") is offered to model_lookup");
    });
  }

  for (const Factory& factory : plugin.factories()) {
    auto given = options.params.find(factory.id);
    const std::string params = given != options.params.end() ? given->second : "{}";
    if (!check_lifecycle(host, factory, params, options, out)) continue;
    if (factory.kind == FactoryKind::pricing_model) {
      check_pricing_model(host, factory, params, out);
    } else {
      check_strategy(host, factory, params, out);
    }
  }
  return report;
}

size_t CheckReport::failed() const {
  size_t n = 0;
  for (const auto& r : results) n += r.passed ? 0 : 1;
  return n;
}

bool CheckReport::any_fault() const {
  for (const auto& r : results) {
    if (r.fault) return true;
  }
  return false;
}

std::string format_line(const CheckResult& result) {
  return std::string(result.passed ? "PASS" : "FAIL") + "  " + result.subject + ": " +
         result.message;
}

}  // namespace keel::check
