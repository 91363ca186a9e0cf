// engine/cli/global_options.cpp — see global_options.hpp.
#include "engine/cli/global_options.hpp"

namespace keel::cli {
namespace {

constexpr const char* kGlobalNames[] = {"--plugin-path", "--log-level"};

void collect_shadowed(const CLI::App& app, const std::string& path, std::vector<std::string>& out) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    const std::string sub_path = path + " " + sub->get_name();
    for (const char* name : kGlobalNames) {
      if (sub->get_option_no_throw(name) != nullptr) out.push_back(sub_path + ": " + name);
    }
    collect_shadowed(*sub, sub_path, out);
  }
}

}  // namespace

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--plugin-path", options.plugin_paths,
                 "Folder to search for plugins first (repeatable; searched in the order given)")
      ->type_name("DIR")
      // One folder per --plugin-path: a vector option would otherwise also
      // take the words after it, e.g. the id in `plugin inspect --plugin-path
      // DIR ID`.
      ->allow_extra_args(false);
  app.add_option("--log-level", options.log_level, "trace|debug|info|warn|error|off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  // Inherited by subcommands made after this (CLI11 copies it at creation),
  // so `plugin` and `plugin inspect` fall through as well.
  app.fallthrough();
}

std::vector<std::string> shadowed_global_options(const CLI::App& app) {
  std::vector<std::string> out;
  collect_shadowed(app, app.get_name(), out);
  return out;
}

}  // namespace keel::cli
