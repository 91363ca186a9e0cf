#include "engine/host/model_instance.hpp"

#include <cmath>

#include "engine/host/host.hpp"

namespace keel {

Result<std::unique_ptr<ModelInstance>> ModelInstance::create(
    const Factory& factory, const std::string& params_json,
    std::unique_ptr<InstanceContext> context) {
  PluginLibrary& plugin = *factory.plugin;
  if (plugin.poisoned()) return plugin.poisoned_status();
  if (factory.kind != FactoryKind::pricing_model) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "factory '" + factory.id + "' is not a pricing model (kind keel.strategy/1)");
  }
  void* instance = nullptr;
  keel_error_t err{};
  const keel_status_t status =
      factory.create(params_json.c_str(), &context->table, &instance, &err);
  const std::string name = context->name;
  if (Status s = check_plugin_status(plugin, status, err, name + ": create"); !s) return s;
  if (instance == nullptr) {
    plugin.poison("create returned KEEL_OK without an instance");
    return Status(KEEL_ERR_PLUGIN_FAULT, name + ": create returned KEEL_OK but no instance");
  }
  return std::unique_ptr<ModelInstance>(new ModelInstance(factory, instance, std::move(context)));
}

ModelInstance::ModelInstance(const Factory& factory, void* instance,
                             std::unique_ptr<InstanceContext> context)
    : factory_(&factory), instance_(instance), context_(std::move(context)),
      name_(context_->name) {}

ModelInstance::~ModelInstance() { (void)drop(); }

Status ModelInstance::drop() {
  if (dropped_) {
    return Status(KEEL_ERR_STALE_HANDLE, name_ + " was already dropped");
  }
  dropped_ = true;
  keel_error_t err{};
  const keel_status_t status = factory_->drop(instance_, &err);
  instance_ = nullptr;
  context_->host->close_context(*context_);  // models it created and never dropped are leaks
  return check_plugin_status(plugin(), status, err, name_ + ": drop");
}

Status ModelInstance::guard_poisoned() const {
  if (dropped_) return Status(KEEL_ERR_STALE_HANDLE, name_ + " was dropped");
  if (plugin().poisoned()) return plugin().poisoned_status();
  return Status::ok();
}

Status ModelInstance::check(keel_status_t status, const keel_error_t& err, const char* member) {
  // The common case builds no message: this runs on every pricing call.
  if (status == KEEL_OK) [[likely]] return Status::ok();
  return check_plugin_status(plugin(), status, err, name_ + ": " + member);
}

Status ModelInstance::non_finite(const char* member, const std::string& what,
                                 double value) const {
  return Status(KEEL_ERR_INTERNAL,
                name_ + " (" + factory_->id + "): " + member + " returned a " + what + " of " +
                    (std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf") +
                    " with status OK; a model says what it cannot price with an error status "
                    "(a bug in the model: report it to its author)");
}

Result<keel_greeks_t> ModelInstance::price(const keel_option_t& option) {
  if (Status s = guard_poisoned(); !s) return s;
  keel_greeks_t out{};
  keel_error_t err;  // cleared, not zeroed: this runs on every pricing call
  keel_error_clear(&err);
  const keel_status_t status = factory_->model.price(instance_, &option, &out, &err);
  if (Status s = check(status, err, "price"); !s) return s;
  if (!std::isfinite(out.price)) return non_finite("price", "price", out.price);
  return out;
}

Status ModelInstance::price_batch(const keel_option_batch_t& options,
                                  const keel_greeks_batch_t& out) {
  if (Status s = guard_poisoned(); !s) return s;
  keel_error_t err;  // cleared, not zeroed: this runs on every pricing call
  keel_error_clear(&err);
  if (Status s = check(factory_->model.price_batch(instance_, &options, &out, &err), err,
                       "price_batch");
      !s) {
    return s;
  }
  for (size_t i = 0; i < options.count; ++i) {
    const bool priced = out.status == nullptr || out.status[i] == KEEL_OK;
    if (priced && !std::isfinite(out.price[i])) [[unlikely]] {
      if (out.status != nullptr) out.status[i] = KEEL_ERR_INTERNAL;
      return non_finite("price_batch", "price of item " + std::to_string(i), out.price[i]);
    }
  }
  return Status::ok();
}

Result<double> ModelInstance::implied_vol(const keel_option_t& option, double premium) {
  if (Status s = guard_poisoned(); !s) return s;
  double vol = 0;
  keel_error_t err;  // cleared, not zeroed: this runs on every pricing call
  keel_error_clear(&err);
  const keel_status_t status = factory_->model.implied_vol(instance_, &option, premium, &vol, &err);
  if (Status s = check(status, err, "implied_vol"); !s) return s;
  if (!std::isfinite(vol)) return non_finite("implied_vol", "implied volatility", vol);
  return vol;
}

Status ModelInstance::implied_vol_batch(const keel_option_batch_t& options, const double* premiums,
                                        double* out_vols, keel_status_t* out_status) {
  if (Status s = guard_poisoned(); !s) return s;
  keel_error_t err;  // cleared, not zeroed: this runs on every pricing call
  keel_error_clear(&err);
  const keel_status_t status = factory_->model.implied_vol_batch(instance_, &options, premiums,
                                                                 out_vols, out_status, &err);
  return check(status, err, "implied_vol_batch");
}

Result<CalibrationReport> ModelInstance::calibrate(const keel_calibration_quote_t* quotes,
                                                   size_t count) {
  if (Status s = guard_poisoned(); !s) return s;
  keel_capsule_t raw = keel_capsule_empty();
  keel_error_t err;  // cleared, not zeroed: this runs on every pricing call
  keel_error_clear(&err);
  const keel_status_t status = factory_->model.calibrate(instance_, quotes, count, &raw, &err);
  CalibrationReport result;
  result.capsule = OwnedCapsule(raw);  // released whatever happens next
  if (Status s = check(status, err, "calibrate"); !s) return s;
  keel_error_t capsule_err{};
  if (keel_capsule_check(&raw, KEEL_CAPSULE_TAG_CALIBRATION, &capsule_err) != KEEL_OK ||
      raw.len != 1) {
    const std::string why = raw.len != 1 && capsule_err.message[0] == '\0'
                                ? "calibration capsule must hold exactly one report"
                                : capsule_err.message;
    return Status(KEEL_ERR_BAD_CAPSULE, name_ + ": calibrate returned a bad capsule: " + why);
  }
  result.report = static_cast<const keel_calibration_report_t*>(raw.data);
  return result;
}

}  // namespace keel
