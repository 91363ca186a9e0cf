// price_option_csv: streaming CSV pricing with file:line:column errors.
#include "engine/pricing/option_csv.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "engine/host/host.hpp"

namespace keel {
namespace {

class OptionCsv : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.registry().add_search_folder(KEEL_TEST_PLUGIN_DIR);
    handle_ = host_.create_model("keel.black_scholes", "{}", "model 'bs'").value();
    model_ = host_.model(handle_).value();
  }

  Result<OptionCsvStats> run(const std::string& csv, size_t chunk = 4096) {
    std::istringstream in(csv);
    out_.str("");
    return price_option_csv(*model_, in, "opts.csv", out_, chunk);
  }

  Host host_;
  keel_model_handle_t handle_{};
  std::shared_ptr<ModelInstance> model_;
  std::ostringstream out_;
};

TEST_F(OptionCsv, PricesRowsAcrossChunksAndKeepsExtraColumns) {
  std::string csv = "id,spot,strike,expiry,vol,rate,right\n";
  for (int i = 0; i < 10; ++i) csv += "o" + std::to_string(i) + ",42,40,0.5,0.2,0.1,call\n";
  Result<OptionCsvStats> stats = run(csv, /*chunk=*/3);
  ASSERT_TRUE(stats) << stats.status().message();
  EXPECT_EQ(stats->rows, 10u);
  std::istringstream lines(out_.str());
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  EXPECT_EQ(header, "id,spot,strike,expiry,vol,rate,right,price,delta,gamma,vega,theta,rho");
  EXPECT_EQ(first.rfind("o0,42,40,0.5,0.2,0.1,call,4.759", 0), 0u) << first;  // Hull: 4.7594
}

TEST_F(OptionCsv, ColumnsInAnyOrderWithDividendAndShortRight) {
  Result<OptionCsvStats> stats =
      run("right,dividend,rate,vol,expiry,strike,spot\nP,0.05,0.1,0.2,0.5,95,100\n");
  ASSERT_TRUE(stats) << stats.status().message();
  EXPECT_NE(out_.str().find(",2.464"), std::string::npos) << out_.str();  // Haug: 2.4648
}

TEST_F(OptionCsv, ErrorsSayFileLineAndColumn) {
  const std::string header = "spot,strike,expiry,vol,rate,right\n";
  EXPECT_EQ(run(header + "100,100,1,0.2,0.01,call\n100,abc,1,0.2,0.01,call\n").status().message(),
            "opts.csv:3:2: strike: expected a finite number, got 'abc'");
  EXPECT_EQ(run(header + "100,100,1,0.2,0.01,straddle\n").status().message(),
            "opts.csv:2:6: right: expected call or put, got 'straddle'");
  EXPECT_EQ(run(header + "100,100,1\n").status().message(),
            "opts.csv:2: expected 6 fields, found 3");
  EXPECT_EQ(run("spot,strike,expiry\n").status().message(),
            "opts.csv:1: missing column(s) vol, rate, right (need "
            "spot,strike,expiry,vol,rate,right; optional dividend,exercise)");
  EXPECT_EQ(run("").status().message(), "opts.csv:1: empty file, expected a header row");
}

// The rule of every keel CSV reader (engine/data/data_file.hpp): a row cut
// short can still parse ("0.1" from "0.15"), so a last line without a line
// ending is refused; blanks after the last line ending are not a row.
TEST_F(OptionCsv, LastLineWithoutLineEndingIsRefused) {
  const std::string cut =
      "opts.csv:3: the last line has no line ending: the file may be cut short; if the row is "
      "whole, end it with a newline";
  // The rate 0.01 cut to 0.0: a valid row.
  EXPECT_EQ(
      run("right,spot,strike,expiry,vol,rate\ncall,100,100,1,0.2,0.01\ncall,100,100,1,0.2,0.0")
          .status()
          .message(),
      cut);
  const std::string header = "spot,strike,expiry,vol,rate,right\n";
  EXPECT_EQ(run(header + "100,100,1,0.2,0.01,call\n100,100,1,0.2,0.01,call\r").status().message(),
            cut);
  EXPECT_EQ(run("spot,strike,expiry,vol,rate,right").status().message(),
            "opts.csv:1: the last line has no line ending: the file may be cut short; if the row "
            "is whole, end it with a newline");
  Result<OptionCsvStats> blank_tail = run(header + "100,100,1,0.2,0.01,call\n \t");
  ASSERT_TRUE(blank_tail.is_ok()) << blank_tail.status().message();
  EXPECT_EQ(blank_tail->rows, 1u);
}

TEST_F(OptionCsv, ModelRejectionNamesTheLine) {
  Result<OptionCsvStats> stats = run(
      "spot,strike,expiry,vol,rate,right\n100,100,1,0.2,0.01,call\n\n100,100,1,-0.3,0.01,put\n");
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.status().code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(stats.status().message().rfind("opts.csv:4: model 'bs' rejected the option", 0), 0u)
      << stats.status().message();
  EXPECT_NE(stats.status().message().find("vol"), std::string::npos);
}

}  // namespace
}  // namespace keel
