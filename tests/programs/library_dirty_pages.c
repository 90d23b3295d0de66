/* SPDX-License-Identifier: Apache-2.0
 * Prints how many pages of one loaded library (argv[1], as LD_PRELOAD names
 * it) this process has written by the time main() runs: those of its
 * segments, .bss included, that the kernel now backs with memory of this
 * process alone (/proc/self/pagemap: present, exclusively mapped, not a
 * page of the file). Each was a page fault at load, in every process that
 * preloads the library. A page only read (of the file, or the shared zero
 * page) does not count. Exits 1 when the library is not loaded. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PRESENT (1ULL << 63)
#define FILE_OR_SHARED (1ULL << 61)
#define EXCLUSIVE (1ULL << 56)

static const char* g_library;
static int g_pagemap = -1;
static long g_written = -1;

static int count_written_pages(struct dl_phdr_info* info, size_t size, void* unused) {
  (void)size;
  (void)unused;
  if (strcmp(info->dlpi_name, g_library) != 0) return 0;
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  g_written = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)* segment = &info->dlpi_phdr[i];
    if (segment->p_type != PT_LOAD) continue;
    const uintptr_t start = (info->dlpi_addr + segment->p_vaddr) & ~(page - 1);
    const uintptr_t end = (info->dlpi_addr + segment->p_vaddr + segment->p_memsz + page - 1) & ~(page - 1);
    for (uintptr_t address = start; address < end; address += page) {
      uint64_t entry = 0;
      if (pread(g_pagemap, &entry, sizeof entry, (off_t)(address / page * sizeof entry)) != sizeof entry) return -1;
      if ((entry & PRESENT) && (entry & EXCLUSIVE) && !(entry & FILE_OR_SHARED)) ++g_written;
    }
  }
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  g_library = argv[1];
  g_pagemap = open("/proc/self/pagemap", O_RDONLY);
  if (g_pagemap < 0) return 2;
  if (dl_iterate_phdr(count_written_pages, NULL) < 0) return 2;
  if (g_written < 0) return 1;
  printf("%ld\n", g_written);
  return 0;
}
