#include "engine/plugin/elf_exports.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>

#include "keel/plugin.h"

namespace keel {
namespace {

// Only the pieces of the file that are needed are read (a plugin built with
// debug info can be tens of MB, and every plugin in the search folders is
// read when a run looks up its factories).
class FileBytes {
 public:
  explicit FileBytes(const std::filesystem::path& path)
      : file_(path, std::ios::binary | std::ios::ate) {
    if (file_) size_ = static_cast<uint64_t>(file_.tellg());
  }
  bool is_open() const { return static_cast<bool>(file_); }
  // `bytes` bytes at `offset` into `out`; false when they are not all in the file.
  bool fits(uint64_t offset, uint64_t bytes) const {
    return offset <= size_ && size_ - offset >= bytes;
  }
  bool read(uint64_t offset, void* out, uint64_t bytes) {
    if (!fits(offset, bytes)) return false;
    file_.seekg(static_cast<std::streamoff>(offset));
    return static_cast<bool>(file_.read(static_cast<char*>(out), static_cast<std::streamsize>(bytes)));
  }
  template <class T>
  bool read_at(uint64_t offset, T* out) {
    return read(offset, out, sizeof(T));
  }

 private:
  std::ifstream file_;
  uint64_t size_ = 0;
};

Status not_shared_object(const std::filesystem::path& path, const std::string& why) {
  return Status(KEEL_ERR_INVALID_ARGUMENT, path.string() + ": not a shared object (" + why + ")");
}

}  // namespace

Result<std::vector<std::string>> read_elf_exports(const std::filesystem::path& path) {
  FileBytes file(path);
  if (!file.is_open()) return Status(KEEL_ERR_NOT_FOUND, path.string() + ": cannot open");

  Elf64_Ehdr header;
  if (!file.read_at(0, &header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    return not_shared_object(path, "no ELF header");
  }
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB) {
    return not_shared_object(path, "not a 64-bit little-endian ELF file");
  }
  if (header.e_type != ET_DYN) return not_shared_object(path, "ELF file is not ET_DYN");
  if (header.e_shentsize != sizeof(Elf64_Shdr)) {
    return not_shared_object(path, "unexpected section header size");
  }

  std::vector<Elf64_Shdr> sections(header.e_shnum);
  if (!file.read(header.e_shoff, sections.data(), sections.size() * sizeof(Elf64_Shdr))) {
    return not_shared_object(path, "truncated section headers");
  }

  std::vector<std::string> exports;
  for (const Elf64_Shdr& section : sections) {
    if (section.sh_type != SHT_DYNSYM) continue;
    if (section.sh_link >= sections.size() || section.sh_entsize != sizeof(Elf64_Sym)) {
      return not_shared_object(path, "malformed .dynsym");
    }
    // Sizes are checked against the file before anything is allocated.
    if (!file.fits(section.sh_offset, section.sh_size)) {
      return not_shared_object(path, "truncated .dynsym");
    }
    std::vector<Elf64_Sym> symbols(section.sh_size / sizeof(Elf64_Sym));
    if (!file.read(section.sh_offset, symbols.data(), symbols.size() * sizeof(Elf64_Sym))) {
      return not_shared_object(path, "truncated .dynsym");
    }
    const Elf64_Shdr& names = sections[section.sh_link];
    if (!file.fits(names.sh_offset, names.sh_size)) return not_shared_object(path, "bad symbol name");
    std::string strings(names.sh_size, '\0');
    if (!file.read(names.sh_offset, strings.data(), strings.size())) {
      return not_shared_object(path, "bad symbol name");
    }
    for (size_t i = 1; i < symbols.size(); ++i) {  // entry 0 is the null symbol
      const Elf64_Sym& symbol = symbols[i];
      const unsigned binding = ELF64_ST_BIND(symbol.st_info);
      const unsigned type = ELF64_ST_TYPE(symbol.st_info);
      const bool global = binding == STB_GLOBAL || binding == STB_WEAK || binding == STB_GNU_UNIQUE;
      const bool visible = ELF64_ST_VISIBILITY(symbol.st_other) == STV_DEFAULT ||
                           ELF64_ST_VISIBILITY(symbol.st_other) == STV_PROTECTED;
      // ld writes each named version node of a version script (e.g. KEEL_1.0)
      // into .dynsym as an absolute symbol: a version definition, not an export.
      if (symbol.st_shndx == SHN_UNDEF || symbol.st_shndx == SHN_ABS || !global || !visible) {
        continue;
      }
      if (type != STT_FUNC && type != STT_OBJECT && type != STT_GNU_IFUNC && type != STT_TLS &&
          type != STT_NOTYPE) {
        continue;
      }
      if (symbol.st_name >= strings.size()) return not_shared_object(path, "bad symbol name");
      // Up to its NUL, or the end of the table.
      exports.emplace_back(strings.c_str() + symbol.st_name);
    }
  }
  return exports;
}

ExportProblems check_export_rule(const std::vector<std::string>& exports) {
  ExportProblems out;
  std::vector<std::string> extra;
  for (const auto& symbol : exports) {
    if (symbol != KEEL_ENTRY_SYMBOL) extra.push_back(symbol);
  }
  if (extra.size() == exports.size()) {
    out.missing_entry = true;
    out.problems.push_back(std::string("does not export the entry symbol '") + KEEL_ENTRY_SYMBOL +
                           "' (is it a keel plugin? C++ plugins use KEEL_PLUGIN(...))");
  }
  if (!extra.empty()) {
    std::string list;
    for (size_t i = 0; i < extra.size() && i < 5; ++i) list += (i ? ", " : "") + extra[i];
    if (extra.size() > 5) list += ", ...";
    out.problems.push_back("exports " + std::to_string(extra.size()) + " symbol(s) besides '" +
                           KEEL_ENTRY_SYMBOL + "' (" + list +
                           "); a plugin exports exactly one symbol: link it with "
                           "keel_add_plugin() or the SDK's version script keel_plugin.map");
  }
  return out;
}

}  // namespace keel
