/* What reached a runtime test plugin (thrower, capsules): call counts the
 * plugin keeps and returns from its descriptor's
 * get_extension(KEEL_TEST_COUNTERS_ID). Tests compare snapshots, since
 * every load of one file in a process shares the plugin's statics. */
#ifndef KEEL_TEST_COUNTERS_H
#define KEEL_TEST_COUNTERS_H

#include <stdint.h>

#define KEEL_TEST_COUNTERS_ID "keel_test.counters/1"

typedef struct keel_test_counters {
  uint64_t create; /* instance constructors entered, models and strategies */
  uint64_t drop;   /* instance destructors run */
  uint64_t price;
  uint64_t price_batch;
  uint64_t implied_vol;
  uint64_t implied_vol_batch;
  uint64_t calibrate;
  uint64_t strategy_callbacks;
  uint64_t capsules_destroyed;
} keel_test_counters_t;

#endif /* KEEL_TEST_COUNTERS_H */
