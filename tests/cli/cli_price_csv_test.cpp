// `keel price --csv IN --out OUT`: a file of options priced through the
// model's batch entry point. Bad input exits 2 with file:line[:column], and
// a failed run leaves no OUT behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const std::string kGreekColumns = ",price,delta,gamma,vega,theta,rho";

KeelRun price_csv(const std::string& in, const std::string& out) {
  return run_keel({"price", "--model", "keel.black_scholes", "--csv", in, "--out", out});
}

// Non-empty lines of a file.
std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> lines;
  for (auto& line : split(read_file(path), '\n')) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// After a failed run: no OUT, and no partial file next to it either.
void expect_no_output(const TempDir& dir, const std::string& out) {
  EXPECT_FALSE(fs::exists(out)) << out << " was left behind";
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr("out.csv")))
        << entry.path() << " was left behind";
  }
}

TEST(CliPriceCsv, PricesEveryRowAndPassesOtherColumnsThrough) {
  TempDir dir;
  // Extra columns before and after, upper-case header names and rights,
  // spaces around fields, and no dividend column (it defaults to 0).
  const std::string header = "symbol,Spot,strike,expiry,vol,rate,right,note";
  const std::string in = dir.write("options.csv", header +
                                                      "\n"
                                                      "HULL-40C,42,40,0.5,0.2,0.1,call,first row\n"
                                                      "HULL-40P, 42 ,40,0.5,0.2,0.1,P,second\n"
                                                      "\n"
                                                      "HAUG-65C,60,65,0.25,0.3,0.08,C,\n");
  const std::string out = dir.file("out.csv");
  const KeelRun r = price_csv(in, out);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("priced 3 options with keel.black_scholes")) << r;
  EXPECT_THAT(r.err, HasSubstr(out)) << r;

  const auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 4u) << read_file(out);
  EXPECT_EQ(lines[0], header + kGreekColumns);
  const std::vector<std::string> expected_price = {"", "4.7594", "0.8086", "2.1334"};
  const std::vector<std::string> expected_prefix = {
      "", "HULL-40C,42,40,0.5,0.2,0.1,call,first row,", "HULL-40P, 42 ,40,0.5,0.2,0.1,P,second,",
      "HAUG-65C,60,65,0.25,0.3,0.08,C,,"};
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto fields = split(lines[i], ',');
    ASSERT_EQ(fields.size(), 8u + 6u) << lines[i];
    EXPECT_EQ(lines[i].rfind(expected_prefix[i], 0), 0u) << lines[i];  // input row unchanged
    const double price = std::stod(fields[8]);
    char rounded[16];
    std::snprintf(rounded, sizeof rounded, "%.4f", price);
    EXPECT_EQ(rounded, expected_price[i]) << lines[i];
    for (size_t f = 8; f < fields.size(); ++f) {
      EXPECT_TRUE(std::isfinite(std::stod(fields[f]))) << lines[i];
    }
  }
}

TEST(CliPriceCsv, BatchPricesMatchSinglePrices) {
  TempDir dir;
  const std::string in = dir.write("options.csv",
                                   "spot,strike,expiry,vol,rate,dividend,right\n"
                                   "60,65,0.25,0.3,0.08,0.03,put\n");
  const std::string out = dir.file("out.csv");
  const KeelRun r = price_csv(in, out);
  ASSERT_EQ(r.exit_code, 0) << r;
  const KeelRun single = run_keel({"price", "--model", "keel.black_scholes", "--spot", "60",
                                   "--strike", "65", "--expiry", "0.25", "--vol", "0.3", "--rate",
                                   "0.08", "--dividend", "0.03", "--right", "put", "--json"});
  ASSERT_EQ(single.exit_code, 0) << single;
  const auto j = nlohmann::json::parse(single.out);
  const auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 2u);
  const auto fields = split(lines[1], ',');
  ASSERT_EQ(fields.size(), 7u + 6u);
  const char* greeks[] = {"price", "delta", "gamma", "vega", "theta", "rho"};
  for (size_t g = 0; g < 6; ++g) {
    const double expected = j[greeks[g]].get<double>();
    EXPECT_NEAR(std::stod(fields[7 + g]), expected, 1e-12 * std::max(1.0, std::abs(expected)))
        << greeks[g];
  }
}

TEST(CliPriceCsv, ManyRowsAcrossChunks) {
  TempDir dir;
  std::string text = "id,spot,strike,expiry,vol,rate,right\n";
  const int rows = 10000;  // more than one 4096-row batch
  for (int i = 0; i < rows; ++i) {
    text += std::to_string(i) + "," + std::to_string(80 + i % 40) + ",100,0.5,0.25,0.03," +
            (i % 2 ? "put" : "call") + "\n";
  }
  const std::string in = dir.write("many.csv", text);
  const std::string out = dir.file("out.csv");
  const KeelRun r = price_csv(in, out);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("priced 10000 options")) << r;
  const auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), rows + 1u);
  EXPECT_EQ(lines[rows].rfind(std::to_string(rows - 1) + ",", 0), 0u) << lines[rows];
}

TEST(CliPriceCsv, BadNumberExitsTwoWithFileLineColumn) {
  TempDir dir;
  const std::string in = dir.write("bad.csv",
                                   "symbol,spot,strike,expiry,vol,rate,right\n"
                                   "A,42,40,0.5,0.2,0.1,call\n"
                                   "B,4x2,40,0.5,0.2,0.1,call\n");
  const std::string out = dir.file("out.csv");
  const KeelRun r = price_csv(in, out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(in + ":3:2: spot: expected a finite number, got '4x2'")) << r;
  expect_no_output(dir, out);
}

TEST(CliPriceCsv, NonFiniteNumberExitsTwo) {
  TempDir dir;
  const std::string in = dir.write("inf.csv",
                                   "spot,strike,expiry,vol,rate,right\n"
                                   "42,40,0.5,inf,0.1,call\n");
  const std::string out = dir.file("out.csv");
  const KeelRun r = price_csv(in, out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(in + ":2:4: vol")) << r;
  expect_no_output(dir, out);
}

TEST(CliPriceCsv, BadRightExitsTwoWithFileLineColumn) {
  TempDir dir;
  const std::string in = dir.write("right.csv",
                                   "spot,strike,expiry,vol,rate,right\n"
                                   "42,40,0.5,0.2,0.1,straddle\n");
  const std::string out = dir.file("out.csv");
  const KeelRun r = price_csv(in, out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(in + ":2:6: right: expected call or put, got 'straddle'")) << r;
  expect_no_output(dir, out);
}

TEST(CliPriceCsv, MissingColumnExitsTwo) {
  TempDir dir;
  const std::string in = dir.write("novol.csv",
                                   "spot,strike,expiry,rate,right\n"
                                   "42,40,0.5,0.1,call\n");
  const std::string out = dir.file("out.csv");
  const KeelRun r = price_csv(in, out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(in + ":1: missing column(s) vol")) << r;
  expect_no_output(dir, out);
}

TEST(CliPriceCsv, WrongFieldCountExitsTwo) {
  TempDir dir;
  const std::string in = dir.write("short.csv",
                                   "spot,strike,expiry,vol,rate,right\n"
                                   "42,40,0.5,0.2,0.1,call\n"
                                   "42,40,0.5,0.2,call\n");
  const std::string out = dir.file("out.csv");
  const KeelRun r = price_csv(in, out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(in + ":3: expected 6 fields, found 5")) << r;
  expect_no_output(dir, out);
}

TEST(CliPriceCsv, EmptyFileExitsTwo) {
  TempDir dir;
  const std::string in = dir.write("empty.csv", "");
  const std::string out = dir.file("out.csv");
  const KeelRun r = price_csv(in, out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(in + ":1: empty file")) << r;
  expect_no_output(dir, out);
}

TEST(CliPriceCsv, RowTheModelRejectsExitsTwoWithFileLine) {
  TempDir dir;
  const std::string in = dir.write("negative.csv",
                                   "spot,strike,expiry,vol,rate,right\n"
                                   "42,40,0.5,0.2,0.1,call\n"
                                   "42,40,0.5,0.2,0.1,put\n"
                                   "42,-40,0.5,0.2,0.1,call\n"
                                   "42,40,0.5,0.2,0.1,call\n");
  const std::string out = dir.file("out.csv");
  const KeelRun r = price_csv(in, out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(in + ":4: ")) << r;
  EXPECT_THAT(r.err, HasSubstr("rejected the option")) << r;
  EXPECT_THAT(r.err, HasSubstr("strike must be finite and > 0")) << r;
  expect_no_output(dir, out);
}

TEST(CliPriceCsv, RejectedRowInALaterBatchNamesItsLine) {
  TempDir dir;
  std::string text = "spot,strike,expiry,vol,rate,right\n";
  for (int i = 0; i < 5000; ++i) text += "42,40,0.5,0.2,0.1,call\n";
  text += "42,40,0.5,-0.2,0.1,call\n";  // line 5002, in the second 4096-row batch
  const std::string in = dir.write("late.csv", text);
  const std::string out = dir.file("out.csv");
  const KeelRun r = price_csv(in, out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(in + ":5002: ")) << r;
  EXPECT_THAT(r.err, HasSubstr("vol must be finite and >= 0")) << r;
  expect_no_output(dir, out);
}

TEST(CliPriceCsv, FailedRunKeepsAnEarlierOutput) {
  TempDir dir;
  const std::string in = dir.write("bad.csv", "spot,strike,expiry,vol,rate,right\n1,x,1,1,1,c\n");
  const std::string out = dir.write("out.csv", "an earlier result\n");
  const KeelRun r = price_csv(in, out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(in + ":2:2: strike: expected a finite number, got 'x'")) << r;
  EXPECT_EQ(read_file(out), "an earlier result\n");
  EXPECT_FALSE(fs::exists(out + ".partial"));
}

// The rule of every keel CSV reader: a last line with no line ending may be
// a row cut short ("0.1" from "0.15"), so it is refused.
TEST(CliPriceCsv, LastLineWithoutLineEndingExitsTwo) {
  TempDir dir;
  const std::string in = dir.write("options.csv",
                                   "spot,strike,expiry,vol,rate,right\n"
                                   "42,40,0.5,0.2,0.1,call\n"
                                   "42,40,0.5,0.2,0.1");
  const std::string out = dir.file("out.csv");
  KeelRun r = price_csv(in, out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(in + ":3: the last line has no line ending: the file may be cut "
                                    "short; if the row is whole, end it with a newline"))
      << r;
  expect_no_output(dir, out);
  // A header alone, cut short.
  r = price_csv(dir.write("options.csv", "spot,strike,expiry,vol,rate,right"), out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(in + ":1: the last line has no line ending")) << r;
  // Blanks after the last line ending are no row.
  r = price_csv(
      dir.write("options.csv", "spot,strike,expiry,vol,rate,right\n42,40,0.5,0.2,0.1,call\n  "),
      out);
  EXPECT_EQ(r.exit_code, 0) << r;
}

TEST(CliPriceCsv, MissingInputExitsTwo) {
  TempDir dir;
  const std::string in = dir.file("absent.csv");
  const std::string out = dir.file("out.csv");
  const KeelRun r = price_csv(in, out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("cannot open " + in)) << r;
  expect_no_output(dir, out);
}

TEST(CliPriceCsv, UnwritableOutputExitsTwo) {
  TempDir dir;
  const std::string in =
      dir.write("options.csv", "spot,strike,expiry,vol,rate,right\n42,40,0.5,0.2,0.1,call\n");
  const std::string out = dir.file("no_such_folder/out.csv");
  const KeelRun r = price_csv(in, out);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("cannot write " + out)) << r;
}

}  // namespace
}  // namespace keel::cli_test
