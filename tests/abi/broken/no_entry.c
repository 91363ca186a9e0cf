/* Rule 1: a shared object that exports a function, but not the entry. */
int keel_test_not_an_entry(void) { return 1; }
