// engine/report/row_file.cpp — whole-row writes, cut back on failure, and
// atomic replacement of small files.
#include "engine/report/row_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace keel {
namespace fs = std::filesystem;
namespace {

// What an errno from write/fsync/rename means for the user, and what to do.
const char* advice_for(int err) {
  switch (err) {
    case ENOSPC:
      return "the disk is full: free space on it and run again";
    case EDQUOT:
      return "the disk quota is used up: free space within it and run again";
    case EFBIG:
      return "the file size limit was reached (ulimit -f, or the file system's largest file): "
             "raise it or write the report elsewhere (--output) and run again";
    case EIO:
      return "the disk reported an I/O error: check it and run again";
    case EROFS:
      return "the file system is read-only: write the report elsewhere (--output)";
    default:
      return "fix the cause and run again";
  }
}

// write(2) until everything is written or it fails; the bytes written.
// errno is set when the result is short.
size_t write_fully(int fd, const char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      if (n == 0) errno = ENOSPC;  // no progress and no reason: what a full disk does
      break;
    }
  }
  return done;
}

void fsync_folder(const fs::path& folder) {
  // Makes the rename durable. Failing to open or sync a folder (some file
  // systems refuse) changes nothing a reader can see, so it is not an error.
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string write_error_message(const fs::path& path, int err, const std::string& what) {
  std::string message = "cannot write " + path.string() + ": " + std::strerror(err);
  if (!what.empty()) message += "; " + what;
  message += "; ";
  message += advice_for(err);
  return message;
}

RowFile::~RowFile() { close(); }

Status RowFile::open(const fs::path& path, size_t buffer_size) {
  close();
  path_ = path;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "cannot write output file " + path.string() + ": " + std::strerror(errno));
  }
  fd_ = fd;
  buffer_ = std::make_unique<char[]>(buffer_size);
  capacity_ = buffer_size;
  used_ = 0;
  written_ = 0;
  error_ = Status::ok();
  return Status::ok();
}

void RowFile::append_slow(std::string_view rows) {
  if (fd_ < 0 || !error_.is_ok()) return;
  flush();
  if (rows.size() <= capacity_) {
    rows.copy(buffer_.get(), rows.size());
    used_ = rows.size();
  } else {
    write_out(rows.data(), rows.size());
  }
}

void RowFile::flush() {
  if (used_ == 0 || fd_ < 0 || !error_.is_ok()) return;
  write_out(buffer_.get(), used_);
  used_ = 0;
}

void RowFile::write_out(const char* data, size_t size) {
  const size_t done = write_fully(fd_, data, size);
  if (done == size) {
    written_ += static_cast<long long>(size);
    return;
  }
  const int err = errno;
  // A short write can end inside a row: take the whole write back.
  std::string what;
  if (::ftruncate(fd_, static_cast<off_t>(written_)) == 0) {
    what = "it holds the rows written before this failure, each whole, and no more";
  } else {
    what = "its last row may be cut short (it could not be truncated back: " +
           std::string(std::strerror(errno)) + ")";
  }
  error_ = Status(KEEL_ERR_INTERNAL, write_error_message(path_, err, what));
  capacity_ = 0;  // every later append goes to append_slow, which ignores it
  used_ = 0;
}

Status RowFile::sync() {
  flush();
  if (!error_.is_ok() || fd_ < 0) return error_;
  if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) {
    // (EINVAL/EROFS: a file that cannot be synced, such as a pipe; the rows
    // were written.)
    const int err = errno;
    error_ = Status(KEEL_ERR_INTERNAL,
                    write_error_message(path_, err, "its rows may not all have reached the disk"));
  }
  return error_;
}

void RowFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  capacity_ = 0;
  used_ = 0;
}

Status write_file_atomically(const fs::path& path, std::string_view bytes) {
  fs::path temporary = path;
  temporary += ".tmp";
  auto fail = [&](int err, const std::string& what) {
    ::unlink(temporary.c_str());
    return Status(KEEL_ERR_INTERNAL, write_error_message(path, err, what));
  };
  std::error_code ec;
  const std::string unchanged =
      path.filename().string() +
      (fs::exists(path, ec) ? " keeps its earlier content" : " was not written");
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return fail(errno, unchanged);
  if (write_fully(fd, bytes.data(), bytes.size()) != bytes.size() || ::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return fail(err, unchanged);
  }
  if (::close(fd) != 0) return fail(errno, unchanged);
  if (::rename(temporary.c_str(), path.c_str()) != 0) return fail(errno, unchanged);
  fsync_folder(path.parent_path());
  return Status::ok();
}

}  // namespace keel
