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
 * Objects (rule 4): each factory has a mandatory create/drop pair; the host
 * refuses a factory with either missing. An instance is created and dropped
 * by its own plugin, exactly once; the host names it by a handle. */
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
 * Strings are static. */
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
 * opaque to the host. On failure nothing is allocated and err says why:
 * KEEL_ERR_INVALID_ARGUMENT for bad params, naming the param (as a JSON
 * pointer, e.g. "/vol") and what was expected. [host-thread] */
typedef keel_status_t (*keel_create_fn)(const char* params_json, const keel_host_t* host,
                                        void** out_instance, keel_error_t* err);

/* Destroys an instance created by the same factory. Called exactly once
 * per instance by the host, also on a poisoned plugin. [host-thread] */
typedef keel_status_t (*keel_drop_fn)(void* instance, keel_error_t* err);

typedef struct keel_factory {
  uint32_t struct_size; /* sizeof(keel_factory_t) when built */
  uint32_t reserved;
  const char* kind;          /* KEEL_KIND_PRICING_MODEL | KEEL_KIND_STRATEGY */
  const char* id;            /* unique across all plugins, e.g. "keel.black_scholes" */
  const char* description;   /* one line */
  const char* params_schema; /* a JSON Schema (draft 2020-12) of the params object */
  keel_create_fn create;     /* mandatory */
  keel_drop_fn drop;         /* mandatory */
  /* The kind's table: keel_pricing_model_vtable_t or keel_strategy_vtable_t.
   * Mandatory. */
  const void* methods;
} keel_factory_t;

/* The fields every table begins with: they never move. */
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
  /* A plugin-level extension by string id, or NULL. May be NULL itself.
   * [thread-safe] */
  const void* (*get_extension)(const char* id);
} keel_plugin_descriptor_t;

/* The descriptor's required prefix: a descriptor whose struct_size is
 * smaller is rejected. */
#define KEEL_PLUGIN_DESCRIPTOR_MIN_SIZE \
  (offsetof(keel_plugin_descriptor_t, factories) + sizeof(void*))
#define KEEL_FACTORY_MIN_SIZE (offsetof(keel_factory_t, methods) + sizeof(void*))

/* The entry function. Called once per process by the host, on the host
 * thread, before anything else. `host` is valid for the life of the
 * process (load-time logging). Returns a descriptor with static storage
 * duration, or NULL if the plugin cannot work with this host.
 * The exported symbol must be named KEEL_ENTRY_SYMBOL. */
typedef const keel_plugin_descriptor_t* (*keel_entry_fn)(uint32_t host_abi_major,
                                                         uint32_t host_abi_minor,
                                                         const keel_host_t* host);

#if defined(_WIN32)
#define KEEL_EXPORT __declspec(dllexport)
#else
#define KEEL_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_PLUGIN_H */
