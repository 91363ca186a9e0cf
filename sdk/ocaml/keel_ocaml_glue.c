/* keel_ocaml_glue.c — the C half of keel's OCaml SDK, start-up: the
 * plugin's one exported symbol (keel_plugin_entry), the start of its OCaml
 * runtime, the descriptor and factories read from Keel.Plugin.register,
 * poisoning, and the outcome of every call into OCaml (its exceptions).
 * keel_ocaml_glue.h lists the other files of the glue and their jobs.
 *
 * Linked into every OCaml plugin next to the plugin's OCaml code, compiled
 * with `ocamlopt -output-complete-obj -runtime-variant _pic` (so each plugin
 * carries its own OCaml runtime, kept private by the version script: two
 * OCaml plugins in one process never bind to each other's runtime).
 *
 * The runtime:
 *   - starts once, on the first call of the entry (pthread_once), which runs
 *     the plugin's module initialisers and so Keel.Plugin.register;
 *   - runs one thread at a time (OCaml 4.13): every call into it is
 *     bracketed by keel_ocaml_enter/keel_ocaml_leave (keel_ocaml_runtime.c:
 *     a recursive mutex, or OCaml's master lock when the plugin links the
 *     threads library), so the host may call from any thread and OCaml code
 *     may call the host, which may call back into this same plugin;
 *   - turns a stack overflow in OCaml code into Stack_overflow, a fault
 *     like any exception (keel_ocaml_runtime.c says how, and when not).
 * A KEEL_ERR_PLUGIN_FAULT poisons the plugin: afterwards only drop is
 * served.
 *
 * Factories: as many as the plugin registers. Each factory's context
 * points at its keel_ocaml_factory_t and one create_with_context serves
 * them all (ABI 1.1), so the plugin needs a 1.1 host and says so to an
 * older one. */
#define _GNU_SOURCE /* strdup under -std=c11 */
#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/callback.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/version.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel_ocaml_glue.h"
#include "keel_ocaml_runtime.h"

#define KEEL_OCAML_STRINGIFY_(x) #x
#define KEEL_OCAML_STRINGIFY(x) KEEL_OCAML_STRINGIFY_(x)
#if defined(__clang__)
#define KEEL_OCAML_C_COMPILER "Clang " __clang_version__
#elif defined(__GNUC__)
#define KEEL_OCAML_C_COMPILER                                                   \
  "GCC " KEEL_OCAML_STRINGIFY(__GNUC__) "." KEEL_OCAML_STRINGIFY(__GNUC_MINOR__) "." \
      KEEL_OCAML_STRINGIFY(__GNUC_PATCHLEVEL__)
#else
#define KEEL_OCAML_C_COMPILER "unknown C compiler"
#endif

keel_ocaml_functions_t keel_ocaml_fn;

static pthread_once_t runtime_once = PTHREAD_ONCE_INIT;
static int runtime_ready;
static char startup_problem[KEEL_ERROR_MESSAGE_CAPACITY];

/* Built once at start-up, for the life of the process (never unloaded). */
static keel_plugin_descriptor_t descriptor;
static keel_ocaml_factory_t* factories;
static const keel_factory_t** factory_list;

static atomic_int poisoned;
static char poison_reason[KEEL_ERROR_MESSAGE_CAPACITY];

static const char* plugin_id(void) { return descriptor.id != NULL ? descriptor.id : "OCaml plugin"; }

/* ---- poisoning ------------------------------------------------------------ */

int keel_ocaml_poisoned(void) { return atomic_load(&poisoned); }

/* Called with the runtime lock held. */
void keel_ocaml_poison(const char* reason) {
  if (keel_ocaml_poisoned()) return;
  snprintf(poison_reason, sizeof poison_reason, "%s", reason);
  atomic_store(&poisoned, 1);
}

keel_status_t keel_ocaml_poisoned_status(keel_error_t* err) {
  return keel_error_set(err, KEEL_ERR_POISONED,
                        "plugin '%s' is poisoned by an earlier fault: %s", plugin_id(),
                        poison_reason);
}

/* ---- results of calls into OCaml ------------------------------------------- */

/* The text of an exception that escaped Keel.Plugin's own guard. */
static void describe_exception(value exn, char* out, size_t size) {
  CAMLparam1(exn);
  CAMLlocal1(text);
  snprintf(out, size, "uncaught OCaml exception");
  if (keel_ocaml_fn.describe_exn != NULL) {
    text = caml_callback_exn(*keel_ocaml_fn.describe_exn, exn);
    if (!Is_exception_result(text)) snprintf(out, size, "%s", String_val(text));
  }
  CAMLreturn0;
}

keel_status_t keel_ocaml_take_outcome(value result, keel_error_t* err, value* payload) {
  if (Is_exception_result(result)) {
    char text[KEEL_ERROR_MESSAGE_CAPACITY];
    describe_exception(Extract_exception(result), text, sizeof text);
    keel_ocaml_poison(text);
    return keel_error_set(err, KEEL_ERR_PLUGIN_FAULT, "%s", text);
  }
  if (Tag_val(result) == 0) { /* Failed */
    keel_status_t code = (keel_status_t)Long_val(Field(result, 0));
    const char* message = String_val(Field(result, 1));
    if (code <= KEEL_OK || code > KEEL_STATUS_LAST) code = KEEL_ERR_INTERNAL;
    keel_error_set(err, code, "%s", message);
    if (code == KEEL_ERR_PLUGIN_FAULT) keel_ocaml_poison(message);
    return code;
  }
  if (payload != NULL) *payload = Field(result, 0);
  return KEEL_OK;
}

/* ---- runtime start and the descriptor ------------------------------------ */

static char* copy_string_field(value block, mlsize_t field) {
  return strdup(String_val(Field(block, field)));
}

static int read_registration(void) {
  const value* registration = caml_named_value("keel.plugin");
  if (registration == NULL) {
    snprintf(startup_problem, sizeof startup_problem,
             "the plugin's OCaml code never called Keel.Plugin.register");
    return 0;
  }
  const value info = Field(*registration, 0);
  const value described = Field(*registration, 1);
  const mlsize_t count = Wosize_val(described);
  /* As many factories as the plugin registers: one create serves them all
   * through each factory's context (ABI 1.1). */
  factories = calloc(count > 0 ? count : 1, sizeof *factories);
  factory_list = calloc(count > 0 ? count : 1, sizeof *factory_list);
  if (factories == NULL || factory_list == NULL) {
    snprintf(startup_problem, sizeof startup_problem, "out of memory for %lu factories",
             (unsigned long)count);
    return 0;
  }
  /* Strings are copied once and live for the process (never unloaded). */
  descriptor.magic = KEEL_PLUGIN_MAGIC;
  descriptor.abi_major = KEEL_ABI_VERSION_MAJOR;
  descriptor.abi_minor = KEEL_ABI_VERSION_MINOR;
  descriptor.struct_size = sizeof(keel_plugin_descriptor_t);
  descriptor.id = copy_string_field(info, 0);
  descriptor.name = copy_string_field(info, 1);
  descriptor.version = copy_string_field(info, 2);
  descriptor.vendor = copy_string_field(info, 3);
  descriptor.description = copy_string_field(info, 4);
  descriptor.build.sdk_version = KEEL_SDK_VERSION_STRING;
  descriptor.build.language = copy_string_field(info, 5);
  descriptor.build.compiler = "ocamlopt " OCAML_VERSION_STRING " + " KEEL_OCAML_C_COMPILER;
  descriptor.build.pointer_size = (uint32_t)sizeof(void*);
  descriptor.factory_count = (size_t)count;
  descriptor.factories = factory_list;
  descriptor.get_extension = NULL;
  for (mlsize_t i = 0; i < count; ++i) {
    const value f = Field(described, i);
    keel_ocaml_factory_t* factory = &factories[i];
    keel_factory_t* table = &factory->table;
    factory->index = (size_t)i;
    factory->kind = (int)Long_val(Field(f, 0));
    table->struct_size = sizeof(keel_factory_t);
    table->id = copy_string_field(f, 1);
    table->description = copy_string_field(f, 2);
    table->params_schema = copy_string_field(f, 3);
    table->create = NULL; /* create_with_context stands for it: a 1.1 host is needed */
    table->drop = keel_ocaml_drop;
    table->context = factory;
    table->create_with_context = keel_ocaml_create;
    if (factory->kind == KEEL_OCAML_FACTORY_STRATEGY) {
      table->kind = KEEL_KIND_STRATEGY;
      /* The 5th field: ~wants_book (Keel.Strategy.factory). */
      table->methods =
          Bool_val(Field(f, 4)) ? &keel_ocaml_book_strategy_vtable : &keel_ocaml_strategy_vtable;
    } else {
      table->kind = KEEL_KIND_PRICING_MODEL;
      table->methods = &keel_ocaml_pricing_model_vtable;
    }
    factory_list[i] = table;
  }
  return 1;
}

static void bind_functions(void) {
  keel_ocaml_fn.create = caml_named_value("keel.create");
  keel_ocaml_fn.drop = caml_named_value("keel.drop");
  keel_ocaml_fn.price = caml_named_value("keel.price");
  keel_ocaml_fn.price_batch = caml_named_value("keel.price_batch");
  keel_ocaml_fn.implied_vol = caml_named_value("keel.implied_vol");
  keel_ocaml_fn.implied_vol_batch = caml_named_value("keel.implied_vol_batch");
  keel_ocaml_fn.on_start = caml_named_value("keel.on_start");
  keel_ocaml_fn.on_event = caml_named_value("keel.on_event");
  keel_ocaml_fn.on_events = caml_named_value("keel.on_events");
  keel_ocaml_fn.on_event_span = caml_named_value("keel.on_event_span");
  keel_ocaml_fn.on_stop = caml_named_value("keel.on_stop");
  keel_ocaml_fn.describe_exn = caml_named_value("keel.describe_exn");
}

static void start_runtime(void) {
  keel_ocaml_before_startup();
  static char program_name[] = "keel-ocaml-plugin";
  static char* argv[] = {program_name, NULL};
  value result = caml_startup_exn(argv);
  keel_ocaml_after_startup();

  bind_functions();
  if (Is_exception_result(result)) {
    char text[KEEL_ERROR_MESSAGE_CAPACITY - 64]; /* room for the prefix */
    describe_exception(Extract_exception(result), text, sizeof text);
    snprintf(startup_problem, sizeof startup_problem,
             "OCaml module initialisation failed: %s", text);
  } else if (keel_ocaml_fn.create == NULL) {
    snprintf(startup_problem, sizeof startup_problem,
             "the Keel OCaml library is not linked into the plugin");
  } else if (read_registration()) {
    runtime_ready = 1;
  }
  keel_ocaml_startup_done();
}

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  if (host_abi_major == KEEL_ABI_VERSION_MAJOR && host_abi_minor < 1) {
    /* Every factory is created through create_with_context (ABI 1.1). A
     * host of another major gets the descriptor and says why it refuses. */
    if (host != NULL && KEEL_HAS_MEMBER(host, keel_host_t, log) && host->log != NULL) {
      host->log(host, KEEL_LOG_ERROR,
                "this OCaml plugin needs a keel host of ABI 1.1 or newer (its factories are "
                "created through create_with_context)");
    }
    return NULL;
  }
  pthread_once(&runtime_once, start_runtime);
  if (!runtime_ready) {
    if (host != NULL && KEEL_HAS_MEMBER(host, keel_host_t, log) && host->log != NULL) {
      host->log(host, KEEL_LOG_ERROR, startup_problem);
    }
    return NULL;
  }
  return &descriptor;
}
