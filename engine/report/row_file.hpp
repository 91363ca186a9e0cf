// engine/report/row_file.hpp — report files that are never left torn.
//
// RowFile is a streamed text file of rows (a CSV file under its final
// name). Rows are appended to a buffer and written with write(2) in whole
// buffers, so a write always ends on a row boundary: a process killed at any
// moment (SIGKILL, a segfault) leaves every row written so far whole. A
// write that fails or comes up short (a full disk, a file size limit, an I/O
// error) is undone: the file is cut back (ftruncate) to where the failed
// write began, so it still ends on a whole row, and the file takes no more
// rows — a later row after a gap would misrepresent the run. The error names
// the file and says what to do (write_error_message).
//
// write_file_atomically() gives a small file (summary.json, manifest.json)
// its new content all at once: a temporary file beside it is written,
// fsync'ed and renamed over it, and the folder is fsync'ed. A reader sees
// the old content or the new one, never a mix or an empty file.
//
// Threading: a RowFile is used from one thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/status.hpp"

namespace keel {

class RowFile {
 public:
  RowFile() = default;
  RowFile(const RowFile&) = delete;
  RowFile& operator=(const RowFile&) = delete;
  ~RowFile();  // closes without flushing: what is still buffered is lost

  // Creates (or empties) `path`; `buffer_size` bytes of rows are held before
  // a write. KEEL_ERR_INVALID_ARGUMENT naming the path and the system's reason.
  Status open(const std::filesystem::path& path, size_t buffer_size);

  // One or more whole rows, each ending in '\n'. Ignored once a write has
  // failed (see error()). A text longer than the buffer is written at once.
  void append(std::string_view rows) {
    if (used_ + rows.size() <= capacity_) {
      rows.copy(buffer_.get() + used_, rows.size());
      used_ += rows.size();
      return;
    }
    append_slow(rows);
  }

  // Writes what is buffered. A failure is kept in error().
  void flush();
  // flush(), then fsync: the rows are on the disk, not only in the page cache.
  Status sync();
  // Closes the descriptor (after sync(), or to abandon the buffered rows).
  void close();

  // The first failed write's error (ok while every write succeeded).
  const Status& error() const { return error_; }
  const std::filesystem::path& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }

 private:
  void append_slow(std::string_view rows);
  void write_out(const char* data, size_t size);

  std::filesystem::path path_;
  int fd_ = -1;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t used_ = 0;
  long long written_ = 0;  // bytes in the file: every one of them in whole rows
  Status error_;
};

// "cannot write PATH: <strerror(err)>; <what that means and what to do>",
// e.g. for ENOSPC "... free space on that disk and run again". `what`
// follows the reason (what the file holds now), and may be empty.
std::string write_error_message(const std::filesystem::path& path, int err,
                                const std::string& what);

// Replaces `path` with `bytes` atomically (temporary file `<path>.tmp`,
// fsync, rename, fsync of the folder). On failure the temporary file is
// removed, `path` keeps what it held, and the error is
// write_error_message(path, ...) (KEEL_ERR_INTERNAL).
Status write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace keel
