// keel/sdk/capsule.hpp — building capsules from C++ values, and owning them.
//
// make_capsule<T>(tag, std::vector<T>) moves a vector into a capsule whose
// destructor (this plugin's code) frees it; Capsule is a move-only owner
// that releases a received capsule exactly once.
#pragma once

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "keel/capsule.h"
#include "keel/pricing_model.h"

namespace keel::sdk {

namespace detail {
template <class T>
void destroy_vector(keel_capsule_t* capsule) {
  auto* owner = static_cast<std::vector<T>*>(capsule->destroy_context);
  std::memset(capsule, 0, sizeof *capsule);  // empty first: a repeated drop is a no-op
  delete owner;
}
}  // namespace detail

// `tag` must have static storage duration.
template <class T>
keel_capsule_t make_capsule(const char* tag, std::vector<T> values) {
  auto* owner = new std::vector<T>(std::move(values));
  keel_capsule_t capsule = keel_capsule_empty();
  capsule.tag = tag;
  capsule.data = owner->data();
  capsule.len = owner->size();
  capsule.cap = owner->capacity();
  capsule.destroy = &detail::destroy_vector<T>;
  capsule.destroy_context = owner;
  return capsule;
}

// What a calibration produced, as plain C++ values.
struct CalibrationReport {
  bool converged = false;
  unsigned iterations = 0;
  std::vector<std::string> parameter_names;
  std::vector<double> parameters;
  std::vector<double> residuals;
  double rmse = 0;
  std::string message;
};

namespace detail {
// Keeps every buffer the C view points into alive until the capsule dies.
struct CalibrationPayload {
  CalibrationReport report;
  std::vector<const char*> names;
  keel_calibration_report_t view{};
};

inline void destroy_calibration(keel_capsule_t* capsule) {
  auto* payload = static_cast<CalibrationPayload*>(capsule->destroy_context);
  std::memset(capsule, 0, sizeof *capsule);
  delete payload;
}
}  // namespace detail

inline keel_capsule_t make_calibration_capsule(CalibrationReport report) {
  auto* payload = new detail::CalibrationPayload{std::move(report), {}, {}};
  const CalibrationReport& r = payload->report;
  for (const auto& name : r.parameter_names) payload->names.push_back(name.c_str());
  keel_calibration_report_t& view = payload->view;
  view.struct_size = sizeof view;
  view.converged = r.converged ? 1 : 0;
  view.iterations = r.iterations;
  view.parameter_count = r.parameters.size();
  view.parameter_names = payload->names.data();
  view.parameters = r.parameters.data();
  view.residual_count = r.residuals.size();
  view.residuals = r.residuals.data();
  view.rmse = r.rmse;
  view.message = r.message.c_str();

  keel_capsule_t capsule = keel_capsule_empty();
  capsule.tag = KEEL_CAPSULE_TAG_CALIBRATION;
  capsule.data = &payload->view;
  capsule.len = 1;
  capsule.cap = 1;
  capsule.destroy = &detail::destroy_calibration;
  capsule.destroy_context = payload;
  return capsule;
}

// Owns a received capsule; releases it once, on destruction or release().
class Capsule {
 public:
  Capsule() : capsule_(keel_capsule_empty()) {}
  explicit Capsule(keel_capsule_t capsule) : capsule_(capsule) {}
  Capsule(Capsule&& other) noexcept : capsule_(other.capsule_) {
    other.capsule_ = keel_capsule_empty();
  }
  Capsule& operator=(Capsule&& other) noexcept {
    if (this != &other) {
      release();
      capsule_ = other.capsule_;
      other.capsule_ = keel_capsule_empty();
    }
    return *this;
  }
  Capsule(const Capsule&) = delete;
  Capsule& operator=(const Capsule&) = delete;
  ~Capsule() { release(); }

  void release() { keel_capsule_release(&capsule_); }
  keel_capsule_t* get() { return &capsule_; }
  const keel_capsule_t& view() const { return capsule_; }

 private:
  keel_capsule_t capsule_;
};

}  // namespace keel::sdk
