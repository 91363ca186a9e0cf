// engine/python/python_strategy.hpp — strategies written in Python.
//
// A run file's {"python": {"script": ..., "class": ...}} becomes a strategy
// factory like any plugin's: python_strategy_factory() imports the script
// (once per registry), checks the class, and registers an in-process
// PluginLibrary whose one factory is the adapter. The adapter implements
// keel_strategy_vtable_t by calling the Python object, so the engine
// reaches a Python strategy through the same table as a native one, and
// the Python side reaches keel only through the instance's keel_host_t.
//
// The interpreter (Debian's CPython, embedded with pybind11) starts once per
// process and is never finalized or restarted. The thread that starts it
// gives the GIL back at once; the adapter takes the GIL only while it calls
// Python.
#pragma once

#include "engine/config/run_config.hpp"
#include "engine/core/status.hpp"
#include "engine/plugin/plugin_registry.hpp"

namespace keel::python {

// Starts the interpreter if this process has not yet (idempotent, thread-
// safe) and imports the `keel` module. Fails, with Python's message, when
// the interpreter cannot import keel's dependencies (numpy).
Status start_interpreter();

// The factory for a Python strategy. Imports the script on the first call
// for this registry, script and class; a syntax error, an exception while
// importing, a missing class or a class that does not subclass keel.Strategy
// fails with KEEL_ERR_INVALID_ARGUMENT and a message naming script:line.
Result<const Factory*> python_strategy_factory(PluginRegistry& registry,
                                               const PythonStrategySpec& spec);

}  // namespace keel::python
