// Which plugin a name means, as every command sees it, and the one
// exit-code table: two files offering a factory id is exit 3 naming both
// (inspect, price, run alike), a file or FILE.so:ID chooses, a run loads and
// lists in its manifest only the plugins it uses, a stray file that crashes
// when loaded cannot hurt a run that does not use it, a plugin folder
// writable by everyone is warned about; a strategy that stops the run exits
// 4 whatever status it stopped with, and a model answering NaN is an error
// naming it (exit 4), not "nan" with exit 0.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kPluginDir = KEEL_TEST_PLUGIN_DIR;
const fs::path kBrokenDir = KEEL_TEST_BROKEN_DIR;
const fs::path kStrayDir = KEEL_TEST_STRAY_DIR;

// A folder with copies of the two plugins that offer keel_test.shared_id.
struct DuplicateFolder {
  TempDir dir;
  DuplicateFolder() {
    for (const char* copy : {"a", "b"}) {
      const std::string name = std::string("keel_test_duplicate_across_") + copy + ".so";
      fs::copy_file(kBrokenDir / name, dir.path() / name);
    }
  }
  std::string file(const char* copy) const {
    return (dir.path() / (std::string("keel_test_duplicate_across_") + copy + ".so")).string();
  }
};

void expect_names_both(const KeelRun& r, const DuplicateFolder& folder) {
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.err, HasSubstr("factory id 'keel_test.shared_id' is offered by 2 plugin files"))
      << r;
  EXPECT_THAT(r.err, HasSubstr(folder.file("a"))) << r;
  EXPECT_THAT(r.err, HasSubstr(folder.file("b"))) << r;
  EXPECT_THAT(r.err, HasSubstr(folder.file("a") + ":keel_test.shared_id")) << r;
}

// Bars for a run: 30 one-minute bars of XYZ.
std::string bars() {
  std::string csv = "ts,instrument,open,high,low,close,volume\n";
  for (int i = 1; i <= 30; ++i) {
    const std::string close = std::to_string(100 + (i % 7));
    csv += std::to_string(i * 60'000'000'000LL) + ",XYZ," + close + "," + close + "," + close +
           "," + close + ",1000\n";
  }
  return csv;
}

std::string run_file(TempDir& dir, const nlohmann::json& strategy,
                     const nlohmann::json& models = nlohmann::json::object()) {
  dir.write("bars.csv", bars());
  nlohmann::json run = {
      {"run", {{"name", "choice"}}},
      {"instruments", {{{"id", "XYZ"}, {"kind", "equity"}}}},
      {"data", {{{"path", "bars.csv"}, {"format", "bars"}}}},
      {"strategies", {strategy}},
      {"output", {{"dir", "out"}}}};
  if (!models.empty()) run["pricing_models"] = models;
  return dir.write("run.json", run.dump(2));
}

const nlohmann::json kSma = {{"name", "sma"},
                             {"factory", "keel.sma_cross"},
                             {"instruments", {"XYZ"}},
                             {"params", {{"fast", 2}, {"slow", 5}, {"quantity", 10}}}};

TEST(CliPluginChoice, TwoFilesOfferingAFactoryIdIsExitThreeInEveryCommand) {
  const DuplicateFolder folder;
  const std::string path = folder.dir.path().string();
  expect_names_both(run_keel({"--plugin-path", path, "plugin", "inspect", "keel_test.shared_id"}),
                    folder);
  expect_names_both(run_keel({"--plugin-path", path, "price", "--model", "keel_test.shared_id",
                              "--spot", "100", "--strike", "100", "--expiry", "1", "--vol", "0.2"}),
                    folder);
  TempDir dir;
  const std::string file = run_file(
      dir, kSma, {{"m", {{"factory", "keel_test.shared_id"}, {"params", nlohmann::json::object()}}}});
  const KeelRun r = run_keel({"--plugin-path", path, "run", file, "-q"});
  expect_names_both(r, folder);
  EXPECT_THAT(r.err, HasSubstr("/pricing_models/m/factory")) << r;
}

TEST(CliPluginChoice, AFileOrFileColonIdChooses) {
  const DuplicateFolder folder;
  const std::string path = folder.dir.path().string();
  const KeelRun by_file = run_keel({"--plugin-path", path, "plugin", "inspect",
                                    folder.file("b")});
  EXPECT_EQ(by_file.exit_code, 0) << by_file;
  EXPECT_THAT(by_file.out, HasSubstr("keel_test.duplicate_across_b"));
  // keel price --model takes a file path, and FILE.so:ID.
  const std::string bs = (kPluginDir / "keel_black_scholes.so").string();
  for (const std::string& model : {bs, bs + ":keel.black_scholes"}) {
    const KeelRun r = run_keel({"price", "--model", model, "--spot", "60", "--strike", "65",
                                "--expiry", "0.25", "--vol", "0.3", "--rate", "0.08"});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_THAT(r.out, HasSubstr("price  2.13336844492")) << r;
  }
  // A run names the file the same way.
  TempDir dir;
  const std::string file = run_file(
      dir, kSma,
      {{"m", {{"factory", folder.file("a") + ":keel_test.shared_id"},
              {"params", nlohmann::json::object()}}}});
  const KeelRun r = run_keel({"--plugin-path", path, "run", file, "-q"});
  EXPECT_EQ(r.exit_code, 0) << r;
}

TEST(CliPluginChoice, ARunLoadsAndListsOnlyThePluginsItUses) {
  // The shipped plugins are on the path anyway; the run's own folder holds
  // a copy of one of them (byte-identical: no ambiguity) and a stray file.
  TempDir plugins;
  fs::copy_file(kPluginDir / "keel_sma_cross.so", plugins.path() / "keel_sma_cross.so");
  // A stray file whose entry function crashes: never loaded by this run.
  fs::copy_file(kStrayDir / "keel_test_crashing_entry.so",
                plugins.path() / "keel_test_crashing_entry.so");
  TempDir dir;
  const std::string file = run_file(dir, kSma);
  const KeelRun r = run_keel({"--plugin-path", plugins.path().string(), "run", file, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const nlohmann::json manifest =
      nlohmann::json::parse(read_file((dir.path() / "out" / "manifest.json").string()));
  ASSERT_EQ(manifest.at("plugins").size(), 1u) << manifest.dump(2);
  EXPECT_EQ(manifest["plugins"][0].value("id", ""), "keel.sma_cross");

  // The stray file is named only when the name asked for is nowhere.
  const KeelRun missing = run_keel(
      {"--plugin-path", plugins.path().string(), "plugin", "inspect", "acme.nothing"});
  EXPECT_EQ(missing.exit_code, 3) << missing;
  EXPECT_THAT(missing.err, HasSubstr("keel_test_crashing_entry.so crashed with SIGSEGV"));
}

TEST(CliPluginChoice, AFolderEveryoneCanWriteIsWarnedAbout) {
  TempDir plugins;
  fs::copy_file(kBrokenDir / "keel_test_duplicate_across_a.so",
                plugins.path() / "keel_test_duplicate_across_a.so");
  const std::vector<std::string> price = {"--plugin-path", plugins.path().string(), "plugin",
                                          "inspect", "keel_test.shared_id"};
  const KeelRun quiet = run_keel(price);
  EXPECT_EQ(quiet.exit_code, 0) << quiet;
  EXPECT_THAT(quiet.err, Not(HasSubstr("writable by every user"))) << quiet;
  ASSERT_EQ(::chmod(plugins.path().c_str(), 0777), 0);
  const KeelRun warned = run_keel(price);
  EXPECT_EQ(warned.exit_code, 0) << warned;
  EXPECT_THAT(warned.err, HasSubstr("plugin folder " + fs::canonical(plugins.path()).string() +
                                    " is writable by every user"))
      << warned;
  EXPECT_THAT(warned.err, HasSubstr("chmod o-w")) << warned;
}

TEST(CliExitCodes, AStrategyThatStopsTheRunExitsFourWhateverItsStatus) {
  TempDir dir;
  const nlohmann::json strategy = {
      {"name", "s"},
      {"factory", "keel_test.scripted"},
      {"instruments", {"XYZ"}},
      {"params",
       {{"journal", (dir.path() / "journal.txt").string()},
        {"actions", {{{"on", "bar"}, {"n", 3}, {"do", "fail"}}}}}}};
  const std::string file = run_file(dir, strategy);
  const KeelRun r =
      run_keel({"--plugin-path", fs::path(KEEL_TEST_SCRIPTED_PLUGIN).parent_path().string(), "run",
                file, "-q"});
  // The strategy stopped with KEEL_ERR_INVALID_ARGUMENT (keel::sdk::Error):
  // still the strategy's failure, not bad input.
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_THAT(r.err, HasSubstr("strategy 's': on_bar: scripted failure on bar")) << r;
}

TEST(CliExitCodes, AModelAnsweringNanIsAnErrorNamingIt) {
  const std::string model = (kBrokenDir / "keel_test_nan_model.so").string();
  const KeelRun single = run_keel({"price", "--model", model, "--spot", "100", "--strike", "100",
                                   "--expiry", "1", "--vol", "0.2"});
  EXPECT_EQ(single.exit_code, 4) << single;
  EXPECT_THAT(single.out, Not(HasSubstr("nan"))) << single;
  EXPECT_THAT(single.err, HasSubstr("model 'keel_test.nan_model'")) << single;
  EXPECT_THAT(single.err, HasSubstr("returned a price of nan with status OK")) << single;

  const KeelRun vol = run_keel({"price", "--model", model, "--spot", "100", "--strike", "100",
                                "--expiry", "1", "--premium", "10"});
  EXPECT_EQ(vol.exit_code, 4) << vol;
  EXPECT_THAT(vol.err, HasSubstr("returned a implied volatility of nan")) << vol;

  TempDir dir;
  const std::string in = dir.write("options.csv",
                                   "spot,strike,expiry,vol,rate,right\n"
                                   "100,100,1,0.2,0.01,call\n"
                                   "100,110,1,0.2,0.01,call\n");
  const KeelRun csv = run_keel({"price", "--model", model, "--csv", in, "--out",
                                (dir.path() / "out.csv").string()});
  EXPECT_EQ(csv.exit_code, 4) << csv;
  EXPECT_THAT(csv.err, HasSubstr(in + ":3:")) << csv;  // the second option
  EXPECT_FALSE(fs::exists(dir.path() / "out.csv"));
}

TEST(CliExitCodes, TheTableIsInTheHelp) {
  const KeelRun r = run_keel({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("Exit codes (every command): 0 ok; 2 bad input"));
  EXPECT_THAT(r.out, HasSubstr("3 a plugin cannot be found, chosen or loaded; 4 a plugin or "
                               "strategy failed; 130/143 interrupted"));
}

}  // namespace
}  // namespace keel::cli_test
