// write_hostile_run_files DIR [--small]: writes the hostile run files of
// hostile_run_files.hpp into DIR (created), with DIR/data/quotes.csv so
// that they are otherwise valid. --small writes sizes fit for a fuzzing
// seed corpus.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "hostile_run_files.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && std::strcmp(argv[2], "--small") != 0)) {
    std::fprintf(stderr, "usage: %s DIR [--small]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::error_code ec;
  std::filesystem::create_directories(dir / "data", ec);
  if (ec) {
    std::fprintf(stderr, "%s: %s\n", dir.c_str(), ec.message().c_str());
    return 2;
  }
  std::ofstream(dir / "data" / "quotes.csv") << "ts,instrument,bid,bid_size,ask,ask_size\n";
  for (const auto& [name, text] : keel::test::hostile::all(argc == 3)) {
    std::ofstream out(dir / name, std::ios::binary);
    out << text;
    if (!out) {
      std::fprintf(stderr, "%s: cannot write\n", (dir / name).c_str());
      return 2;
    }
  }
  return 0;
}
