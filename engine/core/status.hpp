// engine/core/status.hpp — expected failures inside the engine.
//
// Status carries a keel_status_t and a message; Result<T> is a value or a
// Status. Exceptions are for bugs; nothing that a user's input or a plugin
// can cause is reported by throwing through the engine.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "keel/status.h"

namespace keel {

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(keel_status_t code, std::string message)
      : code_(code),
        message_(message.empty() ? nullptr : std::make_unique<std::string>(std::move(message))) {}
  static Status ok() { return {}; }

  // The message lives on the heap only when there is one, so the ok status
  // that every event's strategy call returns is two words to make, move and
  // destroy, with no string inside.
  Status(const Status& other)
      : code_(other.code_),
        message_(other.message_ ? std::make_unique<std::string>(*other.message_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) *this = Status(other);
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  bool is_ok() const { return code_ == KEEL_OK; }
  explicit operator bool() const { return is_ok(); }
  keel_status_t code() const { return code_; }
  const std::string& message() const { return message_ ? *message_ : empty_message(); }

  // Writes this status into a C error struct and returns the code.
  keel_status_t to_c(keel_error_t* err) const {
    if (is_ok()) return KEEL_OK;
    return keel_error_set(err, code_, "%s", message().c_str());
  }

 private:
  static const std::string& empty_message() {
    static const std::string empty;
    return empty;
  }

  keel_status_t code_ = KEEL_OK;
  std::unique_ptr<std::string> message_;  // null when empty
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return is_ok(); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& value() const& { return std::get<T>(state_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const Status& status() const {
    static const Status ok_status;
    return is_ok() ? ok_status : std::get<Status>(state_);
  }

 private:
  std::variant<T, Status> state_;
};

}  // namespace keel
