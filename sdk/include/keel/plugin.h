/* keel/plugin.h — the entry point, the plugin descriptor and factories.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * KEEL_ENTRY_SYMBOL (rule 1); everything else is reached through the tables
 * it returns. The host loads it with RTLD_NOW | RTLD_LOCAL and never unloads
 * it (rule 9), so every pointer in these tables may be static.
 *
 * Negotiation (rule 2): the host calls the entry with its own ABI version
 * and a load-time host table. The entry returns its descriptor (or NULL if
 * it cannot work with this host; the host then reports that). The host
 * rejects a descriptor with a bad magic or a foreign ABI major; it reads
 * only min(struct_size, the size it knows) bytes of every table and treats
 * members past the end as absent. Tables only ever grow at the end.
 *
 * Objects (rule 4): each factory has a mandatory create/drop pair (create
 * or, since ABI 1.1, create_with_context); the host refuses a factory with
 * either missing. An instance is created and dropped by its own plugin,
 * exactly once; the host names it by a handle. */
#ifndef KEEL_PLUGIN_H
#define KEEL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "keel/host.h"
#include "keel/status.h"
#include "keel/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "KEELPLUG" in ASCII, little-endian. */
#define KEEL_PLUGIN_MAGIC UINT64_C(0x47554C504C45454B)

#define KEEL_ENTRY_SYMBOL "keel_plugin_entry"

/* Facts about how the plugin was built, shown by `keel plugin inspect`.
 * Strings are static. Frozen for ABI 1.x (it sits inside the descriptor):
 * new build facts would come as descriptor members. */
typedef struct keel_build_info {
  const char* sdk_version; /* KEEL_SDK_VERSION_STRING of the SDK it was built with */
  const char* language;    /* "C++20", "Rust", "OCaml 4.13", ... */
  const char* compiler;    /* e.g. "GCC 12.2.0" */
  uint32_t pointer_size;   /* sizeof(void*) */
  uint32_t reserved;
} keel_build_info_t;

/* Creates an instance from JSON params (a NUL-terminated UTF-8 object,
 * "{}" when none). `host` is the instance's own host table, valid until the
 * instance is dropped. On KEEL_OK *out_instance is the plugin's pointer,
 * opaque to the host, and must not be NULL. On failure nothing is allocated,
 * *out_instance is left alone, and err says why: KEEL_ERR_INVALID_ARGUMENT
 * for bad params, naming the param (as a JSON pointer, e.g. "/vol") and
 * what was expected; KEEL_ERR_OUT_OF_MEMORY. [host-thread] */
typedef keel_status_t (*keel_create_fn)(const char* params_json, const keel_host_t* host,
                                        void** out_instance, keel_error_t* err);

/* Since ABI 1.1: create, given the `context` of the factory it is called
 * for (keel_factory_t.context), so one function can serve many factories.
 * Otherwise the contract of keel_create_fn. [host-thread] */
typedef keel_status_t (*keel_create_with_context_fn)(void* context, const char* params_json,
                                                     const keel_host_t* host, void** out_instance,
                                                     keel_error_t* err);

/* Destroys an instance created by the same factory. Called exactly once
 * per instance by the host, also on a poisoned plugin; the instance is gone
 * whatever it returns (an error is logged: KEEL_ERR_INTERNAL or
 * KEEL_ERR_PLUGIN_FAULT). [host-thread] */
typedef keel_status_t (*keel_drop_fn)(void* instance, keel_error_t* err);

/* One factory: a kind of object the plugin can make. Grows at its end
 * (struct_size). */
typedef struct keel_factory {
  uint32_t struct_size; /* sizeof(keel_factory_t) when built */
  uint32_t reserved;
  const char* kind;          /* KEEL_KIND_PRICING_MODEL | KEEL_KIND_STRATEGY */
  const char* id;            /* unique across all plugins, e.g. "keel.black_scholes" */
  const char* description;   /* one line */
  const char* params_schema; /* a JSON Schema (draft 2020-12) of the params object */
  /* Mandatory unless create_with_context is set (ABI 1.1). A plugin that
   * must also load in a 1.0 host sets it. */
  keel_create_fn create;
  keel_drop_fn drop; /* mandatory */
  /* The kind's table: keel_pricing_model_vtable_t or keel_strategy_vtable_t.
   * Mandatory. */
  const void* methods;

  /* ---- since ABI 1.1 (a 1.0 factory ends above) --------------------------- */

  /* The factory's own pointer, passed as is to create_with_context; never
   * read by the host. Static, like the rest of the factory. */
  void* context;
  /* When set, the host calls it (with `context`) instead of `create`. */
  keel_create_with_context_fn create_with_context;
} keel_factory_t;

/* The fields every table begins with: they never move. Grows at its end
 * (struct_size). */
typedef struct keel_plugin_descriptor {
  uint64_t magic;       /* KEEL_PLUGIN_MAGIC */
  uint32_t abi_major;   /* KEEL_ABI_VERSION_MAJOR it was built with */
  uint32_t abi_minor;   /* KEEL_ABI_VERSION_MINOR it was built with */
  uint32_t struct_size; /* sizeof(keel_plugin_descriptor_t) when built */
  uint32_t reserved;
  const char* id;          /* reverse-DNS-ish plugin id, e.g. "keel.black_scholes" */
  const char* name;        /* human-readable */
  const char* version;     /* the plugin's own version, e.g. "1.2.0" */
  const char* vendor;
  const char* description; /* one paragraph */
  keel_build_info_t build;
  size_t factory_count;
  /* Pointers, not an array of structs, so keel_factory_t can grow. */
  const keel_factory_t* const* factories;
  /* A plugin-level extension by string id (see "Ids" in keel/keel.h), or
   * NULL when the plugin has none by that id. May be NULL itself. keel
   * defines no plugin-level extension yet. [thread-safe] */
  const void* (*get_extension)(const char* id);
} keel_plugin_descriptor_t;

/* The descriptor's required prefix: a descriptor whose struct_size is
 * smaller is rejected. */
#define KEEL_PLUGIN_DESCRIPTOR_MIN_SIZE \
  (offsetof(keel_plugin_descriptor_t, factories) + sizeof(void*))
/* A factory's required prefix: the whole of a 1.0 factory. */
#define KEEL_FACTORY_MIN_SIZE (offsetof(keel_factory_t, methods) + sizeof(void*))

/* The entry function's type, as the host calls it. */
typedef const keel_plugin_descriptor_t* (*keel_entry_fn)(uint32_t host_abi_major,
                                                         uint32_t host_abi_minor,
                                                         const keel_host_t* host);

#if defined(_WIN32)
#define KEEL_EXPORT __declspec(dllexport)
#else
#define KEEL_EXPORT __attribute__((visibility("default")))
#endif

/* The entry function, the plugin's one exported symbol (KEEL_ENTRY_SYMBOL).
 * Declared here, since ABI 1.1, so that a definition with another signature
 * fails to compile; define it as
 *   KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(
 *       uint32_t host_abi_major, uint32_t host_abi_minor, const keel_host_t* host) { ... }
 * In C++ write `extern "C"` before it: without it a definition with other
 * parameters would be a new overload with a mangled name, which compiles
 * but which the loader then reports as a missing entry.
 * Called once per process by the host, on the host thread, before anything
 * else. `host` is valid for the life of the process (load-time logging).
 * Returns a descriptor with static storage duration, or NULL if the plugin
 * cannot work with this host (it should log why through `host`); it must
 * not throw, panic or unwind. [host-thread] */
KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_PLUGIN_H */
