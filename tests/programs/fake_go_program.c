// SPDX-License-Identifier: Apache-2.0
/* Carries a .go.buildinfo section, as every Go binary does, so that
 * `sockshim run` can be tested on "a Go program" without a Go toolchain. */
__attribute__((section(".go.buildinfo"), used)) static const char go_build_info[] = "\xff Go buildinf:";

/* Read through a volatile pointer, so that neither the compiler nor the
 * linker drops the section. */
int main(void) {
  const char* volatile data = go_build_info;
  return data[0] == 0;
}
