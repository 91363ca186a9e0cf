// tests/python/pytest_runner.cpp — runs the pytest suite of the `keel`
// Python module inside keel's own embedded interpreter.
//
// The module is a PYBIND11_EMBEDDED_MODULE of the engine, not an extension
// a stock python3 could import, so the tests run where strategies run: this
// program starts the interpreter the way `keel run` does
// (keel::python::start_interpreter), gives the tests a host table of their
// own — a keel::Host with the shipped Black-Scholes plugin loaded and one
// model named "bs", no run services (orders answer "unsupported") — as
// keel._test_context, and calls pytest.main on the folder given.
//
//   keel_pytest_runner TESTS_DIR BLACK_SCHOLES_PLUGIN [pytest args...]
#include <pybind11/embed.h>

#include <iostream>
#include <string>
#include <vector>

#include "engine/host/host.hpp"
#include "engine/python/bindings.hpp"
#include "engine/python/python_strategy.hpp"

namespace py = pybind11;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: keel_pytest_runner TESTS_DIR BLACK_SCHOLES_PLUGIN [pytest args...]\n";
    return 2;
  }
  keel::Host host;
  if (auto loaded = host.registry().load_file(argv[2]); !loaded) {
    std::cerr << loaded.status().message() << "\n";
    return 2;
  }
  auto model = host.create_model("keel.black_scholes", "{}", "model 'bs'");
  if (!model || !host.name_model("bs", *model)) {
    std::cerr << "cannot create the test model\n";
    return 2;
  }
  auto context = host.make_context("pytest", nullptr);
  if (keel::Status s = keel::python::start_interpreter(); !s) {
    std::cerr << s.message() << "\n";
    return 2;
  }
  int code = 1;
  {
    py::gil_scoped_acquire gil;
    auto test_context = std::make_shared<keel::python::HostContext>();
    test_context->host = &context->table;
    test_context->name = "pytest";
    try {
      py::module_ keel_module = py::module_::import("keel");
      keel_module.attr("_test_context") = test_context;
      py::list args;
      args.append(argv[1]);
      args.append("-p");
      args.append("no:cacheprovider");
      for (int i = 3; i < argc; ++i) args.append(argv[i]);
      code = py::module_::import("pytest").attr("main")(args).cast<int>();
      keel_module.attr("_test_context") = py::none();
    } catch (py::error_already_set& e) {
      std::cerr << "pytest could not run: " << e.what() << "\n";
      code = 2;
    }
    test_context->host = nullptr;
  }
  host.close_context(*context);
  host.shutdown();
  return code;
}
