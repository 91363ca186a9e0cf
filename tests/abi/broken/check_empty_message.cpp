// keel_test.check_empty_message — `keel plugin check` case: errors without
// a message (rule 6). The model refuses an invalid option with
// KEEL_ERR_INVALID_ARGUMENT and an empty message; the strategy stops on its
// third bar with KEEL_ERR_INVALID_ARGUMENT and an empty message.
#include "check_model.hpp"
#include "test_plugin_entry.hpp"

namespace {

class EmptyMessageModel final : public keel_test::CheckModel {
 public:
  static constexpr const char* kId = "keel_test.check_empty_message_model";
  using CheckModel::CheckModel;

 protected:
  std::string invalid_message() const override { return ""; }
};

class EmptyMessageStrategy final : public keel::sdk::Strategy {
 public:
  static constexpr const char* kId = "keel_test.check_empty_message_strategy";
  static constexpr const char* kDescription = "a strategy that stops on its third bar, silently";
  static constexpr const char* kParamsSchema = R"({"type":"object"})";

  EmptyMessageStrategy(keel::sdk::Params& /*params*/, const keel::sdk::Host& /*host*/) {}
  void on_bar(const keel_bar_t& /*bar*/) override {
    if (++bars_ == 3) throw keel::sdk::Error(KEEL_ERR_INVALID_ARGUMENT, "");
  }

 private:
  int bars_ = 0;
};

}  // namespace

KEEL_TEST_PLUGIN("keel_test.check_empty_message", nullptr,
                 keel::sdk::pricing_model_factory<EmptyMessageModel>(),
                 keel::sdk::strategy_factory<EmptyMessageStrategy>())
