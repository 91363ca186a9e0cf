// Hostile run files, generated: the files that crashed, stalled or misled
// `keel validate` and `keel run` on the previous release. Used by the config
// tests, and by write_hostile_run_files (a seed corpus for fuzzing the
// run-file checker).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace keel::test::hostile {

// A valid run file around `instruments` (a JSON array text), `params` (a JSON
// text for strategies[0].params), the first instrument's id, and
// `output_dir` (JSON string text). Its data file is data/quotes.csv.
inline std::string run_file(const std::string& instruments, const std::string& first_id,
                            const std::string& params = "{}",
                            const std::string& output_dir = "\"out\"") {
  return R"({"run": {"name": "hostile"},
 "instruments": )" +
         instruments + R"(,
 "data": [{"path": "data/quotes.csv", "format": "quotes"}],
 "strategies": [{"name": "s", "factory": "keel.sma_cross", "instruments": [")" +
         first_id + R"("],
                 "params": )" +
         params + R"(}],
 "output": {"dir": )" +
         output_dir + "}}\n";
}

inline std::string one_equity() { return R"([{"id": "AAPL", "kind": "equity"}])"; }

// `depth` arrays inside one another: "[[[...]]]".
inline std::string nested_arrays(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

// Strategy params nested `depth` arrays deep (as in the issue: 100k).
inline std::string deep_params(size_t depth) {
  return run_file(one_equity(), "AAPL", "{\"x\": " + nested_arrays(depth) + "}");
}

// An unknown top-level key whose value nests `depth` deep: its error message
// shows the value, and the errors are sorted by pointer.
inline std::string deep_unknown_key(size_t depth) {
  std::string text = run_file(one_equity(), "AAPL");
  text.insert(1, "\"bogus\": " + nested_arrays(depth) + ", ");
  return text;
}

// `count` equities I0, I1, ...
inline std::string many_instruments(size_t count) {
  std::string list = "[";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) list += ",\n";
    list += R"({"id": "I)" + std::to_string(i) + R"(", "kind": "equity", "tick_size": 0.01})";
  }
  list += "]";
  return run_file(list, "I0");
}

// Strategy params with `count` keys k0, k1, ...
inline std::string many_params(size_t count) {
  std::string params = "{";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) params += ", ";
    params += "\"k" + std::to_string(i) + "\": " + std::to_string(i);
  }
  params += "}";
  return run_file(one_equity(), "AAPL", params);
}

// An output dir with a NUL character in it.
inline std::string nul_in_output_dir() {
  return run_file(one_equity(), "AAPL", "{}", R"("out\u0000x")");
}

// Every file above at the size that reproduced the problem (`small`: sizes
// fit for a fuzzing seed corpus, still past the limits where there is one).
inline std::vector<std::pair<std::string, std::string>> all(bool small) {
  const size_t deep = small ? 200 : 100'000;
  return {{"deep_params.json", deep_params(deep)},
          {"deep_unknown_key.json", deep_unknown_key(deep)},
          {"many_instruments.json", many_instruments(small ? 1'000 : 200'000)},
          {"many_params.json", many_params(small ? 1'000 : 40'000)},
          {"nul_in_output_dir.json", nul_in_output_dir()}};
}

}  // namespace keel::test::hostile
