// keel/params.h, the C params helper (libkeel_params): typed reads with
// defaults and ranges, strict JSON, sticky errors, and the same messages as
// the C++ SDK's keel::sdk::Params — checked here against it, and its JSON
// checker against nlohmann's parser on mutated documents.
#include <gtest/gtest.h>
#include <unistd.h>

#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "keel/params.h"
#include "keel/sdk/near_miss.hpp"
#include "keel/sdk/params.hpp"

extern "C" {
#include "json_text.h"
#include "near_miss.h"
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// keel_params_finish's status and message ("" on KEEL_OK).
struct Finished {
  keel_status_t status;
  std::string message;
};

Finished finish(keel_params_t& p) {
  keel_error_t err{};
  err.code = -1;
  const keel_status_t status = keel_params_finish(&p, &err);
  if (status == KEEL_OK) {
    EXPECT_EQ(err.code, -1) << "finish wrote err on success";
    return {status, ""};
  }
  EXPECT_EQ(err.code, status);
  return {status, err.message};
}

// Reads `text` with `reads` and finishes.
Finished read_all(const char* text, const std::function<void(keel_params_t*)>& reads = {}) {
  keel_params_t p;
  keel_params_init(&p, text);
  if (reads) reads(&p);
  return finish(p);
}

TEST(CParams, TypedReadsWithDefaults) {
  keel_params_t p;
  keel_params_init(&p, R"({"fast": 10, "slow": 30.5, "name": "x\u00e9\n", "on": true,
                           "weights": [1, {"a": "]"}], "off": null})");
  EXPECT_EQ(keel_params_integer(&p, "fast", 0, 1, 100), 10);
  EXPECT_DOUBLE_EQ(keel_params_number(&p, "slow", 0, -kInf, kInf), 30.5);
  EXPECT_DOUBLE_EQ(keel_params_number(&p, "fast", 0, -kInf, kInf), 10.0);  // an integer is a number
  char name[16];
  EXPECT_EQ(keel_params_string(&p, "name", "", name, sizeof name), 4u);
  EXPECT_STREQ(name, "x\xc3\xa9\n");
  EXPECT_TRUE(keel_params_boolean(&p, "on", false));
  EXPECT_TRUE(keel_params_boolean(&p, "off", true));  // null is absent for an optional read
  const char* json = nullptr;
  size_t length = 0;
  ASSERT_TRUE(keel_params_json(&p, "weights", &json, &length));
  EXPECT_EQ(std::string(json, length), R"([1, {"a": "]"}])");
  EXPECT_FALSE(keel_params_json(&p, "absent_json", &json, &length));
  EXPECT_EQ(json, nullptr);
  EXPECT_DOUBLE_EQ(keel_params_number(&p, "absent", 1.5, 0, 2), 1.5);
  EXPECT_EQ(keel_params_integer(&p, "absent_int", -3, INT64_MIN, INT64_MAX), -3);
  EXPECT_EQ(keel_params_string(&p, "absent_name", "dflt", name, sizeof name), 4u);
  EXPECT_STREQ(name, "dflt");
  EXPECT_TRUE(keel_params_has(&p, "off"));
  EXPECT_FALSE(keel_params_has(&p, "absent"));
  EXPECT_EQ(keel_params_status(&p), KEEL_OK);
  const Finished done = finish(p);
  EXPECT_EQ(done.status, KEEL_OK) << done.message;
}

TEST(CParams, TextThatIsNoObjectHasNoKeys) {
  keel_params_t p;
  keel_params_init(&p, R"([{"a": 1}])");
  EXPECT_FALSE(keel_params_has(&p, "a"));
  EXPECT_DOUBLE_EQ(keel_params_number(&p, "a", 2.5, 0, 9), 2.5);
  EXPECT_EQ(keel_params_status(&p), KEEL_ERR_INVALID_ARGUMENT);
}

TEST(CParams, EmptyOrNullTextIsAnEmptyObject) {
  EXPECT_EQ(read_all(nullptr).status, KEEL_OK);
  EXPECT_EQ(read_all("").status, KEEL_OK);
  EXPECT_EQ(read_all(" { } ").status, KEEL_OK);
}

TEST(CParams, EscapedKeysMatchTheirDecodedName) {
  const Finished f = read_all(R"({"\u0076ol": 0.3, "a\/b": 1})", [](keel_params_t* p) {
    EXPECT_DOUBLE_EQ(keel_params_number(p, "vol", 0.2, 0, 1), 0.3);
    EXPECT_EQ(keel_params_integer(p, "a/b", 0, 0, 9), 1);
  });
  EXPECT_EQ(f.status, KEEL_OK) << f.message;
}

TEST(CParams, IntegersKeepEveryInt64AndRefuseWhatOverflows) {
  const Finished ok =
      read_all(R"({"lo": -9223372036854775808, "hi": 9223372036854775807})", [](keel_params_t* p) {
        EXPECT_EQ(keel_params_require_integer(p, "lo", INT64_MIN, 0), INT64_MIN);
        EXPECT_EQ(keel_params_require_integer(p, "hi", 0, INT64_MAX), INT64_MAX);
      });
  EXPECT_EQ(ok.status, KEEL_OK) << ok.message;
  const Finished big = read_all(R"({"n": 9223372036854775808})", [](keel_params_t* p) {
    keel_params_integer(p, "n", 0, INT64_MIN, INT64_MAX);
  });
  EXPECT_EQ(big.message,
            "/n: expected an integer in [-9223372036854775808, 9223372036854775807], got "
            "9223372036854775808");
  const Finished huge = read_all(
      R"({"x": 1e999})", [](keel_params_t* p) { keel_params_number(p, "x", 0, -kInf, kInf); });
  EXPECT_EQ(huge.message, "/x: expected a finite number, got 1e999");
}

// The same reads through the C helper and through keel::sdk::Params give the
// same message, word for word.
struct ParityCase {
  const char* text;
  std::function<void(keel_params_t*)> c;
  std::function<void(keel::sdk::Params&)> cxx;
  const char* expected;
};

std::string cxx_message(const ParityCase& k) {
  try {
    keel::sdk::Params p(k.text);
    k.cxx(p);
    p.reject_unknown();
  } catch (const keel::sdk::Error& e) {
    return e.what();
  }
  return "";
}

TEST(CParams, MessagesMatchTheCxxSdk) {
  using keel::sdk::Params;
  const std::vector<ParityCase> cases = {
      {R"({"fast": "ten"})",
       [](keel_params_t* p) { keel_params_integer(p, "fast", 1, INT64_MIN, INT64_MAX); },
       [](Params& p) { p.integer("fast", 1); }, R"(/fast: expected an integer, got "ten")"},
      {R"({"vol": -1})", [](keel_params_t* p) { keel_params_number(p, "vol", 0.2, 0, 5); },
       [](Params& p) { p.number("vol", 0.2, {.min = 0, .max = 5}); },
       "/vol: expected a number in [0, 5], got -1"},
      {R"({"vol": -1})", [](keel_params_t* p) { keel_params_number(p, "vol", 0.2, 0, kInf); },
       [](Params& p) { p.number("vol", 0.2, {.min = 0}); },
       "/vol: expected a number in [0, inf], got -1"},
      {R"({"vol": 0.5})", [](keel_params_t* p) { keel_params_number(p, "vol", 0.2, 1e-4, 0.25); },
       [](Params& p) { p.number("vol", 0.2, {.min = 1e-4, .max = 0.25}); },
       "/vol: expected a number in [0.0001, 0.25], got 0.5"},
      {R"({"n": 2.5})", [](keel_params_t* p) { keel_params_integer(p, "n", 1, 0, 10); },
       [](Params& p) { p.integer("n", 1, 0, 10); }, "/n: expected an integer, got 2.5"},
      {R"({"n": 7})", [](keel_params_t* p) { keel_params_integer(p, "n", 1, 1, 5); },
       [](Params& p) { p.integer("n", 1, 1, 5); }, "/n: expected an integer in [1, 5], got 7"},
      {"{}", [](keel_params_t* p) { keel_params_require_number(p, "vol", -kInf, kInf); },
       [](Params& p) { p.number("vol"); }, "/vol: required param missing"},
      {R"({"vol": null})",
       [](keel_params_t* p) { keel_params_require_number(p, "vol", -kInf, kInf); },
       [](Params& p) { p.number("vol"); }, "/vol: expected a finite number, got null"},
      {R"({"on": 1})", [](keel_params_t* p) { keel_params_boolean(p, "on", false); },
       [](Params& p) { p.boolean("on", false); }, "/on: expected true or false, got 1"},
      {R"({"name": 5})",
       [](keel_params_t* p) {
         char out[8];
         keel_params_string(p, "name", "", out, sizeof out);
       },
       [](Params& p) { p.string("name", ""); }, "/name: expected a string, got 5"},
      {R"({"vols": 0.2, "steps": 3})",
       [](keel_params_t* p) {
         keel_params_number(p, "vol", 0.2, 0, kInf);
         keel_params_integer(p, "steps", 1, 1, 10);
       },
       [](Params& p) {
         p.number("vol", 0.2);
         p.integer("steps", 1);
       },
       "/vols: unknown param; did you mean 'vol'? (known: steps vol)"},
      {R"({"zzz": 1})", [](keel_params_t* p) { keel_params_number(p, "vol", 0.2, 0, kInf); },
       [](Params& p) { p.number("vol", 0.2); }, "/zzz: unknown param (known: vol)"},
      {R"({"Vol": 1})", [](keel_params_t* p) { keel_params_number(p, "vol", 0.2, 0, kInf); },
       [](Params& p) { p.number("vol", 0.2); },
       "/Vol: unknown param; did you mean 'vol'? (known: vol)"},
      {R"({"x": 1})", nullptr, nullptr, "/x: unknown param"},
      {"[1,2]", nullptr, nullptr, "params must be a JSON object, got [1,2]"},
      {"\"text\"", nullptr, nullptr, "params must be a JSON object, got \"text\""},
  };
  for (const ParityCase& k : cases) {
    SCOPED_TRACE(k.text);
    const Finished c = read_all(k.text, k.c);
    EXPECT_EQ(c.status, KEEL_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(c.message, k.expected);
    ParityCase cxx = k;
    if (!cxx.cxx) cxx.cxx = [](keel::sdk::Params&) {};
    EXPECT_EQ(cxx_message(cxx), k.expected);
  }
}

TEST(CParams, TooDeepIsRefusedWhereTheCxxSdkRefusesIt) {
  const std::string text = "{\"a\":\n" + std::string(128, '[') + std::string(128, ']') + "}";
  const Finished c = read_all(text.c_str());
  EXPECT_EQ(c.status, KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(c.message, "params are " +
                           keel::sdk::describe_json_too_deep(*keel::sdk::find_json_too_deep(text)));
  EXPECT_NE(c.message.find("line 2, column 128"), std::string::npos) << c.message;
  // One level less is fine.
  const std::string ok = "{\"a\":" + std::string(127, '[') + std::string(127, ']') + "}";
  EXPECT_EQ(read_all(ok.c_str(),
                     [](keel_params_t* p) {
                       const char* j;
                       size_t n;
                       keel_params_json(p, "a", &j, &n);
                     })
                .status,
            KEEL_OK);
}

TEST(CParams, NotJsonSaysWhereAndWhy) {
  struct Bad {
    const char* text;
    const char* says;
  };
  const Bad bad[] = {
      {"{\"unterminated", "at line 1, column 15 (unterminated string): {\"unterminated"},
      {"{\"a\" 1}", "at line 1, column 6 (expected ':' after a key)"},
      {"{\"a\": 1,}", "at line 1, column 9 (expected a string key)"},
      {"{\"a\": [1,]}", "at line 1, column 10 (expected a value)"},
      {"{\"a\": 01}", "(a number may not start with 0)"},
      {"{\"a\": .5}", "(expected a value)"},
      {"{\"a\": 1.}", "(expected a digit after '.')"},
      {"{\"a\": NaN}", "(expected a value)"},
      {"{\"a\": tru}", "(expected a value)"},
      {"{'a': 1}", "(expected a string key)"},
      {"{\"a\": 1} // c", "at line 1, column 10 (unexpected text after the value)"},
      {"{\"a\": 1}}", "(unexpected text after the value)"},
      {"{\"a\": \"\x01\"}", "(control character in a string (escape it))"},
      {"{\"a\": \"\\x\"}", "(invalid escape in a string)"},
      {"{\"a\": \"\\u12\"}", "(\\u needs four hex digits)"},
      {"{\"a\": \"\\udc00\"}", "(lone low surrogate in a \\u escape)"},
      {"{\"a\": \"\\ud800x\"}", "(high surrogate not followed by a low one in a \\u escape)"},
      {"{\"a\": \"\xc0\xaf\"}", "(invalid UTF-8 in a string)"},
      {"{\"a\": \"\xed\xa0\x80\"}", "(invalid UTF-8 in a string)"},
      {"{\"a\": \"\xf4\x90\x80\x80\"}", "(invalid UTF-8 in a string)"},
      {"{\"a\": \"\xe2\x82\"}", "(invalid UTF-8 in a string)"},
      {"{\n  \"a\": 1\n  \"b\": 2\n}", "at line 3, column 3 (expected ',' or '}')"},
      {"{\"a\": [1 2]}", "(expected ',' or ']')"},
      {" ", "(expected a value)"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.text);
    const Finished f = read_all(b.text);
    EXPECT_EQ(f.status, KEEL_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(f.message.rfind("params are not valid JSON at line ", 0), 0u) << f.message;
    EXPECT_NE(f.message.find(b.says), std::string::npos) << f.message;
  }
  // Valid UTF-8 and escapes of every kind pass.
  EXPECT_EQ(read_all("{\"s\": \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \\ud83d\\ude00 \\\" \\\\ \\/ "
                     "\\b\\f\\n\\r\\t\"}",
                     [](keel_params_t* p) {
                       char out[64];
                       keel_params_string(p, "s", "", out, sizeof out);
                       EXPECT_STREQ(out,
                                    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xf0\x9f\x98\x80 \" \\ "
                                    "/ \b\f\n\r\t");
                     })
                .status,
            KEEL_OK);
}

TEST(CParams, AKeyGivenTwiceIsAnError) {
  const Finished f = read_all(R"({"vol": 0.1, "vol": 0.2})",
                              [](keel_params_t* p) { keel_params_number(p, "vol", 0.2, 0, 1); });
  EXPECT_EQ(f.message, "/vol: given twice");
}

TEST(CParams, TheFirstErrorStaysAndLaterReadsReturnTheirFallback) {
  keel_params_t p;
  keel_params_init(&p, R"({"a": "x", "b": 2, "typo": 1})");
  EXPECT_EQ(keel_params_integer(&p, "a", 7, 0, 9), 7);
  EXPECT_EQ(keel_params_status(&p), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(keel_params_integer(&p, "b", 5, 0, 9), 5);  // valid, but an error is pending
  EXPECT_EQ(keel_params_require_integer(&p, "c", 0, 9), 0);
  EXPECT_TRUE(keel_params_has(&p, "b"));  // the text is still there to ask about
  const Finished first = finish(p);
  EXPECT_EQ(first.message, R"(/a: expected an integer, got "x")");
  EXPECT_EQ(finish(p).message, first.message);  // finishing again says the same
  keel_error_t* no_err = nullptr;
  EXPECT_EQ(keel_params_finish(&p, no_err), KEEL_ERR_INVALID_ARGUMENT);
}

TEST(CParams, StringsMustFitTheBufferAndHoldNoNul) {
  char out[4] = "zz";
  EXPECT_EQ(read_all(R"({"s": "abcd"})",
                     [&](keel_params_t* p) { keel_params_string(p, "s", "d", out, sizeof out); })
                .message,
            R"(/s: expected a string of at most 3 bytes, got "abcd")");
  EXPECT_STREQ(out, "d");
  EXPECT_EQ(read_all(R"({"s": "abc"})",
                     [&](keel_params_t* p) { keel_params_string(p, "s", "d", out, sizeof out); })
                .status,
            KEEL_OK);
  EXPECT_STREQ(out, "abc");
  EXPECT_EQ(read_all(R"({"s": "a\u0000b"})",
                     [&](keel_params_t* p) { keel_params_string(p, "s", "", out, sizeof out); })
                .message,
            R"(/s: expected a string without \u0000, got "a\u0000b")");
  EXPECT_EQ(
      read_all("{}", [&](keel_params_t* p) { keel_params_require_string(p, "s", out, 4); }).message,
      "/s: required param missing");
}

TEST(CParams, APluginsOwnMistakesAreInternalErrors) {
  Finished f = read_all("{}", [](keel_params_t* p) {
    static char names[KEEL_PARAMS_MAX_KEYS + 1][8];
    for (int i = 0; i <= KEEL_PARAMS_MAX_KEYS; ++i) {
      std::snprintf(names[i], sizeof names[i], "k%d", i);
      keel_params_number(p, names[i], 0, -kInf, kInf);
    }
  });
  EXPECT_EQ(f.status, KEEL_ERR_INTERNAL);
  EXPECT_EQ(f.message, "/k64: a plugin reads at most 64 params with keel_params_t");
  f = read_all("{}", [](keel_params_t* p) { keel_params_number(p, nullptr, 0, -kInf, kInf); });
  EXPECT_EQ(f.status, KEEL_ERR_INTERNAL);
  f = read_all("{}", [](keel_params_t* p) { keel_params_string(p, "s", "", nullptr, 0); });
  EXPECT_EQ(f.status, KEEL_ERR_INTERNAL);
  // Reading the same key twice is one key.
  f = read_all("{}", [](keel_params_t* p) {
    for (int i = 0; i <= 2 * KEEL_PARAMS_MAX_KEYS; ++i) keel_params_number(p, "k", 0, 0, 1);
  });
  EXPECT_EQ(f.status, KEEL_OK) << f.message;
}

TEST(CParams, LongValuesAreQuotedShort) {
  const std::string text = R"({"s": ")" + std::string(1000, 'x') + R"("})";
  const Finished f =
      read_all(text.c_str(), [](keel_params_t* p) { keel_params_number(p, "s", 0, -kInf, kInf); });
  EXPECT_EQ(f.message, "/s: expected a finite number, got \"" + std::string(95, 'x') + "...");
  const std::string key = R"({")" + std::string(5000, 'k') + R"(": 1})";
  const Finished unknown =
      read_all(key.c_str(), [](keel_params_t* p) { keel_params_number(p, "vol", 0, -kInf, kInf); });
  EXPECT_EQ(unknown.message.rfind("/kkkk", 0), 0u) << unknown.message;
  EXPECT_NE(unknown.message.find("...: unknown param (known: vol)"), std::string::npos)
      << unknown.message;
}

// Numbers are read with '.' as the decimal point whatever the C locale says
// (a host may embed Python or a GUI that called setlocale). The test builds
// a locale whose decimal point is ',' with localedef (skipped where that
// cannot be done).
TEST(CParams, NumbersDoNotDependOnTheLocale) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("keel_c_params_locale_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream source(dir / "comma.def");
    source << "LC_NUMERIC\ndecimal_point \",\"\nthousands_sep \"\"\ngrouping -1\nEND LC_NUMERIC\n";
    for (const char* category :
         {"LC_CTYPE", "LC_COLLATE", "LC_MONETARY", "LC_TIME", "LC_MESSAGES"}) {
      source << category << "\ncopy \"POSIX\"\nEND " << category << "\n";
    }
  }
  // -c: write the locale although the categories keel does not need are missing.
  const std::string command = "localedef -c -i '" + (dir / "comma.def").string() +
                              "' -f ANSI_X3.4-1968 '" + (dir / "comma").string() +
                              "' >/dev/null 2>&1";
  (void)std::system(command.c_str());
  const char* set = nullptr;
  if (std::filesystem::exists(dir / "comma" / "LC_NUMERIC")) {
    setenv("LOCPATH", dir.c_str(), 1);
    set = std::setlocale(LC_NUMERIC, "comma");
  }
  if (set == nullptr) {
    unsetenv("LOCPATH");
    std::filesystem::remove_all(dir);
    GTEST_SKIP() << "localedef could not build a locale with a decimal comma";
  }
  const std::string point = std::localeconv()->decimal_point;
  double vol = 0;
  const Finished f = read_all(
      R"({"vol": 0.25})", [&](keel_params_t* p) { vol = keel_params_number(p, "vol", 0, 0, 1); });
  std::setlocale(LC_NUMERIC, "C");
  unsetenv("LOCPATH");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(point, ",");
  EXPECT_EQ(f.status, KEEL_OK) << f.message;
  EXPECT_EQ(vol, 0.25);
}

// The checker accepts exactly what nlohmann's parser accepts (below the
// depth limit): documents mutated one byte at a time from valid ones.
TEST(CParamsJson, AcceptsExactlyWhatNlohmannAccepts) {
  const std::vector<std::string> seeds = {
      R"({"a": 1, "b": [true, false, null], "c": {"d": -0.5e+10, "e": "x\"y\\u00e9"}})",
      R"({"weights": [1, 2.5, -3E-2, 0], "name": "caf\u00e9 \ud83d\ude00", "n": {}})",
      "[ {\"k\" : [ [ ] , { } ] } , \"\xc3\xa9\xe2\x82\xac\" , 1e5 ]",
      R"("just a string")",
      "12345",
      "-0.0e0",
      "true",
  };
  const std::string alphabet = std::string("{}[],:\"\\ \t\n0123456789eE.+-tfnulrsaxyzd") +
                               "\x01\x7f\x80\xbf\xc3\xe2\xed\xf0\xf4\xff";
  std::mt19937 rng(20261204);
  size_t accepted = 0, total = 0;
  for (const std::string& seed : seeds) {
    ASSERT_TRUE(nlohmann::json::accept(seed)) << seed;
    keel_json_fault_t fault{};
    ASSERT_TRUE(keel_json_check(seed.data(), seed.size(), KEEL_PARAMS_MAX_DEPTH, &fault)) << seed;
    for (int round = 0; round < 3000; ++round) {
      std::string text = seed;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits && !text.empty(); ++e) {
        const size_t at = rng() % (text.size() + 1);
        const char c = alphabet[rng() % alphabet.size()];
        switch (rng() % 3) {
          case 0:
            text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
            break;
          case 1:
            if (at < text.size()) text.erase(at, 1);
            break;
          default:
            if (at < text.size()) text[at] = c;
        }
      }
      const bool ours = keel_json_check(text.data(), text.size(), KEEL_PARAMS_MAX_DEPTH, &fault);
      // nlohmann also refuses a number too large for a double ("number
      // overflow", reported before any later syntax error); the helper
      // leaves that to the read ("expected a finite number, got 1e999"), so
      // both refuse it.
      bool theirs = nlohmann::json::accept(text);
      if (!theirs && ours) {
        try {
          const nlohmann::json parsed = nlohmann::json::parse(text);
        } catch (const nlohmann::json::exception& e) {
          if (std::string(e.what()).find("number overflow") != std::string::npos) theirs = true;
        }
      }
      ++total;
      accepted += ours ? 1 : 0;
      ASSERT_EQ(ours, theirs) << "text: " << text << "\nour fault: " << (ours ? "" : fault.what);
      if (!ours) {
        ASSERT_LE(fault.offset, text.size());
      }
    }
  }
  // The mutations reach both sides of the question.
  EXPECT_GT(accepted, total / 20);
  EXPECT_LT(accepted, total - total / 20);
}

// The suggestion is the C++ SDK's (keel/sdk/near_miss.hpp) on every pair.
TEST(CParamsNearMiss, AgreesWithTheCxxSdk) {
  std::mt19937 rng(7);
  const std::string letters = "abcAB_";
  const auto word = [&] {
    std::string w(rng() % 8, ' ');
    for (char& c : w) c = letters[rng() % letters.size()];
    return w;
  };
  for (int i = 0; i < 20000; ++i) {
    const std::string a = word(), b = word();
    const size_t limit = rng() % 4;
    ASSERT_EQ(keel_near_miss_distance(a.data(), a.size(), b.data(), b.size(), limit),
              keel::sdk::edit_distance_at_most(a, b, limit))
        << a << " / " << b << " limit " << limit;
  }
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::string> candidates(1 + rng() % 5);
    for (std::string& c : candidates) c = word();
    std::vector<const char*> pointers;
    for (const std::string& c : candidates) pointers.push_back(c.c_str());
    const std::string w = word();
    const size_t ours =
        keel_near_miss_nearest(w.data(), w.size(), pointers.data(), pointers.size());
    const std::optional<std::string> theirs = keel::sdk::nearest_name(w, candidates);
    ASSERT_EQ(ours < pointers.size(), theirs.has_value()) << w;
    if (theirs) {
      ASSERT_EQ(candidates[ours], *theirs) << w;
    }
  }
  // Past KEEL_NEAR_MISS_MAX_LENGTH there is no suggestion (no allocation).
  const std::string long_word(KEEL_NEAR_MISS_MAX_LENGTH + 1, 'a');
  const std::string near = long_word.substr(1);
  EXPECT_EQ(
      keel_near_miss_distance(long_word.data(), long_word.size(), near.data(), near.size(), 2), 3u);
}

}  // namespace
