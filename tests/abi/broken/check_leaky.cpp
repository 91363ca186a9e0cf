// keel_test.check_leaky — `keel plugin check` case: every instance of
// keel_test.check_leaky creates a private model (keel_test.check_leaky_inner,
// from this same plugin) through the host table and never drops it, so the
// host's leak report (rule 9) names one model handle per instance.
#include "check_model.hpp"
#include "test_plugin_entry.hpp"

namespace {

class LeakyInner final : public keel_test::CheckModel {
 public:
  static constexpr const char* kId = "keel_test.check_leaky_inner";
  using CheckModel::CheckModel;
};

class Leaky final : public keel_test::CheckModel {
 public:
  static constexpr const char* kId = "keel_test.check_leaky";

  Leaky(keel::sdk::Params& params, const keel::sdk::Host& host) : CheckModel(params, host) {
    const keel_host_t* table = host.raw();
    keel_model_handle_t forgotten{};
    keel_error_t err{};
    if (table->model_create(table, LeakyInner::kId, "{}", &forgotten, &err) != KEEL_OK) {
      throw keel::sdk::Error(err.code, err.message);
    }
  }
};

}  // namespace

KEEL_TEST_PLUGIN("keel_test.check_leaky", nullptr, keel::sdk::pricing_model_factory<Leaky>(),
                 keel::sdk::pricing_model_factory<LeakyInner>())
