// SPDX-License-Identifier: Apache-2.0
#include "shim/next_definition.h"

#include <elf.h>
#include <link.h>

#include <cstdint>
#include <cstring>

namespace sockshim {
namespace {

struct Search {
  const char* name;
  const void* caller;
  bool past_caller;
  void* found;
};

bool holds(const dl_phdr_info& object, const void* address) {
  const auto wanted = reinterpret_cast<uintptr_t>(address);
  for (int i = 0; i < object.dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = object.dlpi_phdr[i];
    if (segment.p_type != PT_LOAD) continue;
    const uintptr_t start = object.dlpi_addr + segment.p_vaddr;
    if (wanted >= start && wanted - start < segment.p_memsz) return true;
  }
  return false;
}

// The dynamic section's tables. glibc rewrites their addresses in place to
// absolute ones for most objects, musl and the vDSO leave them relative to
// the object's base: a value below the base is relative.
struct SymbolTables {
  const ElfW(Sym)* symbols = nullptr;
  const char* names = nullptr;
  const uint32_t* gnu_hash = nullptr;
  const uint32_t* sysv_hash = nullptr;
  const ElfW(Half)* versions = nullptr;
};

bool read_tables(const dl_phdr_info& object, SymbolTables* tables) {
  const ElfW(Dyn)* dynamic = nullptr;
  for (int i = 0; i < object.dlpi_phnum; ++i) {
    if (object.dlpi_phdr[i].p_type == PT_DYNAMIC) {
      dynamic = reinterpret_cast<const ElfW(Dyn)*>(object.dlpi_addr + object.dlpi_phdr[i].p_vaddr);
    }
  }
  if (!dynamic) return false;
  const uintptr_t base = object.dlpi_addr;
  const auto at = [base](ElfW(Addr) value) { return value < base ? value + base : value; };
  for (; dynamic->d_tag != DT_NULL; ++dynamic) {
    const ElfW(Addr) value = dynamic->d_un.d_ptr;
    switch (dynamic->d_tag) {
      case DT_SYMTAB: tables->symbols = reinterpret_cast<const ElfW(Sym)*>(at(value)); break;
      case DT_STRTAB: tables->names = reinterpret_cast<const char*>(at(value)); break;
      case DT_GNU_HASH: tables->gnu_hash = reinterpret_cast<const uint32_t*>(at(value)); break;
      case DT_HASH: tables->sysv_hash = reinterpret_cast<const uint32_t*>(at(value)); break;
      case DT_VERSYM: tables->versions = reinterpret_cast<const ElfW(Half)*>(at(value)); break;
      default: break;
    }
  }
  return tables->symbols && tables->names && (tables->gnu_hash || tables->sysv_hash);
}

// A definition that dlsym would return: defined here, global or weak, a
// function or an object, and the default version (not a hidden old one such
// as memcpy@GLIBC_2.2.5 beside memcpy@@GLIBC_2.14).
void* definition(const dl_phdr_info& object, const SymbolTables& tables, uint32_t index, const char* name) {
  const ElfW(Sym)& symbol = tables.symbols[index];
  if (symbol.st_shndx == SHN_UNDEF || std::strcmp(tables.names + symbol.st_name, name) != 0) return nullptr;
  const unsigned char binding = ELF64_ST_BIND(symbol.st_info);
  const unsigned char type = ELF64_ST_TYPE(symbol.st_info);
  if (binding != STB_GLOBAL && binding != STB_WEAK) return nullptr;
  if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE) return nullptr;  // not an IFUNC resolver
  if (tables.versions && (tables.versions[index] & 0x8000) != 0) return nullptr;
  const uintptr_t base = symbol.st_shndx == SHN_ABS ? 0 : object.dlpi_addr;
  return reinterpret_cast<void*>(base + symbol.st_value);
}

uint32_t gnu_hash_of(const char* name) {
  uint32_t hash = 5381;
  for (const unsigned char* c = reinterpret_cast<const unsigned char*>(name); *c; ++c) hash = hash * 33 + *c;
  return hash;
}

void* look_up(const dl_phdr_info& object, const char* name) {
  SymbolTables tables;
  if (!read_tables(object, &tables)) return nullptr;
  if (tables.gnu_hash) {
    const uint32_t bucket_count = tables.gnu_hash[0];
    const uint32_t first_hashed = tables.gnu_hash[1];
    const uint32_t bloom_words = tables.gnu_hash[2];
    const uint32_t bloom_shift = tables.gnu_hash[3];
    if (bucket_count == 0 || bloom_words == 0) return nullptr;
    const auto* bloom = reinterpret_cast<const ElfW(Addr)*>(tables.gnu_hash + 4);
    const auto* buckets = reinterpret_cast<const uint32_t*>(bloom + bloom_words);
    const uint32_t* chain = buckets + bucket_count;
    const uint32_t hash = gnu_hash_of(name);
    constexpr uint32_t kWordBits = sizeof(ElfW(Addr)) * 8;
    const ElfW(Addr) word = bloom[(hash / kWordBits) % bloom_words];
    const ElfW(Addr) mask = (ElfW(Addr){1} << (hash % kWordBits)) | (ElfW(Addr){1} << ((hash >> bloom_shift) % kWordBits));
    if ((word & mask) != mask) return nullptr;
    uint32_t index = buckets[hash % bucket_count];
    if (index < first_hashed) return nullptr;
    for (;; ++index) {
      const uint32_t chained = chain[index - first_hashed];
      if ((chained | 1) == (hash | 1)) {
        if (void* found = definition(object, tables, index, name)) return found;
      }
      if (chained & 1) return nullptr;  // the end of this bucket's chain
    }
  }
  const uint32_t symbol_count = tables.sysv_hash[1];  // nchain: one per symbol
  for (uint32_t index = 1; index < symbol_count; ++index) {
    if (void* found = definition(object, tables, index, name)) return found;
  }
  return nullptr;
}

int visit(dl_phdr_info* object, size_t, void* data) {
  auto* search = static_cast<Search*>(data);
  if (!search->past_caller) {
    search->past_caller = holds(*object, search->caller);
    return 0;
  }
  search->found = look_up(*object, search->name);
  return search->found != nullptr;
}

}  // namespace

void* next_definition(const char* name, const void* caller) {
  Search search{name, caller, false, nullptr};
  dl_iterate_phdr(visit, &search);
  return search.found;
}

}  // namespace sockshim
