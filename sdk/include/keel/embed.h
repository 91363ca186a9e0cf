/* keel/embed.h — keel's pricing models in your own program: the embedding
 * API of the shared library libkeel (link with -lkeel).
 *
 * The plugin ABI (keel/keel.h) is keel calling plugins. This is the other
 * direction: a program in C, C++, Rust, OCaml or Python opens a keel host,
 * which finds and loads pricing-model plugins as `keel run` does, creates
 * model instances and prices with them, without a backtest. It speaks the
 * plugin ABI's language: models are keel_model_handle_t handles
 * (keel/handle.h), options and greeks are the frozen structs of
 * keel/pricing_model.h and are read and written in place (zero copy), a
 * calibration report comes back as a capsule (keel/capsule.h) the caller
 * releases, and every call returns a keel_status_t with its message in a
 * keel_error_t the caller owns (keel/status.h).
 *
 *   keel_embed_t* keel = NULL;
 *   keel_error_t err;
 *   if (keel_embed_open(NULL, &keel, &err) != KEEL_OK) { puts(err.message); ... }
 *   keel_model_handle_t bs;
 *   keel_embed_model_create(keel, "keel.black_scholes", "{}", &bs, &err);
 *   keel_embed_model_price_batch(keel, bs, &options, &out, &err);
 *   keel_embed_model_drop(keel, bs, &err);
 *   keel_embed_close(keel, &err);
 *
 * Finding plugins. A model is named as in a run file or `keel price
 * --model`: a factory id ("keel.black_scholes"), a plugin file
 * ("./black76.so", a path with a '/' or ending in .so), or "FILE.so:ID".
 * An id is looked up on the search path: the folders of
 * keel_embed_options_t.plugin_path, then those of the KEEL_PLUGIN_PATH
 * environment variable, then the plugins installed with libkeel
 * (<libdir>/keel/plugins beside libkeel.so). Plugins are loaded once per
 * host and stay loaded until keel_embed_close.
 *
 * Threads. A keel_embed_t may be used from any thread: every call is
 * [thread-safe] (legend in keel/keel.h), except
 *   - keel_embed_model_calibrate, which changes the model: never run it
 *     concurrently with another call on the same model [instance-serialized];
 *   - keel_embed_close, which ends everything: call it once, when no other
 *     call on this host is running or will start.
 * Handles belong to the host that created them; a handle of another host,
 * or one already dropped, is KEEL_ERR_STALE_HANDLE, never undefined
 * behaviour.
 *
 * Errors. Each function lists its expected codes; the pricing calls return
 * what keel/pricing_model.h lists for the model's members, and any call on
 * a model may return KEEL_ERR_PLUGIN_FAULT (the plugin caught an exception
 * or panic of its own: it is then poisoned) and, afterwards,
 * KEEL_ERR_POISONED. Messages name the model ("model 'keel.black_scholes'")
 * and, for a batch, the first failing item's index.
 *
 * Versions. This API is versioned like the plugin ABI (keel/version.h):
 * within major 1, minor versions only add functions and grow
 * keel_embed_options_t at its end, and libkeel.so.1 keeps every function of
 * every 1.x. keel_embed_version() is the version of the library actually
 * loaded, which may be newer than the header a program was built with. */
#ifndef KEEL_EMBED_H
#define KEEL_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "keel/capsule.h"
#include "keel/handle.h"
#include "keel/pricing_model.h"
#include "keel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KEEL_EMBED_VERSION_MAJOR 1
#define KEEL_EMBED_VERSION_MINOR 0

#if defined(__GNUC__)
#define KEEL_EMBED_API __attribute__((visibility("default")))
#else
#define KEEL_EMBED_API
#endif

/* An open host: opaque, created by keel_embed_open, ended by keel_embed_close. */
typedef struct keel_embed keel_embed_t;

/* Do not search KEEL_PLUGIN_PATH and the plugins installed with libkeel:
 * only plugin_path and what keel_embed_load names. */
#define KEEL_EMBED_NO_DEFAULT_PATH UINT32_C(1)

/* How to open a host. Grows at its end (struct_size); zero it, set
 * struct_size = sizeof(keel_embed_options_t), then the fields you need. */
typedef struct keel_embed_options {
  uint32_t struct_size;
  uint32_t flags;          /* KEEL_EMBED_* flags, or 0 */
  const char* plugin_path; /* ':'-separated folders searched first, or NULL */
} keel_embed_options_t;

/* The embedding API version of the loaded libkeel: major << 16 | minor. */
KEEL_EMBED_API uint32_t keel_embed_version(void);

/* Opens a host. `options` may be NULL (the default search path). On KEEL_OK
 * *out_keel is a new host; otherwise it is set to NULL.
 * KEEL_ERR_INVALID_ARGUMENT: a NULL out_keel, options->struct_size smaller
 * than the 1.0 struct, or an unknown flag. */
KEEL_EMBED_API keel_status_t keel_embed_open(const keel_embed_options_t* options,
                                             keel_embed_t** out_keel, keel_error_t* err);

/* Ends a host: drops every model still open, then unloads the plugins, and
 * frees `keel` (NULL is a no-op). Returns KEEL_OK, or
 * KEEL_ERR_INVALID_ARGUMENT when models were still open (they are dropped
 * all the same; the message counts and names them) — a program that drops
 * what it creates sees KEEL_OK. */
KEEL_EMBED_API keel_status_t keel_embed_close(keel_embed_t* keel, keel_error_t* err);

/* Loads a plugin file now (its factories become known by id), or, given a
 * folder, puts it first on the search path. KEEL_ERR_NOT_FOUND for a path
 * that does not exist; KEEL_ERR_INVALID_ARGUMENT for a file that is not a
 * keel plugin or whose factory ids another loaded plugin has (the message
 * says why and names the files). */
KEEL_EMBED_API keel_status_t keel_embed_load(keel_embed_t* keel, const char* path,
                                             keel_error_t* err);

/* Creates a model instance: `model` names a pricing-model factory (see
 * "Finding plugins"), `params_json` is a JSON object of its params (NULL or
 * "" means {}). The caller owns the handle and gives it back with
 * keel_embed_model_drop. KEEL_ERR_NOT_FOUND when no plugin offers the id
 * (the message lists where it looked); KEEL_ERR_WRONG_KIND when the factory
 * is not a pricing model; KEEL_ERR_INVALID_ARGUMENT for params the model
 * refuses (the message is the model's). */
KEEL_EMBED_API keel_status_t keel_embed_model_create(keel_embed_t* keel, const char* model,
                                                     const char* params_json,
                                                     keel_model_handle_t* out_model,
                                                     keel_error_t* err);

/* Drops a model: its plugin's drop runs exactly once, after any call still
 * running on it returns. A second drop is KEEL_ERR_STALE_HANDLE. */
KEEL_EMBED_API keel_status_t keel_embed_model_drop(keel_embed_t* keel, keel_model_handle_t model,
                                                   keel_error_t* err);

/* The factory id of a model ("keel.black_scholes"), valid until the host is
 * closed. KEEL_ERR_STALE_HANDLE for a dropped model. */
KEEL_EMBED_API keel_status_t keel_embed_model_factory(keel_embed_t* keel, keel_model_handle_t model,
                                                      const char** out_factory_id,
                                                      keel_error_t* err);

/* The pricing calls: the contracts of the keel_pricing_model_vtable_t
 * members of the same names (keel/pricing_model.h), through a handle. A
 * model that answers KEEL_OK with a non-finite price or volatility is
 * reported as KEEL_ERR_INTERNAL naming it. */
KEEL_EMBED_API keel_status_t keel_embed_model_price(keel_embed_t* keel, keel_model_handle_t model,
                                                    const keel_option_t* option, keel_greeks_t* out,
                                                    keel_error_t* err);
KEEL_EMBED_API keel_status_t keel_embed_model_price_batch(keel_embed_t* keel,
                                                          keel_model_handle_t model,
                                                          const keel_option_batch_t* options,
                                                          const keel_greeks_batch_t* out,
                                                          keel_error_t* err);
KEEL_EMBED_API keel_status_t keel_embed_model_implied_vol(keel_embed_t* keel,
                                                          keel_model_handle_t model,
                                                          const keel_option_t* option,
                                                          double premium, double* out_vol,
                                                          keel_error_t* err);
KEEL_EMBED_API keel_status_t keel_embed_model_implied_vol_batch(
    keel_embed_t* keel, keel_model_handle_t model, const keel_option_batch_t* options,
    const double* premiums, double* out_vols, keel_status_t* out_status, keel_error_t* err);

/* Fits the model to `quotes` and hands over a KEEL_CAPSULE_TAG_CALIBRATION
 * capsule in *out_report (keel_calibration_report_t), checked by the host;
 * the caller releases it with keel_capsule_release() exactly once, which
 * runs the model's own destructor. It may outlive the model and the host:
 * keel never unloads a plugin's code (rule 9 of the ABI contract).
 * [instance-serialized] */
KEEL_EMBED_API keel_status_t keel_embed_model_calibrate(keel_embed_t* keel,
                                                        keel_model_handle_t model,
                                                        const keel_calibration_quote_t* quotes,
                                                        size_t count, keel_capsule_t* out_report,
                                                        keel_error_t* err);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_EMBED_H */
