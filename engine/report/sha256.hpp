// engine/report/sha256.hpp — SHA-256 digests for the run manifest.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "engine/core/status.hpp"

namespace keel {

// The SHA-256 of a file's contents as 64 lowercase hex digits. Reads the
// file in fixed-size blocks (memory does not grow with the file). Errors:
// KEEL_ERR_NOT_FOUND when the file cannot be opened, KEEL_ERR_INTERNAL when a
// read fails (e.g. the path is a directory); both messages name the path.
Result<std::string> sha256_file(const std::filesystem::path& path);

// The SHA-256 of a byte string, as 64 lowercase hex digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace keel
