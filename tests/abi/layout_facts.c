/* The layout facts as a C compiler sees them. */
#include "layout_facts.h"

#define KEEL_TEST_C_FACT(expression) {#expression, expression},

const keel_test_layout_fact keel_test_c_layout_facts[] = {KEEL_TEST_LAYOUT_FACTS(KEEL_TEST_C_FACT)};

const size_t keel_test_c_layout_fact_count =
    sizeof keel_test_c_layout_facts / sizeof keel_test_c_layout_facts[0];
