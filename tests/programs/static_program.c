/* Linked statically: no dynamic loader, so no preload can reach it. */
int main(void) { return 0; }
