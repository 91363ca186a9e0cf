// engine/config/run_file_reader.cpp — open without waiting, check the kind
// of file on the open descriptor, give a FIFO a bounded time to get a
// writer, read at most the bound.
#include "engine/config/run_file_reader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

namespace keel::config {
namespace {

Status refused(std::string message) {
  return Status(KEEL_ERR_INVALID_ARGUMENT, std::move(message));
}

Status read_failed(int error) {
  return refused(std::string("cannot be read: ") + std::strerror(error));
}

std::string size_text(size_t bytes) {
  if (bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

Status too_large(size_t max_bytes) {
  return refused("is larger than the " + size_text(max_bytes) +
                 " a run file may hold; keep market data in the data files it names");
}

class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// What a file that is neither regular nor a pipe is, for the message.
const char* kind_of(mode_t mode) {
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// read(2), retried when a signal interrupts it.
ssize_t read_some(int fd, char* into, size_t size) {
  while (true) {
    const ssize_t n = ::read(fd, into, size);
    if (n >= 0 || errno != EINTR) return n;
  }
}

// A pipe opened without waiting: a read that finds no data returns 0 when
// no program has it open for writing, EAGAIN when one has. With no writer,
// waits up to `wait` for one to write (or to close). Returns the bytes read
// meanwhile; false in .second when no writer came.
Result<std::pair<std::string, bool>> await_writer(int fd, std::chrono::milliseconds wait) {
  std::string first(64 << 10, '\0');
  ssize_t n = read_some(fd, first.data(), first.size());
  if (n < 0 && errno != EAGAIN) return read_failed(errno);
  if (n != 0) {  // data, or a writer that has not written yet
    first.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return std::pair{std::move(first), true};
  }
  // Linux and the BSDs report POLLIN once a writer writes and POLLHUP once it
  // closes, but not the absence of a writer that never came.
  pollfd waiting{fd, POLLIN, 0};
  int ready = 0;
  do {
    ready = ::poll(&waiting, 1, static_cast<int>(wait.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready < 0) return read_failed(errno);
  if (ready == 0) return std::pair{std::string(), false};
  n = read_some(fd, first.data(), first.size());
  if (n < 0 && errno != EAGAIN) return read_failed(errno);
  first.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return std::pair{std::move(first), true};
}

}  // namespace

Result<std::string> read_run_file(const std::filesystem::path& file, size_t max_bytes,
                                  std::chrono::milliseconds writer_wait) {
  // O_NONBLOCK: opening a FIFO for reading otherwise waits until a writer
  // opens it, forever if none does. The kind of file is then checked on the
  // descriptor itself, so it cannot change between the check and the read.
  const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) return refused("file not found");
    return refused(std::string("cannot be opened: ") + std::strerror(error));
  }
  Descriptor descriptor(fd);
  struct stat info {};
  if (::fstat(fd, &info) != 0) return read_failed(errno);
  const bool pipe = S_ISFIFO(info.st_mode);
  if (S_ISDIR(info.st_mode)) return refused("is a directory, not a run file");
  if (!S_ISREG(info.st_mode) && !pipe) {
    return refused(std::string("is ") + kind_of(info.st_mode) +
                   ", not a run file; give a JSON file (or a pipe, as in <(gen_config))");
  }
  if (S_ISREG(info.st_mode) && static_cast<uintmax_t>(info.st_size) > max_bytes) {
    return too_large(max_bytes);
  }

  std::string text;
  if (pipe) {
    Result<std::pair<std::string, bool>> first = await_writer(fd, writer_wait);
    if (!first) return first.status();
    if (!first->second) {
      return refused("is a pipe with no writer: no program opened it for writing within " +
                     std::to_string(writer_wait.count()) +
                     " ms; start the program that writes the run file first (or use "
                     "<(gen_config))");
    }
    text = std::move(first->first);
  }
  // From here reads wait for a pipe's writer, as long as it keeps the pipe open.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) return read_failed(errno);
  // A regular file is read in one go (plus the read that finds its end); a
  // pipe in 64 KiB pieces. Reading goes one byte past the bound, to tell
  // "exactly max_bytes" from "more" (a file can grow; /proc files say 0).
  const size_t chunk =
      std::max<size_t>(S_ISREG(info.st_mode) ? static_cast<size_t>(info.st_size) + 1 : 0, 64 << 10);
  while (text.size() <= max_bytes) {
    const size_t room = std::min(chunk, max_bytes + 1 - text.size());
    const size_t old_size = text.size();
    text.resize(old_size + room);
    const ssize_t n = read_some(fd, text.data() + old_size, room);
    if (n < 0) return read_failed(errno);
    text.resize(old_size + static_cast<size_t>(n));
    if (n == 0) break;
  }
  if (text.size() > max_bytes) return too_large(max_bytes);
  if (text.empty() && pipe) {
    return refused(
        "is a pipe whose writer wrote nothing; check the program that writes the run "
        "file");
  }
  return text;
}

}  // namespace keel::config
