#include "engine/data/data_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace keel {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

}  // namespace

DataFile::~DataFile() {
  if (fd_ >= 0) ::close(fd_);
}

DataFile::DataFile(DataFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

DataFile& DataFile::operator=(DataFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

int DataFile::release() { return std::exchange(fd_, -1); }

long DataFile::read_start(void* out, size_t size) const {
  size_t done = 0;
  while (done < size) {
    const ssize_t got =
        ::pread(fd_, static_cast<char*>(out) + done, size - done, static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return -1;
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return static_cast<long>(done);
}

Result<DataFile> open_data_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int error = errno;
    return Status(error == ENOENT ? KEEL_ERR_NOT_FOUND : KEEL_ERR_INVALID_ARGUMENT,
                  name + ": cannot open: " + std::strerror(error));
  }
  DataFile file;
  file.fd_ = fd;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, name + ": cannot stat: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  name + ": " + kind_of(st.st_mode) +
                      ", not a regular file: keel reads data only from regular files (write "
                      "the data to a file first)");
  }
  // Reads of a regular file never block; clear the flag all the same so the
  // descriptor behaves as an ordinary one.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  file.size_ = static_cast<uint64_t>(st.st_size);
  return file;
}

Status csv_last_line_error(std::string_view name, uint64_t line) {
  return Status(KEEL_ERR_INVALID_ARGUMENT,
                std::string(name) + ":" + std::to_string(line) +
                    ": the last line has no line ending: the file may be cut short; if the row "
                    "is whole, end it with a newline");
}

std::string csv_symbol_problem(std::string_view symbol) {
  if (symbol.empty()) return "is empty";
  for (const char c : symbol) {
    if (c == ',') return "holds a comma";
    if (c == '\n' || c == '\r') return "holds a line break";
  }
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  if (blank(symbol.front()) || blank(symbol.back())) {
    return "starts or ends with a space or tab";
  }
  return {};
}

std::string shown_symbol(std::string_view symbol) {
  constexpr size_t kMax = 40;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (const char c : symbol.substr(0, kMax)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  if (symbol.size() > kMax) out += "...";
  out += '\'';
  return out;
}

}  // namespace keel
