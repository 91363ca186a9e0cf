// tests/python/python_venv_test.cpp — `keel run` of a Python strategy with a
// virtual environment active: the embedded interpreter starts as the venv's
// python3 (CPython reads its pyvenv.cfg), so a package installed only in the
// venv imports; without the venv the same script fails with Python's import
// error; a venv keel cannot use is a warning naming both versions, not a
// crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSource = KEEL_TEST_SOURCE_DIR;

// Imports a module that exists only in the venv's site-packages.
constexpr const char* kScript = R"(import keel
import keel_venv_probe


class Probe(keel.Strategy):
    def on_start(self, start):
        self.warn(keel_venv_probe.GREETING)
)";

// The same strategy without the venv's module.
constexpr const char* kPlainScript = R"(import keel


class Probe(keel.Strategy):
    def on_start(self, start):
        self.warn("plain probe started")
)";

std::string run_file(const TempDir& dir, const std::string& script) {
  const json file = {
      {"run", {{"name", "venv"}}},
      {"instruments",
       {{{"id", "AAPL"}, {"kind", "equity"}, {"tick_size", 0.01}},
        {{"id", "MSFT"}, {"kind", "equity"}, {"tick_size", 0.01}}}},
      {"data", {{{"path", kSource + "/examples/data/demo_bars.csv"}, {"format", "bars"}}}},
      {"strategies",
       {{{"name", "probe"},
         {"python", {{"script", script}, {"class", "Probe"}}},
         {"instruments", {"AAPL"}}}}},
      {"output", {{"dir", dir.file("out")}}}};
  return dir.write("run.json", file.dump(2));
}

// As `source V/bin/activate` leaves the environment.
std::map<std::string, std::string> activated(const fs::path& venv) {
  const char* path = std::getenv("PATH");
  return {{"VIRTUAL_ENV", venv.string()},
          {"PATH", (venv / "bin").string() + ":" + (path != nullptr ? path : "/usr/bin:/bin")}};
}

// One venv for the suite (made once: ~1 s), with keel_venv_probe.py written
// straight into its site-packages (no pip, no network).
class PythonVenv : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    venv_ = dir_->path() / "venv";
    const KeelRun made = run_process("/usr/bin/python3", {"-m", "venv", "--system-site-packages",
                                                          "--without-pip", venv_.string()});
    ASSERT_EQ(made.exit_code, 0) << made;
    for (const auto& entry : fs::directory_iterator(venv_ / "lib")) {
      site_packages_ = entry.path() / "site-packages";  // lib/python3.X/site-packages
    }
    ASSERT_TRUE(fs::is_directory(site_packages_)) << site_packages_;
    std::ofstream(site_packages_ / "keel_venv_probe.py") << "GREETING = 'hello from the venv'\n";
  }
  static void TearDownTestSuite() { dir_.reset(); }

  static std::unique_ptr<TempDir> dir_;
  static fs::path venv_;
  static fs::path site_packages_;
};
std::unique_ptr<TempDir> PythonVenv::dir_;
fs::path PythonVenv::venv_;
fs::path PythonVenv::site_packages_;

TEST_F(PythonVenv, APackageOnlyInTheActiveVenvImports) {
  TempDir dir;
  const std::string file = run_file(dir, dir.write("probe.py", kScript));
  const KeelRun r = run_keel({"run", file, "--quiet", "--log-level", "info"}, activated(venv_));
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("hello from the venv")) << r;
  // keel says which interpreter it embeds.
  EXPECT_THAT(r.err, HasSubstr("sys.executable " + (venv_ / "bin" / "python3").string())) << r;
  EXPECT_THAT(r.err, HasSubstr("sys.prefix " + venv_.string())) << r;
  EXPECT_THAT(r.err, HasSubstr("virtual environment " + venv_.string())) << r;
  EXPECT_THAT(r.err, Not(HasSubstr("[warning] the virtual environment"))) << r;
}

TEST_F(PythonVenv, WithoutTheVenvTheImportFailsClearly) {
  TempDir dir;
  const std::string file = run_file(dir, dir.write("probe.py", kScript));
  const KeelRun r =
      run_keel({"run", file, "--quiet", "--log-level", "info"}, {{"VIRTUAL_ENV", ""}});
  EXPECT_EQ(r.exit_code, 3) << r;  // the strategy's plugin cannot be loaded
  EXPECT_THAT(r.err, HasSubstr("No module named 'keel_venv_probe'")) << r;
  EXPECT_THAT(r.err, HasSubstr("probe.py:2")) << r;
  // keel's own python3, not whichever python3 is first on PATH.
  EXPECT_THAT(r.err, HasSubstr("sys.executable " KEEL_TEST_PYTHON ",")) << r;
  EXPECT_THAT(r.err, HasSubstr("no virtual environment")) << r;
}

TEST(PythonVenvMismatch, AVenvOfAnotherPythonIsAWarningNamingBothVersions) {
  // A venv as another Python (3.99) would leave it: keel cannot use its
  // packages, says so, and runs with its own python3.
  TempDir dir;
  const fs::path venv = dir.path() / "other";
  fs::create_directories(venv / "bin");
  fs::create_directories(venv / "lib" / "python3.99" / "site-packages");
  fs::create_symlink("/usr/bin/python3", venv / "bin" / "python3");
  std::ofstream(venv / "pyvenv.cfg")
      << "home = /usr/bin\ninclude-system-site-packages = true\nversion = 3.99.0\n";
  const std::string file = run_file(dir, dir.write("plain.py", kPlainScript));
  const KeelRun r = run_keel({"run", file, "--quiet", "--log-level", "info"}, activated(venv));
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("plain probe started")) << r;
  EXPECT_THAT(r.err, HasSubstr("was made with Python 3.99.0, keel embeds Python 3.")) << r;
  EXPECT_THAT(r.err, HasSubstr("-m venv --system-site-packages")) << r;
  EXPECT_THAT(r.err, HasSubstr("no virtual environment")) << r;
}

TEST(PythonVenvMismatch, AVirtualEnvThatIsNoVenvIsAWarning) {
  TempDir dir;
  const std::string file = run_file(dir, dir.write("plain.py", kPlainScript));
  const KeelRun r = run_keel({"run", file, "--quiet"}, {{"VIRTUAL_ENV", dir.file("nothing-here")}});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(
      r.err, HasSubstr("VIRTUAL_ENV=" + dir.file("nothing-here") + " is not a virtual environment"))
      << r;
}

}  // namespace
}  // namespace keel::cli_test
