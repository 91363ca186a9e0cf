// open_data_file and the rules every data reader shares
// (engine/data/data_file.hpp): only regular files are read, whatever reader
// opens them; what a symbol written to CSV may hold.
#include "engine/data/data_file.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data_test_support.hpp"
#include "engine/data/binary_market_data.hpp"
#include "engine/data/csv_market_data.hpp"
#include "engine/data/market_data_files.hpp"

namespace keel {
namespace {

using test::ScratchDir;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

const std::string kCsv = "ts,instrument,price,size\n2024-01-02T14:30:00Z,AAPL,1,1\n";

InstrumentTable aapl() {
  InstrumentTable table;
  Instrument i;
  i.symbol = "AAPL";
  table.add(std::move(i));
  return table;
}

// Every way keel opens a market-data file, each giving its open error ("" if it opened).
std::vector<std::string> open_errors(const fs::path& path, const fs::path& scratch) {
  const InstrumentTable table = aapl();
  std::vector<std::string> errors;
  const auto add = [&](const Status& status) { errors.push_back(status.message()); };
  auto csv = CsvMarketData::open(path, DataFormat::trades, std::nullopt, table);
  add(csv.status());
  auto any = CsvMarketData::open_any_symbols(path, DataFormat::trades, std::nullopt);
  add(any.status());
  auto binary = BinaryMarketData::open(path, table);
  add(binary.status());
  auto raw = BinaryMarketData::open_raw(path);
  add(raw.status());
  DataSpec spec;
  spec.path = path;
  spec.format = DataFormat::trades;
  auto entry = open_market_data(spec, table);
  add(entry.status());
  const fs::path out = scratch / "out.kmd";
  add(convert_market_data(path, out, {}));
  EXPECT_FALSE(fs::exists(out)) << path;
  EXPECT_FALSE(is_binary_market_data(path)) << path;
  return errors;
}

TEST(DataFile, OnlyRegularFilesAreRead) {
  ScratchDir dir;
  const fs::path fifo = dir.path() / "pipe.csv";
  // With no writer: a plain open() would wait for one forever.
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const fs::path link_to_fifo = dir.path() / "link.csv";
  fs::create_symlink(fifo, link_to_fifo);
  const fs::path folder = dir.path() / "folder.csv";
  fs::create_directory(folder);

  const std::string tail =
      ", not a regular file: keel reads data only from regular files (write the data to a file "
      "first)";
  const std::pair<fs::path, std::string> cases[] = {
      {fifo, "a FIFO (named pipe)"},
      {link_to_fifo, "a FIFO (named pipe)"},  // symlinks are followed
      {"/dev/zero", "a character device"},    // one endless line
      {folder, "a directory"},
  };
  for (const auto& [path, kind] : cases) {
    for (const std::string& error : open_errors(path, dir.path())) {
      EXPECT_EQ(error, path.string() + ": " + kind + tail);
    }
  }
}

TEST(DataFile, RegularFilesAndLinksToThemOpen) {
  ScratchDir dir;
  const fs::path file = dir.write("t.csv", kCsv);
  const fs::path link = dir.path() / "link.csv";
  fs::create_symlink(file, link);
  for (const fs::path& path : {file, link}) {
    Result<DataFile> opened = open_data_file(path);
    ASSERT_TRUE(opened.is_ok()) << opened.status().message();
    EXPECT_EQ(opened->size(), kCsv.size());
    // The descriptor is blocking again, as any regular file's.
    EXPECT_EQ(::fcntl(opened->fd(), F_GETFL) & O_NONBLOCK, 0);
    char start[3] = {};
    EXPECT_EQ(opened->read_start(start, sizeof start), 3);
    EXPECT_EQ(std::string(start, 3), "ts,");
    auto csv = CsvMarketData::open(path, DataFormat::trades, std::nullopt, aapl());
    EXPECT_TRUE(csv.is_ok()) << csv.status().message();
  }
  Result<DataFile> missing = open_data_file(dir.path() / "nope.csv");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), KEEL_ERR_NOT_FOUND);
  EXPECT_EQ(missing.status().message(),
            (dir.path() / "nope.csv").string() + ": cannot open: No such file or directory");
}

TEST(DataFile, WhatASymbolWrittenToCsvMayHold) {
  EXPECT_EQ(csv_symbol_problem("AAPL"), "");
  EXPECT_EQ(csv_symbol_problem("BRK.B"), "");
  EXPECT_EQ(csv_symbol_problem("A B"), "");   // blanks inside survive the trim
  EXPECT_EQ(csv_symbol_problem("A\"B"), "");  // keel's CSV has no quoting: '"' is plain
  EXPECT_EQ(csv_symbol_problem(""), "is empty");
  EXPECT_EQ(csv_symbol_problem("A,B"), "holds a comma");
  EXPECT_EQ(csv_symbol_problem("A\nB"), "holds a line break");
  EXPECT_EQ(csv_symbol_problem("AB\r"), "holds a line break");
  EXPECT_EQ(csv_symbol_problem(" AB"), "starts or ends with a space or tab");
  EXPECT_EQ(csv_symbol_problem("AB\t"), "starts or ends with a space or tab");
  EXPECT_EQ(shown_symbol("X\nY\r\t\x01"), "'X\\nY\\r\\t\\x01'");
  EXPECT_EQ(shown_symbol(std::string(50, 'Z')), "'" + std::string(40, 'Z') + "...'");
}

TEST(DataFile, TheLastLineMessage) {
  EXPECT_EQ(csv_last_line_error("q.csv", 7).message(),
            "q.csv:7: the last line has no line ending: the file may be cut short; if the row is "
            "whole, end it with a newline");
  EXPECT_EQ(csv_last_line_error("q.csv", 7).code(), KEEL_ERR_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace keel
