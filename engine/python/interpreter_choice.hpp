// engine/python/interpreter_choice.hpp — which Python installation the
// embedded interpreter starts as: the virtual environment the user
// activated, or the python3 keel was built with.
//
// keel does not edit sys.path. It sets PyConfig.executable, and CPython's
// own start-up (getpath) does the rest as for `V/bin/python3`: it reads
// V/pyvenv.cfg, sets sys.prefix to V and sys.base_prefix to the base
// installation, and site adds V's site-packages (and the system's
// dist-packages for a --system-site-packages venv).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace keel::python {

struct InterpreterChoice {
  // What PyConfig.executable is set to; empty leaves it to CPython.
  std::filesystem::path executable;
  // The virtual environment in use; empty when none.
  std::filesystem::path venv;
  // For the user, at warning level: a VIRTUAL_ENV keel cannot honour.
  std::vector<std::string> warnings;
};

// The version keel embeds ("3.11.2", PY_VERSION of the headers it was
// compiled against) and the python3 it was configured with (CMake's
// Python3_EXECUTABLE).
const char* embedded_python_version();
const char* built_with_python();

// Decides from `virtual_env` (the VIRTUAL_ENV variable, null or empty when
// no venv is active). A venv is used when V/pyvenv.cfg exists, V/bin/python3
// (or V/bin/python) exists, and the venv's Python has the embedded major and
// minor version. Otherwise the venv is ignored with a warning that says
// why (for a version mismatch, naming both versions) and the choice falls
// back to built_with_python() when that file exists. A venv of another
// micro version (3.11.4 vs 3.11.2) is used, with a warning naming both.
InterpreterChoice choose_interpreter(const char* virtual_env);

}  // namespace keel::python
