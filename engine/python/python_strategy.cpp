// engine/python/python_strategy.cpp — the interpreter, script loading, and
// the adapter: a keel_strategy_vtable_t whose members call the Python
// strategy object (see python_strategy.hpp).
#include "engine/python/python_strategy.hpp"

#include <algorithm>
#include <pybind11/embed.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/python/bindings.hpp"
#include "engine/python/interpreter_choice.hpp"
#include "keel/version.h"

namespace keel::python {
namespace {

// ---- the interpreter -------------------------------------------------------------

// Starts CPython as pybind11's initialize_interpreter(bool ...) does (an
// isolated config that still reads PYTHON* variables), with no signal
// handlers of its own and the executable interpreter_choice.hpp picks.
Status initialize(const InterpreterChoice& choice) {
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.isolated = 0;
  config.use_environment = 1;
  config.install_signal_handlers = 0;
  if (!choice.executable.empty()) {
    PyStatus set = PyConfig_SetBytesString(&config, &config.executable, choice.executable.c_str());
    if (PyStatus_Exception(set)) {
      PyConfig_Clear(&config);
      return Status(KEEL_ERR_UNSUPPORTED,
                    "cannot set the embedded Python's executable to " + choice.executable.string());
    }
  }
  try {
    py::initialize_interpreter(&config, 0, nullptr, /*add_program_dir_to_path=*/false);
  } catch (const std::runtime_error& e) {  // config is cleared by pybind11
    return Status(
        KEEL_ERR_UNSUPPORTED,
        std::string("the embedded Python did not start: ") + e.what() +
            (choice.venv.empty() ? std::string()
                                 : " (with the virtual environment " + choice.venv.string() + ")"));
  }
  return Status();
}

Status start_once() {
  if (Py_IsInitialized()) {
    // keel is a library inside a Python program (engine/library): the
    // program's interpreter is the one, and it has imported keel already.
    return Status();
  }
  const InterpreterChoice choice = choose_interpreter(std::getenv("VIRTUAL_ENV"));
  for (const std::string& warning : choice.warnings) spdlog::warn("{}", warning);
  if (Status s = initialize(choice); !s) return s;
  Status status;
  try {
    py::module_ sys = py::module_::import("sys");
    sys.attr("argv") = py::make_tuple("keel");
    spdlog::info("embedded Python {}: sys.executable {}, sys.prefix {}, {}",
                 embedded_python_version(), py::str(sys.attr("executable")).cast<std::string>(),
                 py::str(sys.attr("prefix")).cast<std::string>(),
                 choice.venv.empty() ? std::string("no virtual environment")
                                     : "virtual environment " + choice.venv.string());
    import_embedded_package();  // imports numpy
  } catch (py::error_already_set& e) {
    status = Status(KEEL_ERR_UNSUPPORTED,
                    std::string("the embedded Python cannot import keel's module: ") + e.what() +
                        " (is Debian's python3-numpy installed?)");
  }
  // The starting thread keeps no GIL: every call into Python takes it.
  PyEval_SaveThread();
  return status;
}

// ---- Python errors as messages -------------------------------------------------------

struct Where {
  std::string file;
  long line = 0;
  std::string function;
};

// The frame to name: the deepest in the strategy's script, else the deepest.
std::optional<Where> raise_site(py::handle traceback, const std::string& script) {
  std::optional<Where> deepest, in_script;
  for (py::handle tb = traceback; tb && !tb.is_none(); tb = tb.attr("tb_next")) {
    py::handle code = tb.attr("tb_frame").attr("f_code");
    Where w{code.attr("co_filename").cast<std::string>(), tb.attr("tb_lineno").cast<long>(),
            code.attr("co_name").cast<std::string>()};
    if (w.file == script) in_script = w;
    deepest = w;
  }
  return in_script ? in_script : deepest;
}

struct PythonError {
  keel_status_t code = KEEL_ERR_PLUGIN_FAULT;
  std::string message;    // "ZeroDivisionError: division by zero (at x.py:12 in on_bar)"
  std::string traceback;  // Python's full traceback text
};

PythonError describe(py::error_already_set& e, const std::string& script) {
  PythonError out;
  py::module_ keel = py::module_::import("keel");
  py::handle type = e.type(), value = e.value();
  std::string type_name = type.attr("__name__").cast<std::string>();
  if (py::isinstance(value, keel.attr("Error"))) {
    out.code = value.attr("code").cast<keel_status_t>();
    if (out.code <= KEEL_OK || out.code > KEEL_STATUS_LAST) out.code = KEEL_ERR_PLUGIN_FAULT;
    type_name = "keel." + type_name;
  }
  std::string text = py::str(value).cast<std::string>();
  if (PyErr_GivenExceptionMatches(type.ptr(), PyExc_SyntaxError)) {
    // Python's own location of a syntax error is the offending line itself.
    const std::string file = py::str(value.attr("filename")).cast<std::string>();
    const std::string line = py::str(value.attr("lineno")).cast<std::string>();
    out.message = type_name + ": " + py::str(value.attr("msg")).cast<std::string>() + " (at " +
                  file + ":" + line + ")";
  } else {
    out.message = type_name + (text.empty() ? "" : ": " + text);
    if (auto where = raise_site(e.trace(), script)) {
      out.message += " (at " + where->file + ":" + std::to_string(where->line) + " in " +
                     where->function + ")";
    }
  }
  // An exception raised by the call itself (a callback with the wrong
  // signature: TypeError) has no traceback.
  py::object trace = e.trace() ? py::reinterpret_borrow<py::object>(e.trace()) : py::none();
  py::list lines = py::module_::import("traceback").attr("format_exception")(type, value, trace);
  for (py::handle line : lines) out.traceback += line.cast<std::string>();
  return out;
}

// ---- scripts ---------------------------------------------------------------------------

// One imported script class. Lives (and holds its Python objects) for the
// life of the process: the interpreter is never finalized.
struct Script {
  std::string path;        // resolved, as Python reports it in tracebacks
  std::string class_name;
  py::object cls;
};

// The names of the classes a module defines, with their lines, for a
// "did you mean" when the run file names another.
std::string classes_defined(const py::module_& module, const std::string& script) {
  std::string list;
  py::module_ inspect = py::module_::import("inspect");
  for (auto item : module.attr("__dict__").cast<py::dict>()) {
    py::handle value = item.second;
    if (!PyType_Check(value.ptr())) continue;
    if (value.attr("__module__").cast<std::string>() != module.attr("__name__").cast<std::string>()) {
      continue;
    }
    long line = 0;
    try {
      line = inspect.attr("getsourcelines")(value)[py::int_(1)].cast<long>();
    } catch (py::error_already_set&) {
    }
    list += (list.empty() ? "" : ", ") + item.first.cast<std::string>() + " (" + script + ":" +
            std::to_string(line) + ")";
  }
  return list;
}

// ---- the adapter -------------------------------------------------------------------------

// The per-event paths hand a strategy a keel.Quote / Trade / Bar / Fill.
// Making a new pybind11 object for every event (type lookup, allocation,
// registration in pybind11's instance map, deallocation) was most of a
// no-op callback's cost. Each adapter keeps one object per kind and writes
// the next event into it in place, as long as nobody else holds it: when
// the strategy kept the object it was given (a reference still held after
// the call), the next event gets a new one, so an object a strategy keeps
// never changes under it.
template <class Event>
class ReusableEvent {
 public:
  // The object holding `event`, borrowed: valid until the next get().
  py::handle get(const Event& event) {
    if (object_ && Py_REFCNT(object_.ptr()) == 1) {  // only we hold it
      *slot_ = event;
      return object_;
    }
    object_ = fresh(event);
    slot_ = object_.template cast<Event*>();
    return object_;
  }

 private:
  // py::cast looks the C++ type up by name (a hash of typeid's name and a
  // strcmp) on every call; here the lookup is done once.
  static py::object fresh(const Event& event) {
    static const py::detail::type_info* const info = py::detail::get_type_info(typeid(Event));
    if (info == nullptr) return py::cast(event);
    return py::reinterpret_steal<py::object>(py::detail::type_caster_generic::cast(
        &event, py::return_value_policy::copy, py::handle(), info,
        [](const void* from) -> void* { return new Event(*static_cast<const Event*>(from)); },
        nullptr));
  }
  py::object object_;
  Event* slot_ = nullptr;
};


struct Adapter {
  const Script* script = nullptr;
  std::shared_ptr<HostContext> context;
  py::object self;
  // The callbacks the class overrides (None: the base class's no-op).
  py::object on_start, on_quote, on_trade, on_bar, on_order_update, on_fill, on_timer, on_stop;
  py::object on_quotes, on_trades, on_bars;
  py::object on_book;  // None: the table has no on_book (register_class)
  size_t consumed = 0;
  // The per-event objects, reused while only the adapter holds them.
  ReusableEvent<keel_quote_t> quote;
  ReusableEvent<keel_trade_t> trade;
  ReusableEvent<keel_bar_t> bar;
  ReusableEvent<keel_book_update_t> book;
  ReusableEvent<keel_fill_t> fill;

  bool broke_thread_rule() const { return context->broke_thread_rule(); }
};

Adapter& adapter(void* self) { return *static_cast<Adapter*>(self); }

// A callback in progress on this thread (HostContext's per-call state); the
// GIL is held while it is made and unmade.
class CallScope {
 public:
  explicit CallScope(HostContext& context) : context_(context), outer_(context.calling) {
    context_.call_thread = std::this_thread::get_id();
    context_.calling = true;
  }
  ~CallScope() { context_.calling = outer_; }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  HostContext& context_;
  bool outer_;
};

// Per thread: a run calls its strategies on the thread that runs it.
thread_local RunHooks* g_run_hooks = nullptr;

// Runs `body` holding the GIL; a Python exception becomes a status and a
// message naming the script's file:line, and its traceback is logged. A
// violation of the host-thread rule during the call fails it (the host,
// when it refused a call itself, reports its own message instead).
template <class Body>
keel_status_t guarded(Adapter& a, const char* member, keel_error_t* err, Body&& body) {
  py::gil_scoped_acquire gil;
  const CallScope call(*a.context);
  try {
    body();
    if (a.broke_thread_rule()) [[unlikely]] {
      std::lock_guard lock(a.context->wrong_thread_mutex);
      return keel_error_set(err, KEEL_ERR_WRONG_THREAD, "%s",
                            a.context->wrong_thread_message.c_str());
    }
    return KEEL_OK;
  } catch (py::error_already_set& e) {
    if (g_run_hooks != nullptr) {
      if (g_run_hooks->interrupt != nullptr && e.matches(PyExc_KeyboardInterrupt)) {
        // Ctrl-C in the Python program running keel: the run stops at the
        // next event, as interrupted, like `keel run` on SIGINT.
        g_run_hooks->interrupt->store(SIGINT, std::memory_order_relaxed);
        return KEEL_OK;
      }
      g_run_hooks->raised.emplace_back(a.context->name,
                                       py::reinterpret_borrow<py::object>(e.value()));
    }
    PythonError error;
    try {
      error = describe(e, a.script->path);
    } catch (const std::exception& inner) {  // nothing may leave through the C table
      error.message = std::string(member) + " raised an exception that could not be described (" +
                      inner.what() + ")";
    }
    if (a.context->host != nullptr && a.context->host->log != nullptr) {
      const std::string log = std::string(member) + " raised " + error.message + "\n" +
                              error.traceback;
      a.context->host->log(a.context->host, KEEL_LOG_ERROR, log.c_str());
    }
    return keel_error_set(err, error.code, "%s", error.message.c_str());
  } catch (const std::exception& e) {
    return keel_error_set(err, KEEL_ERR_PLUGIN_FAULT, "%s: %s", member, e.what());
  }
}

py::object overridden(const py::object& self, const char* name) {
  py::object base = py::module_::import("keel").attr("Strategy");
  py::object cls = py::type::of(self);
  if (!py::hasattr(cls, name)) return py::none();
  if (py::hasattr(base, name) && cls.attr(name).is(base.attr(name))) return py::none();
  return self.attr(name);
}

keel_status_t on_start(void* self, const keel_strategy_start_t* start, keel_error_t* err) {
  Adapter& a = adapter(self);
  return guarded(a, "on_start", err, [&] {
    a.context->name = start->name != nullptr ? start->name : "";
    py::list ids, symbols;
    for (size_t i = 0; i < start->instrument_count; ++i) {
      ids.append(start->instruments[i]);
      keel_instrument_info_t info{};
      info.struct_size = sizeof info;
      keel_error_t ignored{};
      const keel_host_t* host = a.context->host;
      const bool known = host->instrument_get(host, start->instruments[i], &info, &ignored) ==
                             KEEL_OK &&
                         info.symbol != nullptr;
      symbols.append(known ? py::str(info.symbol) : py::str(""));
    }
    py::object value = py::module_::import("keel").attr("Start")(start->start_time, a.context->name,
                                                                ids, symbols);
    if (!a.on_start.is_none()) a.on_start(value);
  });
}

// callback(arg), by vectorcall: pybind11's operator() builds an argument
// tuple for every call, which is a third of a no-op per-event callback.
void call_one(const py::object& callback, py::handle arg) {
  PyObject* result = PyObject_CallOneArg(callback.ptr(), arg.ptr());
  if (result == nullptr) throw py::error_already_set();
  Py_DECREF(result);
}

// A market event or a fill to its per-event callback (if the class has one), in the
// adapter's reused object of that kind.
template <class Event>
void call_market(const py::object& callback, ReusableEvent<Event>& object, const Event& event) {
  if (!callback.is_none()) call_one(callback, object.get(event));
}

void deliver(Adapter& a, const keel_event_t& event) {
  const py::object* callback = nullptr;
  switch (event.kind) {
    case KEEL_EVENT_QUOTE:
      return call_market(a.on_quote, a.quote, event.as.quote);
    case KEEL_EVENT_TRADE:
      return call_market(a.on_trade, a.trade, event.as.trade);
    case KEEL_EVENT_BAR:
      return call_market(a.on_bar, a.bar, event.as.bar);
    case KEEL_EVENT_ORDER_UPDATE:
      callback = &a.on_order_update;
      break;
    case KEEL_EVENT_FILL:
      return call_market(a.on_fill, a.fill, event.as.fill);
    case KEEL_EVENT_TIMER:
      callback = &a.on_timer;
      break;
    case KEEL_EVENT_BOOK:
      return call_market(a.on_book, a.book, event.as.book);
    default:
      return;
  }
  if (!callback->is_none()) call_one(*callback, make_event(event));
}

keel_status_t on_quote(void* self, const keel_quote_t* quote, keel_error_t* err) {
  Adapter& a = adapter(self);
  return guarded(a, "on_quote", err, [&] { call_market(a.on_quote, a.quote, *quote); });
}
keel_status_t on_trade(void* self, const keel_trade_t* trade, keel_error_t* err) {
  Adapter& a = adapter(self);
  return guarded(a, "on_trade", err, [&] { call_market(a.on_trade, a.trade, *trade); });
}
keel_status_t on_bar(void* self, const keel_bar_t* bar, keel_error_t* err) {
  Adapter& a = adapter(self);
  return guarded(a, "on_bar", err, [&] { call_market(a.on_bar, a.bar, *bar); });
}
keel_status_t on_book(void* self, const keel_book_update_t* update, keel_error_t* err) {
  Adapter& a = adapter(self);
  return guarded(a, "on_book", err, [&] { call_market(a.on_book, a.book, *update); });
}
keel_status_t on_order_update(void* self, const keel_order_update_t* update, keel_error_t* err) {
  Adapter& a = adapter(self);
  return guarded(a, "on_order_update", err, [&] {
    if (!a.on_order_update.is_none()) call_one(a.on_order_update, make_order_update(*update));
  });
}
keel_status_t on_fill(void* self, const keel_fill_t* fill, keel_error_t* err) {
  Adapter& a = adapter(self);
  return guarded(a, "on_fill", err, [&] {
    if (!a.on_fill.is_none()) call_one(a.on_fill, a.fill.get(*fill));
  });
}
keel_status_t on_timer(void* self, const keel_timer_event_t* timer, keel_error_t* err) {
  Adapter& a = adapter(self);
  return guarded(a, "on_timer", err, [&] {
    if (!a.on_timer.is_none()) a.on_timer(make_timer(*timer));
  });
}
keel_status_t on_stop(void* self, keel_timestamp_t at, keel_error_t* err) {
  Adapter& a = adapter(self);
  return guarded(a, "on_stop", err, [&] {
    if (!a.on_stop.is_none()) a.on_stop(at);
  });
}

// The span a callback is handling, on the context for the module to read
// (now(), batch_at) while the callback runs; cleared when it returns.
class BatchScope {
 public:
  BatchScope(HostContext& context, const keel_event_t* events, size_t count, bool vectorised)
      : context_(context) {
    context_.batch = events;
    context_.batch_count = count;
    context_.vectorised = vectorised;
    context_.cursor.reset();
    context_.host_cursor = 0;  // before events[0]; batch_at or the loop moves it
    context_.acted_at.reset();
  }
  ~BatchScope() {
    context_.batch = nullptr;
    context_.batch_count = 0;
    context_.vectorised = false;
    context_.cursor.reset();
    context_.acted_at.reset();
  }
  BatchScope(const BatchScope&) = delete;
  BatchScope& operator=(const BatchScope&) = delete;

 private:
  HostContext& context_;
};

// How many events of a vectorised call a failure reached: up to the event
// on which the strategy acted, else the cursor's; without a cursor the
// first event (the earliest the failure can have been).
size_t failure_reach(const HostContext& c) {
  size_t reach = c.cursor ? *c.cursor + 1 : 1;
  if (c.acted_at) reach = std::min(reach, *c.acted_at + 1);
  // A breach of the host-thread rule failed the event it happened during,
  // even when the callback went on to later events.
  if (c.broke_thread_rule() && c.wrong_thread_at) reach = std::min(reach, *c.wrong_thread_at + 1);
  return reach;
}

// What a vectorised call returned, as a count of handled events. With the
// batch cursor, an action fixes the count: the event it was sent from.
size_t handled_count(const Adapter& a, const HostContext& c, const char* member,
                     const py::object& result, size_t count) {
  const std::string who = a.script->class_name + "." + member + " (" + a.script->path + ")";
  if (result.is_none()) {
    if (!c.acted_at) return count;
    if (c.cursor != c.acted_at) {
      throw std::invalid_argument(
          who + " acted at event " + std::to_string(*c.acted_at) + " (batch_at) and went on to " +
          "event " + std::to_string(*c.cursor) + ": return " + std::to_string(*c.acted_at + 1) +
          " right after acting; keel delivers the rest once what the action caused has happened");
    }
    return *c.acted_at + 1;
  }
  const long long handled = result.cast<long long>();
  if (handled < 1 || handled > static_cast<long long>(count)) {
    throw std::invalid_argument(
        who + " returned " + std::to_string(handled) + " for " + std::to_string(count) +
        " events: return None (all handled) or how many it handled, 1.." + std::to_string(count));
  }
  if (c.acted_at && static_cast<size_t>(handled) != *c.acted_at + 1) {
    throw std::invalid_argument(who + " acted at event " + std::to_string(*c.acted_at) +
                                " (batch_at) but returned " + std::to_string(handled) +
                                ": return " + std::to_string(*c.acted_at + 1) +
                                ", right after the event it acted on");
  }
  return static_cast<size_t>(handled);
}

// A span of events: the batch form (on_quotes/on_trades/on_bars, one call
// over a numpy view) when the class has it for the span's kind, else the
// per-event callbacks in a loop. Either way the span ends after the event
// during which the strategy acted, and a failure (an exception, or a
// [host-thread] call from another thread) reaches the event it happened at
// (see KEEL_STRATEGY_EXT_EVENTS_CONSUMED): the loop moves the cursor itself,
// a vectorised callback with batch_at.
keel_status_t on_events(void* self, const keel_event_t* events, size_t count, keel_error_t* err) {
  Adapter& a = adapter(self);
  HostContext& c = *a.context;
  a.consumed = count;
  const char* member = "on_events";
  const py::object* batch = nullptr;
  if (count > 0) {
    switch (events[0].kind) {
      case KEEL_EVENT_QUOTE: batch = &a.on_quotes, member = "on_quotes"; break;
      case KEEL_EVENT_TRADE: batch = &a.on_trades, member = "on_trades"; break;
      case KEEL_EVENT_BAR: batch = &a.on_bars, member = "on_bars"; break;
      default: break;
    }
  }
  bool one_kind = true;
  for (size_t i = 1; i < count && one_kind; ++i) one_kind = events[i].kind == events[0].kind;
  const bool vectorised = batch != nullptr && !batch->is_none() && one_kind;

  py::gil_scoped_acquire gil;  // Python threads read the context under the GIL
  const BatchScope span(c, events, count, vectorised);
  if (vectorised) {
    const keel_status_t status = guarded(a, member, err, [&] {
      py::object result = (*batch)(event_span_view(events, count));
      a.consumed = handled_count(a, c, member, result, count);
    });
    if (status != KEEL_OK || a.broke_thread_rule()) a.consumed = failure_reach(c);
    return status;
  }
  const char* per_event = count == 0                           ? "on_events"
                          : events[0].kind == KEEL_EVENT_QUOTE ? "on_quote"
                          : events[0].kind == KEEL_EVENT_TRADE ? "on_trade"
                          : events[0].kind == KEEL_EVENT_BAR   ? "on_bar"
                          : events[0].kind == KEEL_EVENT_BOOK  ? "on_book"
                                                               : "on_events";
  return guarded(a, per_event, err, [&] {
    for (size_t i = 0; i < count; ++i) {
      const uint64_t actions = c.actions;
      c.move_cursor(i);
      a.consumed = i + 1;  // so far, should this event fail
      deliver(a, events[i]);
      if (c.actions != actions || a.broke_thread_rule()) return;
    }
  });
}

size_t events_consumed(void* self) { return adapter(self).consumed; }

const size_t* batch_cursor(void* self) { return &adapter(self).context->host_cursor; }

const keel_strategy_events_consumed_ext_t kConsumedExtension{
    sizeof(keel_strategy_events_consumed_ext_t), &events_consumed, &batch_cursor};

const void* get_extension(void* /*self*/, const char* id) {
  if (id != nullptr && std::string(id) == KEEL_STRATEGY_EXT_EVENTS_CONSUMED) {
    return &kConsumedExtension;
  }
  return nullptr;
}

const keel_strategy_vtable_t kVtable{sizeof(keel_strategy_vtable_t),
                                     &on_start,
                                     &on_quote,
                                     &on_trade,
                                     &on_bar,
                                     &on_order_update,
                                     &on_fill,
                                     &on_timer,
                                     &on_stop,
                                     &on_events,
                                     &get_extension,
                                     nullptr};  // on_book: set per class (register_class)

// Exceptions in __init__ that say the params are wrong: the run file's
// fault, not the script's.
bool is_param_error(py::error_already_set& e) {
  return e.matches(py::module_::import("keel").attr("ParamError")) ||
         e.matches(PyExc_ValueError) || e.matches(PyExc_TypeError) || e.matches(PyExc_KeyError);
}

// The factory's create (keel_create_with_context_fn): `context` is the
// factory's Script, so the adapter needs nothing of the host's but the
// instance's host table.
keel_status_t create(void* context, const char* params_json, const keel_host_t* host,
                     void** out_instance, keel_error_t* err) {
  const auto* script = static_cast<const Script*>(context);
  if (script == nullptr) {
    return keel_error_set(err, KEEL_ERR_INTERNAL, "no Python script is registered for this factory");
  }
  py::gil_scoped_acquire gil;
  auto a = std::make_unique<Adapter>();
  a->script = script;
  a->context = std::make_shared<HostContext>();
  a->context->host = host;
  try {
    const CallScope call(*a->context);
    py::object params =
        py::module_::import("json").attr("loads")(params_json != nullptr ? params_json : "{}");
    if (!py::isinstance<py::dict>(params)) {
      return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "params must be a JSON object");
    }
    // keel's attributes are set before __init__ runs, so it can read params.
    py::object self = script->cls.attr("__new__")(script->cls);
    self.attr("_keel") = py::cast(a->context);
    self.attr("params") = params;
    self.attr("__init__")();
    a->self = self;
  } catch (py::error_already_set& e) {
    if (g_run_hooks != nullptr) {
      g_run_hooks->raised.emplace_back(script->class_name,
                                       py::reinterpret_borrow<py::object>(e.value()));
    }
    const bool params_wrong = is_param_error(e);
    PythonError error = describe(e, script->path);
    a->context->host = nullptr;
    a->self = py::object();
    if (host->log != nullptr) {
      host->log(host, KEEL_LOG_ERROR, (script->class_name + "() raised " + error.message + "\n" +
                                       error.traceback).c_str());
    }
    const keel_status_t code =
        params_wrong && error.code == KEEL_ERR_PLUGIN_FAULT ? KEEL_ERR_INVALID_ARGUMENT : error.code;
    return keel_error_set(err, code, "%s() raised %s", script->class_name.c_str(),
                          error.message.c_str());
  }
  a->on_start = overridden(a->self, "on_start");
  a->on_quote = overridden(a->self, "on_quote");
  a->on_trade = overridden(a->self, "on_trade");
  a->on_bar = overridden(a->self, "on_bar");
  a->on_order_update = overridden(a->self, "on_order_update");
  a->on_fill = overridden(a->self, "on_fill");
  a->on_timer = overridden(a->self, "on_timer");
  a->on_stop = overridden(a->self, "on_stop");
  a->on_quotes = overridden(a->self, "on_quotes");
  a->on_trades = overridden(a->self, "on_trades");
  a->on_bars = overridden(a->self, "on_bars");
  a->on_book = overridden(a->self, "on_book");
  *out_instance = a.release();
  return KEEL_OK;
}

keel_status_t drop(void* instance, keel_error_t* /*err*/) {
  py::gil_scoped_acquire gil;
  auto* a = static_cast<Adapter*>(instance);
  a->context->host = nullptr;  // a Python object kept elsewhere can no longer call keel
  delete a;
  return KEEL_OK;
}

// Imports the script as a fresh module (its folder first on sys.path, so it
// can import its neighbours) and returns the class.
Result<py::object> import_class(const PythonStrategySpec& spec, const std::string& path) {
  static int imported = 0;
  const std::string module_name = "keel_script_" + std::to_string(++imported);
  py::module_ module;
  try {
    py::module_ sys = py::module_::import("sys");
    py::list sys_path = sys.attr("path");
    const std::string folder = spec.script.parent_path().string();
    if (!sys_path.contains(py::str(folder))) sys_path.insert(0, folder);
    py::module_ util = py::module_::import("importlib.util");
    py::object module_spec = util.attr("spec_from_file_location")(module_name, path);
    module = util.attr("module_from_spec")(module_spec);
    sys.attr("modules")[py::str(module_name)] = module;
    module_spec.attr("loader").attr("exec_module")(module);
  } catch (py::error_already_set& e) {
    PythonError error = describe(e, path);
    return Status(KEEL_ERR_INVALID_ARGUMENT, "cannot import " + path + ": " + error.message);
  }
  if (!py::hasattr(module, spec.class_name.c_str())) {
    const std::string defined = classes_defined(module, path);
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "no class '" + spec.class_name + "' in " + path +
                      (defined.empty() ? " (it defines no classes)"
                                       : " (classes defined there: " + defined + ")"));
  }
  py::object cls = module.attr(spec.class_name.c_str());
  py::object base = py::module_::import("keel").attr("Strategy");
  if (!PyType_Check(cls.ptr()) || !PyObject_IsSubclass(cls.ptr(), base.ptr())) {
    PyErr_Clear();
    return Status(KEEL_ERR_INVALID_ARGUMENT, "'" + spec.class_name + "' in " + path +
                                                 " is not a subclass of keel.Strategy (write "
                                                 "`class " + spec.class_name +
                                                 "(keel.Strategy):`)");
  }
  return cls;
}

// Registers the factory of one Python class: an in-process plugin library
// named `path` whose one factory, `id`, is the adapter. With the GIL held.
Result<const Factory*> register_class(PluginRegistry& registry, const std::string& id,
                                      const std::string& path, const std::string& class_name,
                                      py::object cls) {
  Factory factory;
  factory.kind = FactoryKind::strategy;
  factory.id = id;
  factory.description = "Python strategy " + class_name + " from " + path;
  factory.params_schema = R"({"type": "object"})";
  // For the life of the process, like the interpreter and the class: never
  // destroyed (its class object must not outlive the interpreter), and kept
  // reachable from a static so a leak checker does not call it lost.
  static auto* const scripts = new std::vector<std::unique_ptr<Script>>();
  Script* script = scripts->emplace_back(new Script{path, class_name, std::move(cls)}).get();
  factory.create = CreateCall(&create, script);
  factory.drop = &drop;
  factory.strategy = kVtable;
  // Only a class that defines on_book is given book events (keel/strategy.h):
  // the others' table has none, so the engine skips them for those events.
  {
    py::object base = py::module_::import("keel").attr("Strategy");
    const py::object& c = script->cls;
    const bool defines = py::hasattr(c, "on_book") && !(py::hasattr(base, "on_book") &&
                                                        c.attr("on_book").is(base.attr("on_book")));
    factory.strategy.on_book = defines ? &on_book : nullptr;
  }
  PluginFacts facts;
  facts.id = factory.id;
  facts.name = class_name;
  facts.version = "script";
  facts.vendor = "";
  facts.description = factory.description;
  facts.abi_major = KEEL_ABI_VERSION_MAJOR;
  facts.abi_minor = KEEL_ABI_VERSION_MINOR;
  facts.sdk_version = KEEL_SDK_VERSION_STRING;
  facts.language = std::string("Python ") + PY_VERSION;
  facts.compiler = "CPython (embedded)";
  facts.pointer_size = sizeof(void*);
  std::vector<Factory> factories;
  factories.push_back(std::move(factory));
  auto library = PluginLibrary::in_process(path, std::move(facts), std::move(factories));
  Result<PluginLibrary*> added = registry.add_in_process(std::move(library));
  if (!added) return added.status();
  return &(*added)->factories().front();
}

}  // namespace

void set_run_hooks(RunHooks* hooks) { g_run_hooks = hooks; }

std::string refuse_wrong_thread(HostContext& context, const char* member) {
  const std::string message =
      "wrong thread: strategy '" + context.name + "' called " + member +
      " from a thread keel did not call it on; the batch cursor belongs to the callback "
      "keel is making (on_quotes, on_trades, on_bars), on keel's thread: hand results from "
      "your own threads to your next callback";
  context.record_wrong_thread(message);
  return message;
}

Status start_interpreter() {
  static std::once_flag once;
  static Status status;
  std::call_once(once, [] { status = start_once(); });
  return status;
}

Result<const Factory*> python_strategy_factory(PluginRegistry& registry,
                                               const PythonStrategySpec& spec) {
  const std::string path = spec.script.lexically_normal().string();
  const std::string wanted_id = "python:" + spec.script.filename().string() + ":" + spec.class_name;
  bool id_taken = false;
  for (const auto& plugin : registry.plugins()) {
    for (const Factory& factory : plugin->factories()) {
      if (factory.id != wanted_id) continue;
      if (plugin->path() == path) return &factory;  // imported for an earlier strategy
      id_taken = true;
    }
  }
  if (Status s = start_interpreter(); !s) return s;

  py::gil_scoped_acquire gil;
  Result<py::object> cls = import_class(spec, path);
  if (!cls) return cls.status();

  return register_class(registry, id_taken ? "python:" + path + ":" + spec.class_name : wanted_id,
                        path, spec.class_name, *cls);
}

Result<const Factory*> python_class_factory(PluginRegistry& registry, py::handle cls,
                                            const std::string& key) {
  py::gil_scoped_acquire gil;
  py::object base = py::module_::import("keel").attr("Strategy");
  if (!PyType_Check(cls.ptr()) || !PyObject_IsSubclass(cls.ptr(), base.ptr())) {
    PyErr_Clear();
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "'" + key + "' is not a subclass of keel.Strategy (write `class " +
                      py::str(cls.attr("__name__")).cast<std::string>() + "(keel.Strategy):`)");
  }
  // Tracebacks name the file the class was defined in, when it has one.
  std::string path = "<" + key + ">";
  try {
    py::object file = py::module_::import("inspect").attr("getsourcefile")(cls);
    if (!file.is_none()) path = file.cast<std::string>();
  } catch (py::error_already_set&) {  // a class typed into a REPL has no file
  }
  const std::string id = "python:" + key;
  for (const auto& plugin : registry.plugins()) {
    for (const Factory& factory : plugin->factories()) {
      if (factory.id == id) return &factory;  // an earlier strategy of the same class
    }
  }
  return register_class(registry, id, path, py::str(cls.attr("__qualname__")).cast<std::string>(),
                        py::reinterpret_borrow<py::object>(cls));
}

}  // namespace keel::python
