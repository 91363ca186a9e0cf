/* Sizes and offsets of every struct the ABI defines, as one list that a C
 * translation unit (layout_facts.c) and the C++ test both evaluate: the
 * two compilers must agree on each, or C and C++ plugins could not share
 * one host. */
#ifndef KEEL_TEST_LAYOUT_FACTS_H
#define KEEL_TEST_LAYOUT_FACTS_H

#include <stddef.h>

#include "keel/keel.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct keel_test_layout_fact {
  const char* expression;
  size_t value;
} keel_test_layout_fact;

extern const keel_test_layout_fact keel_test_c_layout_facts[];
extern const size_t keel_test_c_layout_fact_count;

#ifdef __cplusplus
} /* extern "C" */
#endif

#define KEEL_TEST_LAYOUT_FACTS(X)                                \
  X(sizeof(keel_status_t))                                       \
  X(sizeof(keel_error_t))                                        \
  X(offsetof(keel_error_t, message))                             \
  X(sizeof(keel_model_handle_t))                                 \
  X(sizeof(keel_strategy_handle_t))                              \
  X(sizeof(keel_order_handle_t))                                 \
  X(sizeof(keel_timer_handle_t))                                 \
  X(sizeof(keel_capsule_t))                                      \
  X(offsetof(keel_capsule_t, data))                              \
  X(offsetof(keel_capsule_t, len))                               \
  X(offsetof(keel_capsule_t, cap))                               \
  X(offsetof(keel_capsule_t, destroy))                           \
  X(offsetof(keel_capsule_t, destroy_context))                   \
  X(sizeof(keel_instrument_info_t))                              \
  X(sizeof(keel_quote_t))                                        \
  X(sizeof(keel_trade_t))                                        \
  X(sizeof(keel_bar_t))                                          \
  X(sizeof(keel_order_request_t))                                \
  X(sizeof(keel_order_update_t))                                 \
  X(sizeof(keel_fill_t))                                         \
  X(sizeof(keel_timer_event_t))                                  \
  X(sizeof(keel_book_update_t))                                  \
  X(offsetof(keel_book_update_t, side))                          \
  X(offsetof(keel_book_update_t, exch_ts))                       \
  X(sizeof(keel_book_level_t))                                   \
  X(sizeof(keel_event_t))                                        \
  X(offsetof(keel_event_t, as))                                  \
  X(sizeof(keel_position_t))                                     \
  X(sizeof(keel_account_t))                                      \
  X(sizeof(keel_option_t))                                       \
  X(sizeof(keel_greeks_t))                                       \
  X(sizeof(keel_option_batch_t))                                 \
  X(sizeof(keel_greeks_batch_t))                                 \
  X(sizeof(keel_calibration_quote_t))                            \
  X(sizeof(keel_calibration_report_t))                           \
  X(sizeof(keel_pricing_model_vtable_t))                         \
  X(offsetof(keel_pricing_model_vtable_t, price))                \
  X(offsetof(keel_pricing_model_vtable_t, calibrate))            \
  X(offsetof(keel_pricing_model_vtable_t, get_extension))        \
  X(KEEL_PRICING_MODEL_VTABLE_MIN_SIZE)                          \
  X(sizeof(keel_strategy_start_t))                               \
  X(sizeof(keel_strategy_vtable_t))                              \
  X(offsetof(keel_strategy_vtable_t, on_stop))                   \
  X(offsetof(keel_strategy_vtable_t, on_events))                 \
  X(offsetof(keel_strategy_vtable_t, on_book))                   \
  X(KEEL_STRATEGY_VTABLE_MIN_SIZE)                               \
  X(sizeof(keel_strategy_events_consumed_ext_t))                 \
  X(offsetof(keel_strategy_events_consumed_ext_t, batch_cursor)) \
  X(sizeof(keel_host_t))                                         \
  X(offsetof(keel_host_t, host_data))                            \
  X(offsetof(keel_host_t, log))                                  \
  X(offsetof(keel_host_t, model_create))                         \
  X(offsetof(keel_host_t, get_extension))                        \
  X(offsetof(keel_host_t, book_levels))                          \
  X(sizeof(keel_build_info_t))                                   \
  X(sizeof(keel_factory_t))                                      \
  X(offsetof(keel_factory_t, kind))                              \
  X(offsetof(keel_factory_t, create))                            \
  X(offsetof(keel_factory_t, methods))                           \
  X(offsetof(keel_factory_t, context))                           \
  X(offsetof(keel_factory_t, create_with_context))               \
  X(KEEL_FACTORY_MIN_SIZE)                                       \
  X(sizeof(keel_plugin_descriptor_t))                            \
  X(offsetof(keel_plugin_descriptor_t, id))                      \
  X(offsetof(keel_plugin_descriptor_t, build))                   \
  X(offsetof(keel_plugin_descriptor_t, factory_count))           \
  X(offsetof(keel_plugin_descriptor_t, factories))               \
  X(offsetof(keel_plugin_descriptor_t, get_extension))           \
  X(KEEL_PLUGIN_DESCRIPTOR_MIN_SIZE)

#endif /* KEEL_TEST_LAYOUT_FACTS_H */
