// engine/plugin/elf_exports.hpp — the symbols a shared object exports.
//
// Rule 1 says a plugin exports exactly one symbol. The loader reads the
// file's dynamic symbol table (ELF .dynsym) to check it, before dlopen runs
// any of the plugin's code.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/status.hpp"

namespace keel {

// Defined, globally visible symbols of an ELF shared object's .dynsym
// (functions and data; not undefined imports). INVALID_ARGUMENT with a
// reason when the file is not an ELF shared object this host can read.
Result<std::vector<std::string>> read_elf_exports(const std::filesystem::path& path);

// Rule 1 over a file's exports: what is wrong with them (nothing when the
// entry symbol is the only one), a sentence each. `missing_entry` says
// whether the entry symbol is among the problems.
struct ExportProblems {
  std::vector<std::string> problems;
  bool missing_entry = false;
};
ExportProblems check_export_rule(const std::vector<std::string>& exports);

}  // namespace keel
