// engine/cli/python_command.cpp — see python_command.hpp.
//
// The package is looked for where the build and `cmake --install` put it,
// relative to this executable: <bin>/../python (the build tree) and
// <bin>/../lib/python3/dist-packages (an install prefix). Global options
// reach the Python side as the environment every keel run reads:
// --plugin-path folders are put first on KEEL_PLUGIN_PATH, --log-level is
// passed on as the command's own --log-level (to a command that has one).
#include "engine/cli/python_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <system_error>
#include <vector>

#include "engine/cli/exit_codes.hpp"
#if KEEL_WITH_PYTHON
#include "engine/python/interpreter_choice.hpp"
#endif

namespace keel::cli {
namespace {

namespace fs = std::filesystem;

// The folder that holds keel/__init__.py and keel's extension module, or empty.
fs::path package_folder(std::string* looked) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const fs::path bin = exe.parent_path();
  for (const fs::path& candidate :
       {bin.parent_path() / "python", bin.parent_path() / "lib" / "python3" / "dist-packages"}) {
    const fs::path dir = candidate.lexically_normal();
    *looked += (looked->empty() ? "" : ", ") + dir.string();
    if (!fs::exists(dir / "keel" / "__init__.py", ec)) continue;
    for (const auto& entry : fs::directory_iterator(dir / "keel", ec)) {
      const std::string file = entry.path().filename().string();
      if (file.rfind("_keel", 0) == 0 && entry.path().extension() == ".so") return dir;
    }
  }
  return {};
}

std::string prepend_path(const std::vector<std::string>& first, const char* rest) {
  std::string out;
  for (const std::string& dir : first) out += (out.empty() ? "" : ":") + dir;
  if (rest != nullptr && *rest != '\0') out += (out.empty() ? "" : ":") + std::string(rest);
  return out;
}

int exec_python(const std::string& name, bool takes_log_level, std::vector<std::string> args,
                GlobalOptions global) {
#if KEEL_WITH_PYTHON
  // Global options after the command are taken out of its arguments, as
  // every keel command takes them: --plugin-path DIR, --log-level LEVEL (or
  // NAME=VALUE).
  for (size_t i = 0; i < args.size();) {
    const std::string& a = args[i];
    const bool plugin_path = a == "--plugin-path" || a.rfind("--plugin-path=", 0) == 0;
    const bool log_level = a == "--log-level" || a.rfind("--log-level=", 0) == 0;
    if (!plugin_path && !log_level) {
      ++i;
      continue;
    }
    const size_t eq = a.find('=');
    if (eq == std::string::npos && i + 1 == args.size()) {
      std::cerr << "keel " << name << ": " << a << " needs a value\n";
      return kExitUsage;
    }
    const std::string value = eq != std::string::npos ? a.substr(eq + 1) : args[i + 1];
    if (plugin_path) global.plugin_paths.push_back(value);
    if (log_level) global.log_level = value;
    const size_t used = eq != std::string::npos ? 1 : 2;
    args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
               args.begin() + static_cast<std::ptrdiff_t>(i + used));
  }
  std::string looked;
  const fs::path package = package_folder(&looked);
  if (package.empty()) {
    std::cerr << "keel " << name << ": keel's Python package is not beside this executable "
              << "(looked in " << looked << "). Build it (make build) or install it "
              << "(cmake --install build), or run it as: PYTHONPATH=DIR "
              << python::built_with_python() << " -m keel " << name << " ...\n";
    return kExitUsage;
  }
  const std::string pythonpath = prepend_path({package.string()}, std::getenv("PYTHONPATH"));
  ::setenv("PYTHONPATH", pythonpath.c_str(), 1);
  if (!global.plugin_paths.empty()) {
    const std::string plugins = prepend_path(global.plugin_paths, std::getenv("KEEL_PLUGIN_PATH"));
    ::setenv("KEEL_PLUGIN_PATH", plugins.c_str(), 1);
  }
  std::vector<std::string> argv = {python::built_with_python(), "-m", "keel", name};
  argv.insert(argv.end(), args.begin(), args.end());
  if (takes_log_level && global.log_level != "warn") {
    argv.push_back("--log-level");
    argv.push_back(global.log_level);
  }
  std::vector<char*> raw;
  for (std::string& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  ::execv(raw[0], raw.data());
  std::cerr << "keel " << name << ": cannot start " << raw[0] << ": " << std::strerror(errno)
            << ". Install Debian's python3 (sudo apt-get install python3-numpy python3-pandas)\n";
  return kExitUsage;
#else
  (void)takes_log_level;
  (void)args;
  (void)global;
  std::cerr << "keel " << name << " is written in Python, and this keel was built without "
            << "Python (KEEL_WITH_PYTHON=OFF). Build with Python to use it.\n";
  return kExitUsage;
#endif
}

}  // namespace

PythonCommandRunner add_python_command(CLI::App& app, const std::string& name,
                                       const std::string& description, bool takes_log_level) {
  CLI::App* cmd =
      app.add_subcommand(name, description + " (`keel " + name + " --help` for its options)");
  // Every argument is the Python command's, --help included: no help flag
  // here, and no fallthrough to the top-level app (whose --help would answer).
  cmd->prefix_command();
  cmd->set_help_flag();
  cmd->allow_extras();
  cmd->fallthrough(false);
  return [cmd, name, takes_log_level](const GlobalOptions& global) {
    return exec_python(name, takes_log_level, cmd->remaining(), global);
  };
}

}  // namespace keel::cli
