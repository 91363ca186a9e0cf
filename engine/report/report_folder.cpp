// engine/report/report_folder.cpp — moving a previous report into previous/.
#include "engine/report/report_folder.hpp"

#include <string>
#include <system_error>
#include <vector>

namespace keel {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kForms[] = {"", ".partial", ".tmp"};

// keel's file names, manifest.json's forms first.
std::vector<std::string> keel_file_names() {
  std::vector<std::string> names;
  for (std::string_view name : kReportFileNames) {
    for (std::string_view form : kForms) names.push_back(std::string(name) + std::string(form));
  }
  return names;
}

bool exists_no_follow(const fs::path& path) {
  std::error_code ec;
  return fs::symlink_status(path, ec).type() != fs::file_type::not_found && !ec;
}

Status folder_error(const std::string& what, const fs::path& path, const std::error_code& ec) {
  return Status(KEEL_ERR_INVALID_ARGUMENT, what + " " + path.string() + ": " + ec.message());
}

}  // namespace

fs::path previous_report_folder(const fs::path& dir) { return dir / "previous"; }

Result<bool> take_output_folder(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return folder_error("cannot create output directory", dir, ec);
  if (!fs::is_directory(dir, ec)) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "cannot create output directory " + dir.string() + ": not a directory");
  }

  const std::vector<std::string> names = keel_file_names();
  std::vector<const std::string*> present;
  for (const std::string& name : names) {
    if (exists_no_follow(dir / name)) present.push_back(&name);
  }
  if (present.empty()) return false;

  const fs::path previous = previous_report_folder(dir);
  if (exists_no_follow(previous) && !fs::is_directory(fs::symlink_status(previous, ec))) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "cannot keep the previous report in " + previous.string() +
                      ": it is a file, not keel's folder; move it away and run again");
  }
  fs::create_directory(previous, ec);
  if (ec) return folder_error("cannot create", previous, ec);
  // An older previous report goes, file by file: nothing else in previous/
  // is keel's to remove.
  for (const std::string& name : names) {
    if (!exists_no_follow(previous / name)) continue;
    fs::remove(previous / name, ec);
    if (ec) return folder_error("cannot remove an older report's file", previous / name, ec);
  }
  for (const std::string* name : present) {
    fs::rename(dir / *name, previous / *name, ec);
    if (ec) return folder_error("cannot move the previous report's file", dir / *name, ec);
  }
  return true;
}

void remove_previous_report(const fs::path& dir) {
  const fs::path previous = previous_report_folder(dir);
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(previous, ec))) return;
  for (const std::string& name : keel_file_names()) fs::remove(previous / name, ec);
  fs::remove(previous, ec);  // only when empty: a user's file in it keeps it
}

}  // namespace keel
