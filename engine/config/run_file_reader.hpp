// engine/config/run_file_reader.hpp — the bytes of a run file, read safely.
//
// A run file is a regular file or a pipe (`keel run <(gen_config)`, a FIFO
// with a writer). Whatever the path names, reading it neither waits forever
// for a writer that never comes (a FIFO nobody opens) nor grows without
// bound (/dev/zero, an endless writer): devices and directories are refused,
// and at most max_bytes are read.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

#include "engine/core/status.hpp"

namespace keel::config {

// The most a run file may hold. Run files describe a run; market data lives
// in the data files they name.
inline constexpr size_t kMaxRunFileBytes = size_t{64} << 20;

// How long a FIFO that no program has opened for writing is given to get a
// writer (`gen > run.fifo & keel run run.fifo` starts both at once). Once
// there is a writer, reading waits for it as long as it stays open.
inline constexpr std::chrono::milliseconds kRunFileWriterWait{3000};

// The whole text of `file`, or a status (KEEL_ERR_INVALID_ARGUMENT) whose
// message completes "FILE: " — "file not found", "is a directory, not a run
// file", "is a character device, not a run file ...", "is larger than the
// 64 MiB a run file may hold ...", "is a pipe with no writer ...".
Result<std::string> read_run_file(const std::filesystem::path& file,
                                  size_t max_bytes = kMaxRunFileBytes,
                                  std::chrono::milliseconds writer_wait = kRunFileWriterWait);

}  // namespace keel::config
