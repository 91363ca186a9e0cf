// engine/data/data_file.hpp — opening a market-data file, and the rules every
// data reader and writer shares: only regular files, one rule for a CSV
// file's last line, one rule for the symbols written to CSV. (The range of
// data timestamps is in engine/market/timestamp.hpp: the run file's limits
// depend on it too.)
//
// Every data file keel reads (a run's data entries, `keel data convert` IN,
// `keel price --csv` IN) is opened with open_data_file(): the path is opened
// (symlinks followed) with O_NONBLOCK, so opening a FIFO with no writer
// cannot block, and the opened descriptor is checked with fstat, so there is
// no window between the check and the open. Anything but a regular file (a
// FIFO, a device such as /dev/zero, a directory, a socket) is refused before
// a byte is read: /dev/zero would otherwise be one endless line, and a FIFO
// a read that never returns. O_NONBLOCK is then cleared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "engine/core/status.hpp"

namespace keel {

// An open regular file; closes its descriptor when it goes.
class DataFile {
 public:
  DataFile() = default;
  ~DataFile();
  DataFile(DataFile&& other) noexcept;
  DataFile& operator=(DataFile&& other) noexcept;
  DataFile(const DataFile&) = delete;
  DataFile& operator=(const DataFile&) = delete;

  int fd() const { return fd_; }
  // The descriptor, now the caller's to close.
  int release();
  // The size fstat reported when the file was opened.
  uint64_t size() const { return size_; }
  // Up to `size` bytes from offset 0 into `out` (pread: the file offset
  // does not move); the count read, or -1 on a read error (errno set).
  long read_start(void* out, size_t size) const;

 private:
  friend Result<DataFile> open_data_file(const std::filesystem::path& path);
  int fd_ = -1;
  uint64_t size_ = 0;
};

// Opens `path` for reading if it is a regular file (after symlinks). Errors
// name the path: KEEL_ERR_NOT_FOUND when it does not exist,
// KEEL_ERR_INVALID_ARGUMENT when it cannot be opened or is not a regular file.
Result<DataFile> open_data_file(const std::filesystem::path& path);

// ---- the last line of a CSV file ----------------------------------------------------
// Every CSV reader keel has (market data, `keel price --csv`) refuses a file
// whose last line has no line ending, unless that line is blank: a row cut
// short mid-number ("100" cut to "1") can still be a valid row, so it cannot
// be told from a whole one. The error, for line `line` of `name`:
//   "name:line: the last line has no line ending: the file may be cut short;
//    if the row is whole, end it with a newline"
Status csv_last_line_error(std::string_view name, uint64_t line);

// ---- symbols written to CSV -------------------------------------------------------
// keel's CSV has no quoting: a field runs to the next comma or line end, and
// blanks around it are trimmed. So a symbol can be written to a data CSV
// only when reading that field back gives the same symbol: not empty, no
// comma, no CR or LF, no leading or trailing space or tab. Returns what is
// wrong with `symbol` ("holds a comma", ...), or "" when it can be written.
std::string csv_symbol_problem(std::string_view symbol);
// A symbol for a message: quoted, control characters escaped (\n, \r, \t,
// \xHH), cut short after 40 bytes.
std::string shown_symbol(std::string_view symbol);

}  // namespace keel
