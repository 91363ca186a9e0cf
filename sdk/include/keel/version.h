/* keel/version.h — ABI and SDK version macros.
 *
 * The ABI version is what a plugin and the host negotiate (keel/plugin.h):
 * the host rejects a plugin whose ABI major differs from its own.
 *
 * What a minor version promises. Within one major, minor versions only add:
 *   - a table (descriptor, factory, vtables, host table, extensions) grows
 *     at its end, never in the middle; every such table begins with its
 *     struct_size, and the reader reads min(struct_size, what it knows)
 *     bytes and treats members past the end as absent (KEEL_HAS_MEMBER);
 *   - a value struct is either frozen for the whole major or carries a
 *     struct_size and grows like a table (each header says which of its
 *     structs is which); a frozen struct never changes, new data comes in a
 *     new struct reached through a new member;
 *   - new status codes, kinds, extensions, event kinds and capsule tags may
 *     appear; an old reader treats an unknown one as described where it is
 *     defined (an unknown status as a fault, an unknown kind as ignored, an
 *     unknown event kind as skipped);
 *   - nothing is removed or renamed on the wire: an id spelled differently
 *     by an older minor is still accepted (see "Ids" in keel/keel.h).
 * So a plugin built against 1.m loads and runs unchanged in any 1.n host
 * with n >= m. A plugin built against a newer minor than its host's runs
 * there as long as it uses nothing the newer minor added; the entry
 * receives the host's minor to decide (return NULL to refuse, with a log).
 *
 * ABI 1.1 added: a factory's context and create_with_context (plugin.h),
 * the declared entry prototype (plugin.h), the batch cursor of
 * keel_strategy_events_consumed_ext_t (strategy.h), the kind spelling
 * "keel.pricing_model/1" (pricing_model.h).
 *
 * ABI 1.2 added: order-book depth. The event kind KEEL_EVENT_BOOK with
 * keel_book_update_t and keel_book_level_t (market.h), the strategy
 * member on_book (strategy.h), the host member book_levels (host.h).
 *
 * The SDK version is informational (shown by `keel plugin inspect`). */
#ifndef KEEL_VERSION_H
#define KEEL_VERSION_H

#include <stddef.h>

#define KEEL_ABI_VERSION_MAJOR 1
#define KEEL_ABI_VERSION_MINOR 2

#define KEEL_SDK_VERSION_MAJOR 0
#define KEEL_SDK_VERSION_MINOR 1
#define KEEL_SDK_VERSION_PATCH 0
#define KEEL_SDK_VERSION_STRING "0.1.0"

/* True when a table of `struct_size` bytes contains `member` of `type`:
 * how a reader of an append-only table tells whether a field is present.
 * Usage: if (KEEL_HAS_MEMBER(host, keel_host_t, timer_set)) ... */
#define KEEL_HAS_MEMBER(table_ptr, type, member)                  \
  ((table_ptr) != 0 && (size_t)(table_ptr)->struct_size >=        \
                           offsetof(type, member) + sizeof(((type*)0)->member))

#endif /* KEEL_VERSION_H */
