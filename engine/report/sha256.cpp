// engine/report/sha256.cpp — SHA-256 through OpenSSL's EVP digest API.
#include "engine/report/sha256.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace keel {
namespace {

constexpr size_t kBlockSize = 64 * 1024;

struct DigestCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using DigestCtx = std::unique_ptr<EVP_MD_CTX, DigestCtxDeleter>;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

DigestCtx start_digest() {
  DigestCtx ctx(EVP_MD_CTX_new());
  if (ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) ctx.reset();
  return ctx;
}

std::string to_hex(const unsigned char* bytes, unsigned int len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(static_cast<size_t>(len) * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 0xF];
  }
  return hex;
}

Result<std::string> finish_digest(EVP_MD_CTX* ctx, const std::string& what) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, digest, &len) != 1)
    return Status(KEEL_ERR_INTERNAL, "SHA-256 of " + what + ": OpenSSL digest failed");
  return to_hex(digest, len);
}

}  // namespace

Result<std::string> sha256_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  // Only a regular file has an end: a FIFO would block the open (or never
  // end), a device like /dev/zero never end. O_NONBLOCK keeps the open
  // itself from waiting for a FIFO's writer; fstat then refuses it.
  const int fd = ::open(name.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Status(KEEL_ERR_NOT_FOUND, "cannot open " + name + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(KEEL_ERR_INVALID_ARGUMENT, name + " is not a regular file");
  }
  std::unique_ptr<std::FILE, FileCloser> file(::fdopen(fd, "rb"));
  if (!file) {
    ::close(fd);
    return Status(KEEL_ERR_INTERNAL, "cannot read " + name + ": " + std::strerror(errno));
  }
  DigestCtx ctx = start_digest();
  if (!ctx) return Status(KEEL_ERR_INTERNAL, "SHA-256 of " + name + ": OpenSSL digest failed");

  std::vector<unsigned char> block(kBlockSize);
  for (;;) {
    const size_t got = std::fread(block.data(), 1, block.size(), file.get());
    if (got > 0 && EVP_DigestUpdate(ctx.get(), block.data(), got) != 1)
      return Status(KEEL_ERR_INTERNAL, "SHA-256 of " + name + ": OpenSSL digest failed");
    if (got < block.size()) {
      if (std::ferror(file.get()))
        return Status(KEEL_ERR_INTERNAL, "cannot read " + name + ": " + std::strerror(errno));
      break;
    }
  }
  return finish_digest(ctx.get(), name);
}

std::string sha256_hex(std::string_view bytes) {
  DigestCtx ctx = start_digest();
  if (!ctx || EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1) return {};
  auto hex = finish_digest(ctx.get(), "a buffer");
  return hex ? std::move(hex).value() : std::string();
}

}  // namespace keel
