/* monotonic_clock.c — CLOCK_MONOTONIC for price_portfolio.ml's --bench: the
 * OCaml 4.13 standard library has no monotonic clock (Unix.gettimeofday is
 * wall time) and Debian's libmtime-ocaml-dev would be a dependency for one
 * function. */
#define _POSIX_C_SOURCE 199309L
#define CAML_NAME_SPACE
#include <caml/mlvalues.h>

#include <time.h>

/* Nanoseconds since an arbitrary start: an OCaml int holds 146 years. */
CAMLprim value price_portfolio_monotonic_ns(value unit) {
  (void)unit;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return Val_long((intnat)now.tv_sec * 1000000000 + (intnat)now.tv_nsec);
}
