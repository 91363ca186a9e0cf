// keel_test.capsules — a pricing model whose calibrate hands back a capsule
// built by hand, well-formed or broken as params {"mode": ...} say:
//   "ok"          a valid KEEL_CAPSULE_TAG_CALIBRATION capsule
//   "wrong_tag"   tagged KEEL_CAPSULE_TAG_F64_VEC
//   "len_gt_cap"  len 2, cap 1
//   "null_data"   data NULL, len 1
// so the tests can prove the host checks every capsule (rule 5) and still
// releases each exactly once. Every destructor run is counted, and so are
// instances made and dropped (so embedders can prove each drop runs once).
#include <cstring>
#include <string>

#include "test_plugin_entry.hpp"

namespace {

using keel_test::counters;

struct Payload {
  keel_calibration_report_t report{};
};

void destroy_payload(keel_capsule_t* capsule) {
  auto* payload = static_cast<Payload*>(capsule->destroy_context);
  std::memset(capsule, 0, sizeof *capsule);
  delete payload;
  ++counters.capsules_destroyed;
}

keel_capsule_t report_capsule(const std::string& mode) {
  auto* payload = new Payload{};
  payload->report.struct_size = sizeof payload->report;
  payload->report.converged = 1;
  payload->report.message = "a hand-built report";
  keel_capsule_t capsule = keel_capsule_empty();
  capsule.tag = mode == "wrong_tag" ? KEEL_CAPSULE_TAG_F64_VEC : KEEL_CAPSULE_TAG_CALIBRATION;
  capsule.data = mode == "null_data" ? nullptr : &payload->report;
  capsule.len = mode == "len_gt_cap" ? 2 : 1;
  capsule.cap = 1;
  capsule.destroy = &destroy_payload;
  capsule.destroy_context = payload;
  return capsule;
}

class CapsuleModel final : public keel::sdk::PricingModel {
 public:
  static constexpr const char* kId = "keel_test.capsule_model";
  static constexpr const char* kDescription = "calibrate returns a hand-built capsule";
  static constexpr const char* kParamsSchema = R"({"type": "object", "properties": {
    "mode": {"enum": ["ok", "wrong_tag", "len_gt_cap", "null_data"]}}})";

  CapsuleModel(keel::sdk::Params& params, const keel::sdk::Host& /*host*/)
      : mode_(params.string("mode", "ok")) {
    ++counters.create;
    if (mode_ != "ok" && mode_ != "wrong_tag" && mode_ != "len_gt_cap" && mode_ != "null_data") {
      throw keel::sdk::Error(KEEL_ERR_INVALID_ARGUMENT, "/mode: unknown mode '" + mode_ + "'");
    }
  }

  ~CapsuleModel() override { ++counters.drop; }

  keel_greeks_t price(const keel_option_t& /*option*/) override {
    throw keel::sdk::Error(KEEL_ERR_UNSUPPORTED, "this model only calibrates");
  }

  const std::string& mode() const { return mode_; }

 private:
  std::string mode_;
};

// Replaces the SDK's calibrate thunk, which would build the capsule itself.
keel_status_t calibrate_by_mode(void* self, const keel_calibration_quote_t* /*quotes*/,
                                size_t /*count*/, keel_capsule_t* out_report, keel_error_t* err) {
  return keel::sdk::guard(err, [&]() -> keel_status_t {
    ++counters.calibrate;
    *out_report = report_capsule(static_cast<CapsuleModel*>(self)->mode());
    return KEEL_OK;
  });
}

const keel_factory_t* capsule_model_factory() {
  const keel_factory_t* sdk_factory = keel::sdk::pricing_model_factory<CapsuleModel>();
  static const keel_pricing_model_vtable_t vtable = [&] {
    auto table = *static_cast<const keel_pricing_model_vtable_t*>(sdk_factory->methods);
    table.calibrate = &calibrate_by_mode;
    return table;
  }();
  static const keel_factory_t factory = [&] {
    keel_factory_t copy = *sdk_factory;
    copy.methods = &vtable;
    return copy;
  }();
  return &factory;
}

}  // namespace

KEEL_TEST_PLUGIN("keel_test.capsules", &keel_test::counters_extension, capsule_model_factory())
