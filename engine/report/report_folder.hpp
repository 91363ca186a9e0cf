// engine/report/report_folder.hpp — a run taking its output folder, and
// what becomes of the report that was there before.
//
// keel's files in an output folder are the report files (kReportFileNames)
// and their `.partial` (written by older keel) and `.tmp` (an atomic write
// cut short) forms. Before a run writes anything, take_output_folder() moves
// keel's files that a previous run left into `<dir>/previous/`, after
// removing keel's files from an older `previous/`; manifest.json moves
// first, so the folder never shows one run's manifest beside another run's
// files. Files that are not keel's, in the folder or in `previous/`, are
// never touched. A run that completes removes `previous/`
// (remove_previous_report); one that fails or is interrupted leaves it.
#pragma once

#include <filesystem>
#include <string_view>

#include "engine/core/status.hpp"

namespace keel {

// The files a report consists of, manifest.json first. A report file added
// later is added here, so that runs move and remove it too.
inline constexpr std::string_view kReportFileNames[] = {
    "manifest.json", "summary.json",           "fills.csv", "orders.csv",
    "equity.csv",    "equity_by_strategy.csv", "trades.csv"};

// `<dir>/previous`.
std::filesystem::path previous_report_folder(const std::filesystem::path& dir);

// Creates `dir` (and its parents) and moves a previous report out of the way.
// Returns true when there was one (it is now in previous_report_folder(dir)).
// KEEL_ERR_INVALID_ARGUMENT naming the path when `dir` cannot be created or
// is not a folder, when `previous` is a file, or when a file cannot be moved
// or an older previous report's file removed.
Result<bool> take_output_folder(const std::filesystem::path& dir);

// Removes keel's files from previous_report_folder(dir), then the folder if
// that left it empty. Best effort: what cannot be removed stays.
void remove_previous_report(const std::filesystem::path& dir);

}  // namespace keel
