/* keel/mc_european.h — the extension of keel.mc_european that reports the
 * Monte Carlo standard error.
 *
 * Look it up on an instance through the pricing-model table:
 *
 *   const keel_mc_european_stats_t* stats =
 *       methods->get_extension(instance, KEEL_MC_EUROPEAN_STATS_ID);
 *   keel_mc_estimate_t estimate;
 *   stats->price_with_error(instance, &option, NULL, &estimate, &err);
 *
 * The table has static storage in the plugin. */
#ifndef KEEL_MC_EUROPEAN_H
#define KEEL_MC_EUROPEAN_H

#include <stdint.h>

#include "keel/pricing_model.h"
#include "keel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KEEL_MC_EUROPEAN_STATS_ID "keel.mc_european.stats/1"

/* One Monte Carlo estimate. */
typedef struct keel_mc_estimate {
  double price;
  /* The standard error of `price`: the sample standard deviation of the
   * independent samples (antithetic pairs averaged into one sample) over
   * the square root of their number. */
  double std_error;
  uint64_t paths;   /* terminal prices simulated */
  uint64_t samples; /* independent samples behind std_error */
} keel_mc_estimate_t;

typedef struct keel_mc_european_stats {
  uint32_t struct_size; /* sizeof(keel_mc_european_stats_t) when built */
  uint32_t reserved;
  /* Prices `option` exactly as the table's price() does (same paths, same
   * numbers) and fills *out with the price and its standard error, and
   * *out_greeks (when not NULL) with what price() returns. Errors as
   * price(). [thread-safe] */
  keel_status_t (*price_with_error)(void* self, const keel_option_t* option,
                                    keel_greeks_t* out_greeks, keel_mc_estimate_t* out,
                                    keel_error_t* err);
} keel_mc_european_stats_t;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_MC_EUROPEAN_H */
