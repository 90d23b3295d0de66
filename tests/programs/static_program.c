// SPDX-License-Identifier: Apache-2.0
/* Linked statically: no dynamic loader, so no preload can reach it. */
int main(void) { return 0; }
