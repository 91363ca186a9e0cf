// engine/python/interpreter_choice.cpp — see interpreter_choice.hpp.
// Python.h first, as CPython asks (it may set feature macros).
#include <Python.h>

#include "engine/python/interpreter_choice.hpp"

#include <fstream>
#include <optional>
#include <system_error>

namespace keel::python {
namespace {

namespace fs = std::filesystem;

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// The value of `key = value` in pyvenv.cfg (the format venv writes).
std::optional<std::string> cfg_value(const fs::path& cfg, const std::string& key) {
  std::ifstream in(cfg);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos && trim(line.substr(0, eq)) == key) {
      return trim(line.substr(eq + 1));
    }
  }
  return std::nullopt;
}

// "3.11.2" -> "3.11"; a string without two dots is returned whole.
std::string major_minor(const std::string& version) {
  const auto first = version.find('.');
  if (first == std::string::npos) return version;
  return version.substr(0, version.find('.', first + 1));
}

bool present(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

InterpreterChoice fallback(InterpreterChoice choice) {
  if (present(built_with_python())) choice.executable = built_with_python();
  return choice;
}

}  // namespace

const char* embedded_python_version() { return PY_VERSION; }

const char* built_with_python() { return KEEL_PYTHON_EXECUTABLE; }

InterpreterChoice choose_interpreter(const char* virtual_env) {
  InterpreterChoice choice;
  if (virtual_env == nullptr || *virtual_env == '\0') return fallback(std::move(choice));

  const fs::path venv = virtual_env;
  const std::string ignored = "; keel ignores it and embeds " + std::string(built_with_python());
  const fs::path cfg = venv / "pyvenv.cfg";
  if (!present(cfg)) {
    choice.warnings.push_back("VIRTUAL_ENV=" + venv.string() +
                              " is not a virtual environment (no pyvenv.cfg there)" + ignored);
    return fallback(std::move(choice));
  }
  // venv writes `version` (3.11) or `version_info` (3.12 and later).
  std::optional<std::string> version = cfg_value(cfg, "version");
  if (!version) version = cfg_value(cfg, "version_info");
  const std::string embedded = PY_VERSION;
  if (version && *version != embedded) {
    const std::string what = "the virtual environment " + venv.string() + " was made with Python " +
                             *version + ", keel embeds Python " + embedded;
    if (major_minor(*version) != major_minor(embedded)) {
      choice.warnings.push_back(what + ": its packages cannot be used" + ignored +
                                ". Make the venv with " + built_with_python() +
                                " -m venv --system-site-packages DIR");
      return fallback(std::move(choice));
    }
    choice.warnings.push_back(what + " (same " + major_minor(embedded) + " series: using it)");
  }
  for (const char* name : {"python3", "python"}) {
    if (present(venv / "bin" / name)) {
      choice.executable = venv / "bin" / name;
      choice.venv = venv;
      return choice;
    }
  }
  choice.warnings.push_back("the virtual environment " + venv.string() + " has no bin/python3" +
                            ignored);
  return fallback(std::move(choice));
}

}  // namespace keel::python
