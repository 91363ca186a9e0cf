/* keel/version.h — ABI and SDK version macros.
 *
 * The ABI version is what a plugin and the host negotiate: the host rejects a
 * plugin whose ABI major differs from its own; a higher or lower minor is fine
 * because every table is append-only and carries its own struct_size (see
 * keel/plugin.h). The SDK version is informational (shown by
 * `keel plugin inspect`). */
#ifndef KEEL_VERSION_H
#define KEEL_VERSION_H

#include <stddef.h>

#define KEEL_ABI_VERSION_MAJOR 1
#define KEEL_ABI_VERSION_MINOR 0

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
