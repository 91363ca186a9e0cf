// SHA-256 of files and buffers against the FIPS 180-2 test vectors.
#include "engine/report/sha256.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "report_test_support.hpp"

namespace keel {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* kTwoBlocks =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr const char* kMillionA =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

TEST(ReportSha256, KnownVectorsOfBuffers) {
  EXPECT_EQ(sha256_hex(""), kEmpty);
  EXPECT_EQ(sha256_hex("abc"), kAbc);
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), kTwoBlocks);
}

TEST(ReportSha256, KnownVectorsOfFiles) {
  test::TempDir dir("sha256");
  test::write_file(dir.path() / "empty", "");
  test::write_file(dir.path() / "abc", "abc");
  auto empty = sha256_file(dir.path() / "empty");
  ASSERT_TRUE(empty) << empty.status().message();
  EXPECT_EQ(*empty, kEmpty);
  auto abc = sha256_file(dir.path() / "abc");
  ASSERT_TRUE(abc) << abc.status().message();
  EXPECT_EQ(*abc, kAbc);
}

TEST(ReportSha256, FileOfManyReadBlocks) {
  // One million 'a' (FIPS 180-2's long vector) spans many 64 KiB reads and
  // ends mid-block.
  test::TempDir dir("sha256");
  test::write_file(dir.path() / "million", std::string(1'000'000, 'a'));
  auto digest = sha256_file(dir.path() / "million");
  ASSERT_TRUE(digest) << digest.status().message();
  EXPECT_EQ(*digest, kMillionA);

  // A file that ends exactly on a block boundary agrees with the buffer form.
  std::string exact(2 * 64 * 1024, '\0');
  for (size_t i = 0; i < exact.size(); ++i) exact[i] = static_cast<char>(i * 131 + 7);
  test::write_file(dir.path() / "exact", exact);
  auto exact_digest = sha256_file(dir.path() / "exact");
  ASSERT_TRUE(exact_digest) << exact_digest.status().message();
  EXPECT_EQ(*exact_digest, sha256_hex(exact));
}

TEST(ReportSha256, ErrorsNameThePath) {
  test::TempDir dir("sha256");
  const fs::path missing = dir.path() / "no-such-file.so";
  auto result = sha256_file(missing);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.status().code(), KEEL_ERR_NOT_FOUND);
  EXPECT_NE(result.status().message().find(missing.string()), std::string::npos)
      << result.status().message();

  auto directory = sha256_file(dir.path());
  ASSERT_FALSE(directory);
  EXPECT_NE(directory.status().message().find(dir.path().string()), std::string::npos)
      << directory.status().message();
}

}  // namespace
}  // namespace keel
