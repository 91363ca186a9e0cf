// keel_test.check_silent_params — `keel plugin check` case: create ignores
// its params entirely, so unknown keys, wrong types and text that is not
// JSON all "succeed" silently (keel/plugin.h wants KEEL_ERR_INVALID_ARGUMENT
// naming the param).
#include "check_model.hpp"
#include "test_plugin_entry.hpp"

namespace {

class SilentParams final : public keel_test::CheckModel {
 public:
  static constexpr const char* kId = "keel_test.check_silent_params";
  using CheckModel::CheckModel;
};

keel_status_t create_ignoring_params(const char* /*params_json*/, const keel_host_t* host,
                                     void** out_instance, keel_error_t* err) {
  return keel::sdk::guard(err, [&] {
    keel::sdk::Params none("{}");
    *out_instance = new SilentParams(none, keel::sdk::Host(host));
    return KEEL_OK;
  });
}

const keel_factory_t* silent_factory() {
  static const keel_factory_t factory{sizeof(keel_factory_t),
                                      0,
                                      KEEL_KIND_PRICING_MODEL,
                                      SilentParams::kId,
                                      SilentParams::kDescription,
                                      SilentParams::kParamsSchema,
                                      &create_ignoring_params,
                                      &keel::sdk::detail::Lifecycle<SilentParams>::drop,
                                      &keel::sdk::detail::PricingModelThunks<SilentParams>::vtable,
                                      nullptr,
                                      nullptr};
  return &factory;
}

}  // namespace

KEEL_TEST_PLUGIN("keel_test.check_silent_params", nullptr, silent_factory())
