// The loader (rules 1, 2 and 4): every purpose-built broken plugin is
// refused with a message that names the file and each problem; plugins
// from an older or newer minor version load; shipped plugins export one
// symbol.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "abi_test_support.hpp"
#include "engine/host/host.hpp"
#include "engine/plugin/elf_exports.hpp"
#include "engine/plugin/plugin_library.hpp"
#include "engine/plugin/plugin_registry.hpp"

namespace keel {
namespace {

using abi_test::broken_plugin;
using abi_test::shipped_plugin;
using ::testing::HasSubstr;

const keel_option_t kOption{100, 100, 1, 0.2, 0.05, 0, KEEL_RIGHT_CALL, KEEL_EXERCISE_EUROPEAN};

size_t count_problems(const std::string& message) {
  size_t count = 0;
  for (size_t at = message.find("\n  - "); at != std::string::npos;
       at = message.find("\n  - ", at + 1)) {
    ++count;
  }
  return count;
}

struct BrokenCase {
  std::string plugin;  // the target's name
  size_t problems;     // entries in the message's problem list
  std::vector<std::string> fragments;
};

void PrintTo(const BrokenCase& broken, std::ostream* out) { *out << broken.plugin; }

std::vector<BrokenCase> broken_cases() {
  const std::string entry = "'keel_plugin_entry'";
  return {
      {"keel_test_no_entry",
       2,
       {"does not export the entry symbol " + entry,
        "exports 1 symbol(s) besides " + entry + " (keel_test_not_an_entry)"}},
      {"keel_test_extra_exports",
       1,
       {"exports 2 symbol(s) besides " + entry, "keel_test_extra_answer", "keel_test_extra_helper",
        "link it with keel_add_plugin()"}},
      {"keel_test_null_entry",
       1,
       {"the entry returned no descriptor: the plugin refused this host (ABI 1.2)"}},
      {"keel_test_bad_magic", 1, {"bad magic 0x0123456789abcdef in the descriptor"}},
      {"keel_test_foreign_major", 1, {"built for keel ABI 2.0, this host speaks ABI 1.2"}},
      {"keel_test_short_descriptor",
       1,
       {"descriptor struct_size " + std::to_string(offsetof(keel_plugin_descriptor_t, factories)) +
        " is smaller than the required " + std::to_string(KEEL_PLUGIN_DESCRIPTOR_MIN_SIZE) +
        " bytes"}},
      {"keel_test_no_create", 1, {"factory #0 'keel_test.no_create': has no create function"}},
      {"keel_test_no_drop", 1, {"factory #0 'keel_test.no_drop': has no drop function"}},
      {"keel_test_no_methods", 1, {"factory #0 'keel_test.no_methods': has no methods table"}},
      {"keel_test_short_vtable",
       1,
       {"factory #0 'keel_test.short_vtable': pricing-model table struct_size " +
        std::to_string(offsetof(keel_pricing_model_vtable_t, calibrate)) +
        " is smaller than the required " + std::to_string(KEEL_PRICING_MODEL_VTABLE_MIN_SIZE)}},
      {"keel_test_null_member",
       1,
       {"factory #0 'keel_test.null_member': pricing-model table lacks a required member"}},
      {"keel_test_duplicate_id", 1, {"factory id 'keel_test.twice' appears twice"}},
      {"keel_test_many_problems",
       3,
       {"factory #0 'keel_test.problem_no_create': has no create function",
        "factory #1 'keel_test.problem_no_drop': has no drop function",
        "factory #2 'keel_test.problem_short_table': pricing-model table struct_size " +
            std::to_string(offsetof(keel_pricing_model_vtable_t, price_batch)) +
            " is smaller than the required"}},
  };
}

class LoaderRejects : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(LoaderRejects, NamingTheFileAndEveryProblem) {
  const BrokenCase& broken = GetParam();
  const std::filesystem::path path = broken_plugin(broken.plugin);
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  Host host;
  Result<std::unique_ptr<PluginLibrary>> loaded = PluginLibrary::load(path, host.load_host());
  ASSERT_FALSE(loaded);
  const std::string& message = loaded.status().message();
  EXPECT_EQ(loaded.status().code(), KEEL_ERR_INVALID_ARGUMENT) << message;
  EXPECT_EQ(message.rfind("cannot load plugin " + path.string() + ":", 0), 0u) << message;
  EXPECT_EQ(count_problems(message), broken.problems) << message;
  for (const std::string& fragment : broken.fragments) EXPECT_THAT(message, HasSubstr(fragment));
}

INSTANTIATE_TEST_SUITE_P(Loader, LoaderRejects, ::testing::ValuesIn(broken_cases()),
                         [](const auto& info) { return info.param.plugin; });

TEST(Loader, RejectsAMissingFile) {
  Host host;
  const std::filesystem::path path = broken_plugin("keel_test_never_built");
  Result<std::unique_ptr<PluginLibrary>> loaded = PluginLibrary::load(path, host.load_host());
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.status().code(), KEEL_ERR_NOT_FOUND);
  EXPECT_THAT(loaded.status().message(),
              HasSubstr("cannot load plugin " + path.string() + ": no such file"));
}

TEST(Loader, RejectsAFileThatIsNotASharedObject) {
  const std::filesystem::path folder = std::filesystem::path(::testing::TempDir()) /
                                       ("keel_abi_loader_" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const std::filesystem::path path = folder / "x.so";
  std::ofstream(path) << "this is text, not ELF\n";
  Host host;
  Result<std::unique_ptr<PluginLibrary>> loaded = PluginLibrary::load(path, host.load_host());
  std::filesystem::remove_all(folder);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.status().code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(loaded.status().message().rfind("cannot load plugin " + path.string() + ":", 0), 0u);
  EXPECT_THAT(loaded.status().message(),
              HasSubstr(path.string() + ": not a shared object (no ELF header)"));
}

TEST(Loader, RegistryRefusesAFactoryIdThatTwoPluginsProvide) {
  Host host;
  PluginRegistry registry(host.load_host());
  const std::filesystem::path first = broken_plugin("keel_test_duplicate_across_a");
  const std::filesystem::path second = broken_plugin("keel_test_duplicate_across_b");
  Result<PluginLibrary*> loaded_first = registry.load_file(first);
  ASSERT_TRUE(loaded_first) << loaded_first.status().message();

  Result<PluginLibrary*> loaded_second = registry.load_file(second);
  ASSERT_FALSE(loaded_second);
  EXPECT_EQ(loaded_second.status().code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(loaded_second.status().message(),
              HasSubstr("cannot load plugin " + second.string() +
                        ": factory id 'keel_test.shared_id' is already provided by "
                        "keel_test.duplicate_across_a (" +
                        first.string() + ")"));
  Result<const Factory*> factory = registry.find_factory("keel_test.shared_id");
  ASSERT_TRUE(factory) << factory.status().message();
  EXPECT_EQ((*factory)->plugin, *loaded_first);
  EXPECT_EQ(registry.plugins().size(), 1u);
}

TEST(Loader, LoadsTheShippedBlackScholesPlugin) {
  Host host;
  Result<std::unique_ptr<PluginLibrary>> loaded =
      PluginLibrary::load(shipped_plugin("keel_black_scholes"), host.load_host());
  ASSERT_TRUE(loaded) << loaded.status().message();
  const PluginFacts& facts = (*loaded)->facts();
  EXPECT_EQ(facts.id, "keel.black_scholes");
  EXPECT_EQ(facts.abi_major, static_cast<uint32_t>(KEEL_ABI_VERSION_MAJOR));
  EXPECT_EQ(facts.struct_size, sizeof(keel_plugin_descriptor_t));
  EXPECT_EQ(facts.sdk_version, KEEL_SDK_VERSION_STRING);
  EXPECT_EQ(facts.language, "C++20");
  EXPECT_EQ(facts.pointer_size, sizeof(void*));
  EXPECT_TRUE(facts.ignored_factories.empty());
  const auto& factories = (*loaded)->factories();
  const auto model = std::find_if(factories.begin(), factories.end(),
                                  [](const Factory& f) { return f.id == "keel.black_scholes"; });
  ASSERT_NE(model, factories.end());
  EXPECT_EQ(model->kind, FactoryKind::pricing_model);
  EXPECT_EQ(model->model.struct_size, sizeof(keel_pricing_model_vtable_t));
}

// ABI 1.1: a factory with create_with_context (and no create) is created
// through it, with its own context.
TEST(Loader, CallsCreateWithContextWithEachFactorysContext) {
  Host host;
  Result<PluginLibrary*> loaded =
      host.registry().load_file(broken_plugin("keel_test_with_context"));
  ASSERT_TRUE(loaded) << loaded.status().message();
  const auto& factories = (*loaded)->factories();
  ASSERT_EQ(factories.size(), 2u);
  const std::unique_ptr<InstanceContext> context = host.make_context("model 'm'", *loaded);
  for (const auto& [factory, name] : {std::pair{&factories[0], "alpha"}, {&factories[1], "beta"}}) {
    SCOPED_TRACE(factory->id);
    void* instance = nullptr;
    keel_error_t err{};
    ASSERT_EQ(factory->create("{}", &context->table, &instance, &err), KEEL_OK) << err.message;
    ASSERT_NE(instance, nullptr);
    EXPECT_STREQ(static_cast<const char*>(instance), name);
    EXPECT_EQ(factory->drop(instance, &err), KEEL_OK);
  }
  // And through the host, like any model.
  Result<keel_model_handle_t> handle =
      host.create_model("keel_test.context_beta", "{}", "model 'beta'");
  ASSERT_TRUE(handle) << handle.status().message();
  EXPECT_TRUE(host.drop_model(*handle));
}

TEST(Loader, AcceptsAFutureMinorWhoseTablesGrew) {
  Host host;
  Result<PluginLibrary*> loaded =
      host.registry().load_file(broken_plugin("keel_test_future_minor"));
  ASSERT_TRUE(loaded) << loaded.status().message();
  const PluginFacts& facts = (*loaded)->facts();
  EXPECT_EQ(facts.abi_major, 1u);
  EXPECT_EQ(facts.abi_minor, 7u);
  EXPECT_GT(facts.struct_size, sizeof(keel_plugin_descriptor_t));
  ASSERT_EQ((*loaded)->factories().size(), 1u);
  EXPECT_EQ((*loaded)->factories()[0].id, "keel_test.future_model");

  // The part this host knows works: an instance is created and called.
  Result<keel_model_handle_t> handle =
      host.create_model("keel_test.future_model", "{}", "model 'future'");
  ASSERT_TRUE(handle) << handle.status().message();
  Result<std::shared_ptr<ModelInstance>> model = host.model(*handle);
  ASSERT_TRUE(model) << model.status().message();
  EXPECT_EQ((*model)->price(kOption).status().code(), KEEL_ERR_UNSUPPORTED);
}

TEST(Loader, IgnoresAFactoryOfAnUnknownKind) {
  Host host;
  Result<PluginLibrary*> loaded =
      host.registry().load_file(broken_plugin("keel_test_unknown_kind"));
  ASSERT_TRUE(loaded) << loaded.status().message();
  EXPECT_EQ((*loaded)->facts().ignored_factories,
            std::vector<std::string>{"keel_test.execution_algo (kind keel.execution-algo/1)"});
  ASSERT_EQ((*loaded)->factories().size(), 1u);
  EXPECT_EQ((*loaded)->factories()[0].id, "keel_test.known_model");
  EXPECT_EQ(host.registry().find_factory("keel_test.execution_algo").status().code(),
            KEEL_ERR_NOT_FOUND);
}

TEST(Loader, AcceptsAPricingTableThatEndsAtCalibrate) {
  Host host;
  Result<PluginLibrary*> loaded =
      host.registry().load_file(broken_plugin("keel_test_no_get_extension"));
  ASSERT_TRUE(loaded) << loaded.status().message();
  ASSERT_EQ((*loaded)->factories().size(), 1u);
  const keel_pricing_model_vtable_t& table = (*loaded)->factories()[0].model;
  EXPECT_EQ(table.struct_size, KEEL_PRICING_MODEL_VTABLE_MIN_SIZE);
  EXPECT_NE(table.calibrate, nullptr);
  EXPECT_EQ(table.get_extension, nullptr);
}

TEST(Loader, AcceptsAVersionScriptWithANamedNode) {
  const std::filesystem::path path = broken_plugin("keel_test_named_version");
  Result<std::vector<std::string>> exports = read_elf_exports(path);
  ASSERT_TRUE(exports) << exports.status().message();
  EXPECT_EQ(*exports, std::vector<std::string>{KEEL_ENTRY_SYMBOL});
  Host host;
  Result<std::unique_ptr<PluginLibrary>> loaded = PluginLibrary::load(path, host.load_host());
  EXPECT_TRUE(loaded) << loaded.status().message();
}

std::vector<std::filesystem::path> shared_objects_in(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> found;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() == ".so") found.push_back(entry.path());
  }
  return found;
}

TEST(Loader, EveryShippedPluginExportsOnlyItsEntry) {
  const auto plugins = shared_objects_in(KEEL_TEST_PLUGIN_DIR);
  EXPECT_FALSE(plugins.empty());
  for (const auto& path : plugins) {
    Result<std::vector<std::string>> exports = read_elf_exports(path);
    ASSERT_TRUE(exports) << exports.status().message();
    EXPECT_EQ(*exports, std::vector<std::string>{KEEL_ENTRY_SYMBOL}) << path;
  }
}

TEST(Loader, KeelAddPluginExportsOnlyTheEntry) {
  // Every test plugin is built with keel_add_plugin, C and C++ alike, but
  // these three, which bring their own visibility rules.
  const std::set<std::string> unguarded{"keel_test_no_entry.so", "keel_test_extra_exports.so",
                                        "keel_test_named_version.so"};
  std::set<std::string> checked;
  for (const auto& path : shared_objects_in(KEEL_TEST_BROKEN_DIR)) {
    if (unguarded.count(path.filename().string()) != 0) continue;
    Result<std::vector<std::string>> exports = read_elf_exports(path);
    ASSERT_TRUE(exports) << exports.status().message();
    EXPECT_EQ(*exports, std::vector<std::string>{KEEL_ENTRY_SYMBOL}) << path;
    checked.insert(path.filename().string());
  }
  EXPECT_EQ(checked.count("keel_test_bad_magic.so"), 1u);
  EXPECT_EQ(checked.count("keel_test_thrower.so"), 1u);
  EXPECT_EQ(checked.count("keel_test_capsules.so"), 1u);
}

}  // namespace
}  // namespace keel
