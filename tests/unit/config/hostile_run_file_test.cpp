// Hostile run files (hostile_run_files.hpp): nesting past the limit, large
// sections parsed with linear work, NUL characters in strings, and files
// that are too large, devices or pipes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "config_test_support.hpp"
#include "engine/config/json_checker.hpp"
#include "engine/config/json_document.hpp"
#include "engine/config/run_config.hpp"
#include "engine/config/run_file_reader.hpp"
#include "hostile_run_files.hpp"
#include "keel/sdk/json_depth.hpp"

namespace keel::test {
namespace {

using Hostile = RunFileTest;

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

// ---- nesting ---------------------------------------------------------------------

// 100k-deep params overflowed the stack copying params; a 100k-deep value
// under an unknown key overflowed it in the error's dump() and in sorting
// errors by pointer. Both are refused before anything recursive runs.
TEST_F(Hostile, DeepParamsAreRefusedWithLineAndColumn) {
  const std::string text = hostile::deep_params(100'000);
  const ConfigResult result = load_text(text);
  ASSERT_FALSE(result.config.has_value());
  ASSERT_EQ(result.errors.size(), 1u) << ::testing::PrintToString(errors(result));
  EXPECT_EQ(result.errors[0].pointer, "");
  // Line 5 holds "params": {"x": [[[...; the document's 4th level is params,
  // so the array that opens level 129 is the 125th.
  const size_t line_start = text.rfind('\n', text.find("\"params\"")) + 1;
  const size_t column = text.find('[', text.find("\"x\"")) - line_start + 1 + 124;
  EXPECT_EQ(result.errors[0].message,
            "nested more than 128 levels deep at line 5, column " + std::to_string(column) +
                " (keel reads at most 128 levels of arrays and objects); a run file needs a few "
                "levels, so flatten the deep part (strategy or model params can name a file of "
                "their own instead)");
}

TEST_F(Hostile, DeepValueUnderAnUnknownKeyIsRefused) {
  const ConfigResult result = load_text(hostile::deep_unknown_key(100'000));
  ASSERT_EQ(result.errors.size(), 1u) << ::testing::PrintToString(errors(result));
  EXPECT_TRUE(starts_with(result.errors[0].message,
                          "nested more than 128 levels deep at line 1, column 138 "))
      << result.errors[0].message;
}

TEST_F(Hostile, NestingUpToTheLimitIsAccepted) {
  // Levels 1-4 are the document, strategies, the strategy and params.
  const size_t inside_params = sdk::kMaxJsonDepth - 4;
  ConfigResult result = load_text(hostile::run_file(
      hostile::one_equity(), "AAPL", "{\"x\": " + hostile::nested_arrays(inside_params) + "}"));
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  const nlohmann::json* level = &result.config->strategies[0].params["x"];
  size_t depth = 0;
  while (level->is_array()) {
    ++depth;
    level = level->empty() ? nullptr : &(*level)[0];
    if (level == nullptr) break;
  }
  EXPECT_EQ(depth, inside_params);

  result = load_text(hostile::run_file(
      hostile::one_equity(), "AAPL", "{\"x\": " + hostile::nested_arrays(inside_params + 1) + "}"));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_TRUE(starts_with(result.errors[0].message, "nested more than 128 levels deep"));
}

TEST(ConfigJsonDepth, BracketsInStringsAndEscapesAreNotNesting) {
  const std::string brackets(1000, '[');
  const config::ParsedJson parsed =
      config::parse_json(R"({"a": "\")" + brackets + R"(", "b": "\\", "c": [[1]]})");
  ASSERT_TRUE(parsed.document.has_value()) << ::testing::PrintToString(parsed.errors.size());
  EXPECT_EQ((*parsed.document)["a"].get<std::string>(), "\"" + brackets);
  EXPECT_EQ((*parsed.document)["c"][0][0], 1);
}

// ---- linear work on large sections ---------------------------------------------

// 200k instruments took ~10 s: nlohmann's callback parser rescans the parent
// array after every object, and ordered_map's vector deep-copies its
// members when it grows. The result must still be exactly the file's.
TEST_F(Hostile, ManyInstrumentsAreReadInOrder) {
  constexpr size_t kCount = 50'000;
  const ConfigResult result = load_text(hostile::many_instruments(kCount));
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  const InstrumentTable& table = result.config->instruments;
  ASSERT_EQ(table.size(), kCount);
  for (size_t i = 0; i < kCount; i += 4999) {
    EXPECT_EQ(table.get(static_cast<keel_instrument_id_t>(i)).symbol, "I" + std::to_string(i));
    EXPECT_EQ(table.find("I" + std::to_string(i)), static_cast<keel_instrument_id_t>(i));
  }
}

// 40k keys in one object took ~3 s: ordered_map searches every key before
// inserting. Counted, not timed: at most 16 comparisons per key.
TEST(ConfigJsonDocument, ManyKeysTakeLinearWork) {
  constexpr size_t kCount = 40'000;
  std::string text = "{";
  for (size_t i = 0; i < kCount; ++i) {
    text += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ", ";
  }
  text += "\"k7\": -7, \"k39999\": -1}";  // repeated keys past the point a hash index is used
  const config::ParsedJson parsed = config::parse_json(text);
  ASSERT_TRUE(parsed.document.has_value());
  EXPECT_LE(parsed.key_comparisons, 16 * (kCount + 2));
  const config::Json& doc = *parsed.document;
  ASSERT_EQ(doc.size(), kCount);
  size_t i = 0;
  for (const auto& [key, value] : doc.items()) {
    ASSERT_EQ(key, "k" + std::to_string(i)) << "document order";
    ++i;
  }
  // As nlohmann: the first key's place, the last value.
  EXPECT_EQ(doc["k7"], -7);
  EXPECT_EQ(doc["k39999"], -1);
  ASSERT_EQ(parsed.errors.size(), 2u);
  EXPECT_EQ(parsed.errors[0].pointer, "/k7");
  EXPECT_EQ(parsed.errors[1].pointer, "/k39999");
  EXPECT_EQ(parsed.errors[1].message,
            "duplicate key 'k39999' (a key may appear only once in an object)");
}

TEST_F(Hostile, ManyParamsReachTheStrategyInOrder) {
  constexpr size_t kCount = 40'000;
  const ConfigResult result = load_text(hostile::many_params(kCount));
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  const nlohmann::json& params = result.config->strategies[0].params;
  ASSERT_EQ(params.size(), kCount);
  EXPECT_EQ(params["k0"], 0);
  EXPECT_EQ(params["k39999"], 39999);
}

// Options marked by many models: each reference is looked up, not searched.
TEST_F(Hostile, ManyMarkedOptionsAndModels) {
  constexpr size_t kCount = 20'000;
  std::string instruments = R"([{"id": "AAPL", "kind": "equity"})";
  std::string models = "{";
  for (size_t i = 0; i < kCount; ++i) {
    const std::string n = std::to_string(i);
    instruments += R"(, {"id": "O)" + n +
                   R"(", "kind": "option", "underlying": "AAPL", "strike": 1, "expiry": )"
                   R"("2030-01-01", "right": "call", "mark": {"model": "m)" +
                   n + R"(", "vol": 0.2}})";
    models +=
        std::string(i > 0 ? ", " : "") + "\"m" + n + R"(": {"factory": "keel.black_scholes"})";
  }
  instruments += "]";
  models += "}";
  std::string text = hostile::run_file(instruments, "AAPL");
  text.insert(1, "\"pricing_models\": " + models + ", ");
  const ConfigResult result = load_text(text);
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  EXPECT_EQ(result.config->pricing_models.size(), kCount);
  EXPECT_EQ(result.config->instruments.size(), kCount + 1);
}

// 40k unknown references among 40k instruments ran for minutes: every one
// was compared with every id for a "did you mean". Suggestions now share a
// budget; every error is still reported, in document order.
TEST_F(Hostile, ManyUnknownReferencesShareTheSuggestionBudget) {
  constexpr size_t kCount = 2'000;
  std::string instruments = "[";
  std::string references;
  for (size_t i = 0; i < kCount; ++i) {
    instruments += std::string(i > 0 ? ", " : "") + R"({"id": "I)" + std::to_string(i) +
                   R"(", "kind": "equity"})";
    references += std::string(i > 0 ? "\", \"" : "") + "J" + std::to_string(i);
  }
  instruments += "]";
  const ConfigResult result = load_text(hostile::run_file(instruments, references));
  ASSERT_EQ(result.errors.size(), kCount);
  EXPECT_EQ(errors(result).front(),
            "/strategies/0/instruments/0: unknown instrument 'J0'; did you mean 'I0'?");
  EXPECT_EQ(errors(result).back(), "/strategies/0/instruments/1999: unknown instrument 'J1999'");

  config::JsonChecker check;
  const std::vector<std::string> ids(kCount, "I1");
  for (size_t i = 0; i < kCount; ++i) (void)check.did_you_mean("J1", ids);
  EXPECT_LE(check.suggestion_comparisons(), config::JsonChecker::kSuggestionBudget);
  EXPECT_EQ(check.did_you_mean("J1", ids), "");
}

// Errors all over a large file are put in document order.
TEST_F(Hostile, ManyErrorsAreSortedInDocumentOrder) {
  constexpr size_t kCount = 20'000;
  std::string instruments = "[";
  for (size_t i = 0; i < kCount; ++i) {
    instruments += std::string(i > 0 ? ", " : "") + R"({"id": "I)" + std::to_string(i) +
                   R"(", "kind": "bond", "tick_sise": 1})";
  }
  instruments += "]";
  const ConfigResult result = load_text(hostile::run_file(instruments, "I0"));
  ASSERT_EQ(result.errors.size(), 2 * kCount);
  for (size_t i = 0; i < kCount; i += 997) {
    const std::string p = "/instruments/" + std::to_string(i);
    EXPECT_EQ(result.errors[2 * i].pointer, p + "/kind");
    EXPECT_EQ(result.errors[2 * i + 1].pointer, p + "/tick_sise");
  }
}

// ---- NUL characters --------------------------------------------------------------

// "out\u0000x" was cut to "out" as a C string: every output file went there.
TEST_F(Hostile, NulInOutputDirIsRefused) {
  EXPECT_EQ(errors(load_text(hostile::nul_in_output_dir())),
            (std::vector<std::string>{"/output/dir: expected a string without NUL characters "
                                      "(\\u0000), got \"out\\u0000x\""}));
}

// A data path with a NUL named an existing file once cut short, so it passed.
TEST_F(Hostile, NulInAnyPathOrNameIsRefused) {
  OJson doc = full_run_file();
  const std::string nul("\0x", 2);
  doc["data"][0]["path"] = "data/quotes.csv" + nul;
  doc["plugin_paths"][0] = "plugins" + nul;
  doc["strategies"][0]["name"] = "trend" + nul;
  doc["strategies"][0]["factory"] = "keel.sma_cross" + nul;
  doc["instruments"][0]["id"] = "AAPL" + nul;
  doc["pricing_models"]["bs" + nul] = doc["pricing_models"]["bs"];
  const std::vector<std::string> got = errors(load(doc));
  const std::string nul_expected = ": expected a string without NUL characters (\\u0000), got ";
  for (const std::string pointer : {"/plugin_paths/0", "/instruments/0/id", "/data/0/path",
                                    "/strategies/0/name", "/strategies/0/factory"}) {
    EXPECT_TRUE(
        std::any_of(got.begin(), got.end(),
                    [&](const std::string& e) { return starts_with(e, pointer + nul_expected); }))
        << pointer << " in " << ::testing::PrintToString(got);
  }
  EXPECT_TRUE(std::any_of(got.begin(), got.end(), [&](const std::string& e) {
    return e.find("a pricing model's name must not contain NUL characters") != std::string::npos;
  })) << ::testing::PrintToString(got);
}

#if KEEL_WITH_PYTHON
TEST_F(Hostile, NulInPythonScriptPathIsRefused) {
  dir_.write("strategies/s.py", "");
  OJson doc = full_run_file();
  doc["strategies"][0].erase("factory");
  doc["strategies"][0]["python"] = {{"script", std::string("strategies/s.py\0x", 17)},
                                    {"class", "S"}};
  EXPECT_TRUE(
      starts_with(only_error(doc), "/strategies/0/python/script: expected a string without NUL"));
}
#endif

// ---- the file itself ---------------------------------------------------------------

TEST_F(Hostile, DevicesAndDirectoriesAreRefused) {
  ConfigResult result = load_run_config("/dev/zero");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].message,
            "is a character device, not a run file; give a JSON file (or a pipe, as in "
            "<(gen_config))");
  result = load_run_config(dir_.path());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].message, "is a directory, not a run file");
  result = load_run_config(dir_.path() / "absent.json");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].message, "file not found");
}

TEST_F(Hostile, LargerThanTheBoundIsRefused) {
  const auto file = dir_.write("exact.json", std::string(1000, ' '));
  ASSERT_TRUE(config::read_run_file(file, 1000).is_ok());
  dir_.write("exact.json", std::string(1001, ' '));
  const Result<std::string> text = config::read_run_file(file, 1000);
  ASSERT_FALSE(text.is_ok());
  EXPECT_EQ(text.status().message(),
            "is larger than the 1000 bytes a run file may hold; keep market data in the data "
            "files it names");
  // 65 MiB (sparse): refused from its size, without reading it.
  const auto big = dir_.write("big.json", "");
  std::filesystem::resize_file(big, (size_t{65} << 20));
  const ConfigResult result = load_run_config(big);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].message,
            "is larger than the 64 MiB a run file may hold; keep market data in the data files "
            "it names");
}

// A FIFO nobody writes to: opening it used to wait forever. It gets a short
// time to get a writer (here none).
TEST_F(Hostile, FifoWithoutWriterIsRefused) {
  const auto fifo = dir_.path() / "fifo.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const Result<std::string> read =
      config::read_run_file(fifo, config::kMaxRunFileBytes, std::chrono::milliseconds(0));
  ASSERT_FALSE(read.is_ok());
  EXPECT_EQ(read.status().message(),
            "is a pipe with no writer: no program opened it for writing within 0 ms; start the "
            "program that writes the run file first (or use <(gen_config))");
}

// A FIFO whose writer wrote the file and left before keel opened it: the
// text waits in the pipe (held open here by a second reader).
TEST_F(Hostile, FifoWrittenBeforeOpeningIsRead) {
  const auto fifo = dir_.path() / "fifo.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int holder = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(holder, 0);
  const int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
  ASSERT_GE(writer, 0);
  const std::string text = full_run_file().dump();
  ASSERT_EQ(::write(writer, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(writer);
  const ConfigResult result = load_run_config(fifo);
  ::close(holder);
  EXPECT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
}

// `keel run <(gen_config)`, or `gen > fifo & keel run fifo`: a writer that
// comes before or after keel opens the FIFO is read to its end.
TEST_F(Hostile, FifoWithWriterIsRead) {
  const auto fifo = dir_.path() / "fifo.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string text = full_run_file().dump(2);
  std::thread writer([&] {
    std::ofstream out(fifo, std::ios::binary);  // waits for a reader
    // In pieces, so the reader sees the text arrive over several reads.
    for (size_t i = 0; i < text.size(); i += 100) out << text.substr(i, 100) << std::flush;
  });
  const Result<std::string> read =
      config::read_run_file(fifo, config::kMaxRunFileBytes, std::chrono::minutes(1));
  // Should the read have given up first, this releases the writer's open.
  const int release = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  writer.join();
  ::close(release);
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  EXPECT_EQ(read.value(), text);
}

// An endless writer: reading stops one byte past the bound.
TEST_F(Hostile, EndlessPipeIsCutAtTheBound) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  // The writer sees EPIPE, not SIGPIPE, when the reader is done.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &previous), 0);
  std::thread writer([fd = fds[1]] {
    const std::string block(4096, ' ');
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    ::close(fd);
  });
  const Result<std::string> read =
      config::read_run_file("/dev/fd/" + std::to_string(fds[0]), size_t{1} << 20);
  ::close(fds[0]);
  writer.join();
  ::sigaction(SIGPIPE, &previous, nullptr);
  ASSERT_FALSE(read.is_ok());
  EXPECT_TRUE(starts_with(read.status().message(), "is larger than the 1 MiB"))
      << read.status().message();
}

}  // namespace
}  // namespace keel::test
