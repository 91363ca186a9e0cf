#include "engine/plugin/elf_exports.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>

#include "keel/plugin.h"

namespace keel {
namespace {

template <class T>
bool read_at(const std::string& image, size_t offset, T* out) {
  if (offset > image.size() || image.size() - offset < sizeof(T)) return false;
  std::memcpy(out, image.data() + offset, sizeof(T));
  return true;
}

Status not_shared_object(const std::filesystem::path& path, const std::string& why) {
  return Status(KEEL_ERR_INVALID_ARGUMENT, path.string() + ": not a shared object (" + why + ")");
}

}  // namespace

Result<std::vector<std::string>> read_elf_exports(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return Status(KEEL_ERR_NOT_FOUND, path.string() + ": cannot open");
  std::string image(static_cast<size_t>(file.tellg()), '\0');
  file.seekg(0);
  if (!file.read(image.data(), static_cast<std::streamsize>(image.size()))) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, path.string() + ": cannot read");
  }

  Elf64_Ehdr header;
  if (!read_at(image, 0, &header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
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
  for (size_t i = 0; i < sections.size(); ++i) {
    if (!read_at(image, header.e_shoff + i * sizeof(Elf64_Shdr), &sections[i])) {
      return not_shared_object(path, "truncated section headers");
    }
  }

  std::vector<std::string> exports;
  for (const Elf64_Shdr& section : sections) {
    if (section.sh_type != SHT_DYNSYM) continue;
    if (section.sh_link >= sections.size() || section.sh_entsize != sizeof(Elf64_Sym)) {
      return not_shared_object(path, "malformed .dynsym");
    }
    const Elf64_Shdr& strings = sections[section.sh_link];
    const size_t count = section.sh_size / sizeof(Elf64_Sym);
    for (size_t i = 1; i < count; ++i) {  // entry 0 is the null symbol
      Elf64_Sym symbol;
      if (!read_at(image, section.sh_offset + i * sizeof(Elf64_Sym), &symbol)) {
        return not_shared_object(path, "truncated .dynsym");
      }
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
      if (symbol.st_name >= strings.sh_size) return not_shared_object(path, "bad symbol name");
      const size_t name_at = strings.sh_offset + symbol.st_name;
      if (name_at >= image.size()) return not_shared_object(path, "bad symbol name");
      exports.emplace_back(image.c_str() + name_at);
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
