// engine/host/model_instance.hpp — the host's side of one pricing-model
// instance: every call goes through here, so poisoning (rule 7), status
// validation and capsule checks (rule 5) happen in one place.
#pragma once

#include <memory>
#include <string>

#include "engine/core/status.hpp"
#include "engine/plugin/plugin_library.hpp"
#include "keel/keel.h"

namespace keel {

struct InstanceContext;

// Owns a capsule received from a plugin; releases it once.
class OwnedCapsule {
 public:
  OwnedCapsule() : capsule_(keel_capsule_empty()) {}
  explicit OwnedCapsule(keel_capsule_t capsule) : capsule_(capsule) {}
  OwnedCapsule(OwnedCapsule&& other) noexcept : capsule_(other.capsule_) {
    other.capsule_ = keel_capsule_empty();
  }
  OwnedCapsule& operator=(OwnedCapsule&& other) noexcept {
    if (this != &other) {
      release();
      capsule_ = other.capsule_;
      other.capsule_ = keel_capsule_empty();
    }
    return *this;
  }
  ~OwnedCapsule() { release(); }
  void release() { keel_capsule_release(&capsule_); }
  // Hands the capsule over (e.g. to a plugin through the host table).
  keel_capsule_t take() {
    keel_capsule_t out = capsule_;
    capsule_ = keel_capsule_empty();
    return out;
  }
  const keel_capsule_t& view() const { return capsule_; }

 private:
  keel_capsule_t capsule_;
};

// A validated view of a KEEL_CAPSULE_TAG_CALIBRATION capsule.
struct CalibrationReport {
  OwnedCapsule capsule;
  const keel_calibration_report_t* report = nullptr;
};

class ModelInstance {
 public:
  // Creates the instance through the factory. `name` is how messages and
  // logs refer to it ("model 'bs'"); `context` is its own host table.
  static Result<std::unique_ptr<ModelInstance>> create(const Factory& factory,
                                                       const std::string& params_json,
                                                       std::unique_ptr<InstanceContext> context);
  ~ModelInstance();  // drops the instance if drop() was not called

  // Calls the factory's drop exactly once; later calls return STALE_HANDLE.
  // Called even on a poisoned plugin.
  Status drop();

  Result<keel_greeks_t> price(const keel_option_t& option);
  Status price_batch(const keel_option_batch_t& options, const keel_greeks_batch_t& out);
  Result<double> implied_vol(const keel_option_t& option, double premium);
  Status implied_vol_batch(const keel_option_batch_t& options, const double* premiums,
                           double* out_vols, keel_status_t* out_status);
  Result<CalibrationReport> calibrate(const keel_calibration_quote_t* quotes, size_t count);

  const Factory& factory() const { return *factory_; }
  const std::string& name() const { return name_; }
  PluginLibrary& plugin() const { return *factory_->plugin; }

 private:
  ModelInstance(const Factory& factory, void* instance, std::unique_ptr<InstanceContext> context);
  Status check(keel_status_t status, const keel_error_t& err, const char* member);
  Status guard_poisoned() const;
  // A model that answered OK with a non-finite price or vol (KEEL_ERR_INTERNAL).
  Status non_finite(const char* member, const std::string& what, double value) const;

  const Factory* factory_;
  void* instance_;
  std::unique_ptr<InstanceContext> context_;
  std::string name_;
  bool dropped_ = false;
};

}  // namespace keel
