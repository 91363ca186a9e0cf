// How a name becomes a factory (engine/plugin/plugin_registry.hpp): files on
// the search path are asked for their ids in a child process, only the one
// used is loaded, two files offering an id is an error, and a file can be
// named directly ("x.so", "x.so:id").
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "abi_test_support.hpp"
#include "engine/host/host.hpp"
#include "engine/plugin/plugin_probe.hpp"
#include "engine/plugin/plugin_registry.hpp"

namespace keel {
namespace {

using abi_test::broken_plugin;
using abi_test::shipped_plugin;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

fs::path stray_plugin(const std::string& name) {
  return fs::path(KEEL_TEST_STRAY_DIR) / (name + ".so");
}

// A temp folder holding copies of the given plugin files.
class PluginFolder {
 public:
  explicit PluginFolder(std::initializer_list<fs::path> files) {
    path_ = fs::temp_directory_path() /
            ("keel_registry_" + std::to_string(::getpid()) + "_" + std::to_string(++counter_));
    fs::create_directories(path_);
    fs::permissions(path_, fs::perms::owner_all);
    for (const fs::path& file : files) fs::copy_file(file, path_ / file.filename());
  }
  ~PluginFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path file(const std::string& name) const { return path_ / (name + ".so"); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(Registry, FactoryReferencesNameAnIdAFileOrAFactoryOfAFile) {
  FactoryReference id = parse_factory_reference("keel.black_scholes");
  EXPECT_FALSE(id.file);
  EXPECT_EQ(id.factory_id, "keel.black_scholes");
  FactoryReference file = parse_factory_reference("plugins/acme.so");
  ASSERT_TRUE(file.file);
  EXPECT_EQ(*file.file, "plugins/acme.so");
  EXPECT_EQ(file.factory_id, "");
  FactoryReference bare = parse_factory_reference("acme.so");
  ASSERT_TRUE(bare.file);
  FactoryReference both = parse_factory_reference("/opt/x/acme.so:acme.model");
  ASSERT_TRUE(both.file);
  EXPECT_EQ(*both.file, "/opt/x/acme.so");
  EXPECT_EQ(both.factory_id, "acme.model");
}

TEST(Registry, AProbeAsksAFileForItsIdsInAChildProcess) {
  Host host;
  Result<PluginProbe> bs = probe_plugin(shipped_plugin("keel_black_scholes"), host.load_host());
  ASSERT_TRUE(bs) << bs.status().message();
  EXPECT_EQ(bs->plugin_id, "keel.black_scholes");
  EXPECT_THAT(bs->factory_ids, ::testing::Contains("keel.black_scholes"));
  // Nothing was loaded into this process.
  EXPECT_TRUE(host.registry().plugins().empty());

  Result<PluginProbe> crash = probe_plugin(stray_plugin("keel_test_crashing_entry"), host.load_host());
  ASSERT_FALSE(crash);
  EXPECT_EQ(crash.status().code(), KEEL_ERR_PLUGIN_FAULT);
  EXPECT_THAT(crash.status().message(), HasSubstr("crashed with SIGSEGV (signal 11)"));
  EXPECT_THAT(crash.status().message(), HasSubstr("keel_test_crashing_entry.so"));

  Result<PluginProbe> hang = probe_plugin(stray_plugin("keel_test_hanging_entry"), host.load_host(),
                                          std::chrono::milliseconds(300));
  ASSERT_FALSE(hang);
  EXPECT_THAT(hang.status().message(), HasSubstr("did not answer within"));

  Result<PluginProbe> refused = probe_plugin(broken_plugin("keel_test_null_entry"), host.load_host());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(refused.status().message(), HasSubstr("the entry returned no descriptor"));
}

TEST(Registry, OnlyThePluginThatIsUsedIsLoadedAndAStrayFileCannotHurt) {
  const PluginFolder folder{shipped_plugin("keel_black_scholes"), shipped_plugin("keel_sma_cross"),
                            stray_plugin("keel_test_crashing_entry")};
  Host host;
  host.registry().add_search_folder(folder.path());
  Result<const Factory*> bs = host.registry().find_factory("keel.black_scholes");
  ASSERT_TRUE(bs) << bs.status().message();
  ASSERT_EQ(host.registry().plugins().size(), 1u);
  EXPECT_EQ(host.registry().plugins()[0]->facts().id, "keel.black_scholes");
  // An id nobody offers: the message says the stray file crashed when asked.
  Result<const Factory*> none = host.registry().find_factory("acme.nothing");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.status().code(), KEEL_ERR_NOT_FOUND);
  EXPECT_THAT(none.status().message(), HasSubstr("keel_test_crashing_entry.so crashed"));
  EXPECT_THAT(none.status().message(), HasSubstr("known factories: keel.black_scholes keel.sma_cross"));
  EXPECT_EQ(host.registry().plugins().size(), 1u);
}

TEST(Registry, TwoFilesOfferingAnIdIsAnErrorThatSaysHowToChoose) {
  const PluginFolder folder{broken_plugin("keel_test_duplicate_across_a"),
                            broken_plugin("keel_test_duplicate_across_b")};
  Host host;
  host.registry().add_search_folder(folder.path());
  Result<const Factory*> found = host.registry().find_factory("keel_test.shared_id");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.status().code(), KEEL_ERR_INVALID_ARGUMENT);
  const std::string& message = found.status().message();
  EXPECT_THAT(message, HasSubstr("factory id 'keel_test.shared_id' is offered by 2 plugin files"));
  EXPECT_THAT(message, HasSubstr(folder.file("keel_test_duplicate_across_a").string()));
  EXPECT_THAT(message, HasSubstr(folder.file("keel_test_duplicate_across_b").string()));
  EXPECT_THAT(message, HasSubstr("\"" + folder.file("keel_test_duplicate_across_a").string() +
                                 ":keel_test.shared_id\""));
  EXPECT_TRUE(host.registry().plugins().empty());

  // Naming the file chooses.
  Result<const Factory*> chosen = host.registry().find_factory(
      folder.file("keel_test_duplicate_across_b").string() + ":keel_test.shared_id");
  ASSERT_TRUE(chosen) << chosen.status().message();
  EXPECT_EQ((*chosen)->plugin->facts().id, "keel_test.duplicate_across_b");
  // A file alone names its only factory of the kind asked for.
  Result<const Factory*> by_file = host.registry().find_factory(
      folder.file("keel_test_duplicate_across_b").string(), FactoryKind::pricing_model);
  ASSERT_TRUE(by_file) << by_file.status().message();
  EXPECT_EQ(*by_file, *chosen);
  Result<const Factory*> wrong_kind = host.registry().find_factory(
      folder.file("keel_test_duplicate_across_b").string(), FactoryKind::strategy);
  ASSERT_FALSE(wrong_kind);
  EXPECT_THAT(wrong_kind.status().message(),
              HasSubstr("offers no strategy; it offers: keel_test.shared_id (pricing model)"));
}

TEST(Registry, AByteIdenticalCopyIsNoChoice) {
  const PluginFolder first{shipped_plugin("keel_black_scholes")};
  const PluginFolder second{shipped_plugin("keel_black_scholes")};
  Host host;
  host.registry().add_search_folder(second.path());
  host.registry().add_search_folder(first.path());  // searched first
  Result<const Factory*> found = host.registry().find_factory("keel.black_scholes");
  ASSERT_TRUE(found) << found.status().message();
  EXPECT_EQ((*found)->plugin->path(), first.file("keel_black_scholes"));
}

}  // namespace
}  // namespace keel
