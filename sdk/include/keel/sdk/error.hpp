// keel/sdk/error.hpp — the C++ SDK's exception type and the thunk guard.
//
// Inside a plugin, C++ code reports an expected failure by throwing
// keel::sdk::Error with a status code. Every thunk the SDK exports runs the
// plugin's code under guard(), which turns that into the status and message,
// and turns *any other* exception into KEEL_ERR_PLUGIN_FAULT (the host then
// poisons the plugin). Nothing ever unwinds across the C boundary (rule 7).
#pragma once

#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "keel/status.h"

namespace keel::sdk {

class Error : public std::runtime_error {
 public:
  Error(keel_status_t code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  keel_status_t code() const noexcept { return code_; }

 private:
  keel_status_t code_;
};

// Runs `body` and converts every exception into a status in `err`.
template <class Body>
keel_status_t guard(keel_error_t* err, Body&& body) noexcept {
  try {
    return body();
  } catch (const Error& e) {
    const keel_status_t code = (e.code() == KEEL_OK) ? KEEL_ERR_INTERNAL : e.code();
    return keel_error_set(err, code, "%s", e.what());
  } catch (const std::bad_alloc&) {
    return keel_error_set(err, KEEL_ERR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return keel_error_set(err, KEEL_ERR_PLUGIN_FAULT, "uncaught C++ exception: %s", e.what());
  } catch (...) {
    return keel_error_set(err, KEEL_ERR_PLUGIN_FAULT, "uncaught C++ exception of unknown type");
  }
}

}  // namespace keel::sdk
