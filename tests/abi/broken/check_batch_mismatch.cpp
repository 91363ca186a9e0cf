// keel_test.check_batch_mismatch — `keel plugin check` case: price_batch
// disagrees with price on item 3 (it adds 0.125 to that price), breaking
// "price_batch prices each item as price does" (keel/pricing_model.h).
#include "check_model.hpp"
#include "test_plugin_entry.hpp"

namespace {

class BatchMismatch final : public keel_test::CheckModel {
 public:
  static constexpr const char* kId = "keel_test.check_batch_mismatch";
  using CheckModel::CheckModel;

  keel_status_t price_batch(const keel_option_batch_t& options, const keel_greeks_batch_t& out,
                            keel_error_t* err) override {
    const keel_status_t status = PricingModel::price_batch(options, out, err);
    if (options.count > 3) out.price[3] += 0.125;
    return status;
  }
};

}  // namespace

KEEL_TEST_PLUGIN("keel_test.check_batch_mismatch", nullptr,
                 keel::sdk::pricing_model_factory<BatchMismatch>())
