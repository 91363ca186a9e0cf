/* keel_ocaml_glue.c — the C half of keel's OCaml SDK: the plugin's one
 * exported symbol (keel_plugin_entry), the factory and vtable thunks of the
 * C ABI, and the host-table stubs that OCaml code calls (Keel.Host).
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
 *     like any exception (keel_ocaml_runtime.c says how, and when not);
 *   - holds each instance's OCaml value in a generational global root,
 *     removed on drop.
 * Every thunk calls an OCaml function registered by Keel.Plugin (sdk/ocaml/
 * plugin.ml) that catches every exception and answers Done or Failed
 * (code, message); an exception escaping even that is caught here. A
 * KEEL_ERR_PLUGIN_FAULT poisons the plugin: afterwards only drop is served.
 *
 * The host stubs never raise an OCaml exception: they answer Done or Failed
 * and the OCaml side decides. (Raising from C would unwind C frames in a
 * way AddressSanitizer cannot see.) A host member called from a thread of
 * the plugin's own answers what the host says: a [host-thread] member
 * KEEL_ERR_WRONG_THREAD, which Keel.Host returns as Error Wrong_thread. */
#define _GNU_SOURCE /* strdup under -std=c11 */
#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/bigarray.h>
#include <caml/callback.h>
#include <caml/fail.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/version.h>

#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keel/keel.h"
#include "keel_ocaml_runtime.h"

/* A plugin may declare at most this many factories (one create thunk each:
 * keel_create_fn carries no factory context). */
#define KEEL_OCAML_MAX_FACTORIES 32

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

enum { FACTORY_KIND_PRICING_MODEL = 0, FACTORY_KIND_STRATEGY = 1 };

typedef struct ocaml_instance {
  value ocaml; /* Keel.Plugin.instance, a generational global root */
  size_t factory;
  size_t consumed; /* events the last on_events reached (events_consumed) */
} ocaml_instance_t;

/* Orders sent or cancelled and timers set or cancelled since the current
 * on_events span began. Guarded by the runtime lock, like every call into
 * OCaml: a span stops right after the event during which it became > 0
 * (KEEL_STRATEGY_EXT_EVENTS_CONSUMED in keel/strategy.h). Keel.Plugin's span
 * loops read it through a one-element Bigarray over this variable
 * (keel_ocaml_span_actions_cell): a load per event, not a C call. */
static int64_t span_actions;

/* The event of the current span whose handling failed, counted from 1 (the
 * failing event counts as reached: KEEL_STRATEGY_EXT_EVENTS_CONSUMED).
 * Set to 1 before each span; Keel.Plugin's span loops write it, through
 * keel_ocaml_span_failed_at_cell, only when an event raises. */
static int64_t span_failed_at;

static pthread_once_t runtime_once = PTHREAD_ONCE_INIT;
static int runtime_ready;
static char startup_problem[KEEL_ERROR_MESSAGE_CAPACITY];

static keel_plugin_descriptor_t descriptor;
static keel_factory_t factories[KEEL_OCAML_MAX_FACTORIES];
static const keel_factory_t* factory_list[KEEL_OCAML_MAX_FACTORIES];
static int factory_kinds[KEEL_OCAML_MAX_FACTORIES];

static atomic_int poisoned;
static char poison_reason[KEEL_ERROR_MESSAGE_CAPACITY];

/* The OCaml functions of Keel.Plugin, looked up once after startup. */
static const value* fn_create;
static const value* fn_drop;
static const value* fn_price;
static const value* fn_price_batch;
static const value* fn_implied_vol;
static const value* fn_implied_vol_batch;
static const value* fn_on_start;
static const value* fn_on_event;
static const value* fn_on_events;
static const value* fn_on_event_span;
static const value* fn_on_stop;
static const value* fn_describe_exn;

static const char* plugin_id(void) { return descriptor.id != NULL ? descriptor.id : "OCaml plugin"; }

/* ---- poisoning ------------------------------------------------------------ */

/* Called with the runtime lock held. */
static void poison(const char* reason) {
  if (atomic_load(&poisoned)) return;
  snprintf(poison_reason, sizeof poison_reason, "%s", reason);
  atomic_store(&poisoned, 1);
}

static keel_status_t poisoned_status(keel_error_t* err) {
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
  if (fn_describe_exn != NULL) {
    text = caml_callback_exn(*fn_describe_exn, exn);
    if (!Is_exception_result(text)) snprintf(out, size, "%s", String_val(text));
  }
  CAMLreturn0;
}

/* Reads a Keel.Host.outcome (Failed (code, message) | Done payload) that an
 * OCaml function returned (or an exception result). On Done stores the
 * payload in *payload when given (the caller must root it before
 * allocating). A fault poisons the plugin. */
static keel_status_t take_outcome(value result, keel_error_t* err, value* payload) {
  if (Is_exception_result(result)) {
    char text[KEEL_ERROR_MESSAGE_CAPACITY];
    describe_exception(Extract_exception(result), text, sizeof text);
    poison(text);
    return keel_error_set(err, KEEL_ERR_PLUGIN_FAULT, "%s", text);
  }
  if (Tag_val(result) == 0) { /* Failed */
    keel_status_t code = (keel_status_t)Long_val(Field(result, 0));
    const char* message = String_val(Field(result, 1));
    if (code <= KEEL_OK || code > KEEL_STATUS_LAST) code = KEEL_ERR_INTERNAL;
    keel_error_set(err, code, "%s", message);
    if (code == KEEL_ERR_PLUGIN_FAULT) poison(message);
    return code;
  }
  if (payload != NULL) *payload = Field(result, 0);
  return KEEL_OK;
}

/* ---- OCaml values the thunks build --------------------------------------- */

static value f64_view(const double* data, size_t count) {
  /* CAML_BA_EXTERNAL: a view of the caller's memory, never freed by the GC.
   * The SDK only reads input views (the const is the SDK's promise). */
  return caml_ba_alloc_dims(CAML_BA_FLOAT64 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1,
                            (void*)data, (intnat)count);
}

static value i32_view(const int32_t* data, size_t count) {
  return caml_ba_alloc_dims(CAML_BA_INT32 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1,
                            (void*)data, (intnat)count);
}

static value some(value v) {
  CAMLparam1(v);
  CAMLlocal1(block);
  block = caml_alloc_small(1, 0);
  Field(block, 0) = v;
  CAMLreturn(block);
}

static value f64_view_option(const double* data, size_t count) {
  CAMLparam0();
  CAMLlocal1(view);
  if (data == NULL) CAMLreturn(Val_none);
  view = f64_view(data, count);
  CAMLreturn(some(view));
}

static value i32_view_option(const int32_t* data, size_t count) {
  CAMLparam0();
  CAMLlocal1(view);
  if (data == NULL) CAMLreturn(Val_none);
  view = i32_view(data, count);
  CAMLreturn(some(view));
}

static void store_double(value block, mlsize_t field, double d) {
  CAMLparam1(block);
  CAMLlocal1(boxed);
  boxed = caml_copy_double(d);
  Store_field(block, field, boxed);
  CAMLreturn0;
}

static value host_value(const keel_host_t* host) {
  value block = caml_alloc_small(1, Abstract_tag);
  Field(block, 0) = (value)host;
  return block;
}

static const keel_host_t* host_of(value block) { return (const keel_host_t*)Field(block, 0); }

/* Handles, ids and tags become OCaml ints (63 bits). */
static value int_of_u64(uint64_t bits) { return Val_long((intnat)bits); }

/* Keel.Pricing_model.batch */
static value batch_value(const keel_option_batch_t* b) {
  CAMLparam0();
  CAMLlocal2(block, field);
  block = caml_alloc(9, 0);
  const size_t n = b->count;
  Store_field(block, 0, Val_long((intnat)n));
  field = f64_view(b->spot, n);
  Store_field(block, 1, field);
  field = f64_view(b->strike, n);
  Store_field(block, 2, field);
  field = f64_view(b->expiry, n);
  Store_field(block, 3, field);
  field = f64_view_option(b->vol, n);
  Store_field(block, 4, field);
  field = f64_view(b->rate, n);
  Store_field(block, 5, field);
  field = f64_view(b->dividend, n);
  Store_field(block, 6, field);
  field = i32_view(b->right, n);
  Store_field(block, 7, field);
  field = i32_view_option(b->exercise, n);
  Store_field(block, 8, field);
  CAMLreturn(block);
}

/* Keel.Pricing_model.batch_out */
static value batch_out_value(const keel_greeks_batch_t* out, size_t n) {
  CAMLparam0();
  CAMLlocal2(block, field);
  block = caml_alloc(7, 0);
  field = f64_view(out->price, n);
  Store_field(block, 0, field);
  field = f64_view_option(out->delta, n);
  Store_field(block, 1, field);
  field = f64_view_option(out->gamma, n);
  Store_field(block, 2, field);
  field = f64_view_option(out->vega, n);
  Store_field(block, 3, field);
  field = f64_view_option(out->theta, n);
  Store_field(block, 4, field);
  field = f64_view_option(out->rho, n);
  Store_field(block, 5, field);
  field = i32_view_option(out->status, n);
  Store_field(block, 6, field);
  CAMLreturn(block);
}

/* Keel.Types.event, built from one keel_event_t. Returns Val_unit for an
 * event kind (or enum value) this SDK does not know; *problem says why. */
static value event_value(const keel_event_t* e, const char** problem) {
  CAMLparam0();
  CAMLlocal2(record, event);
  switch (e->kind) {
    case KEEL_EVENT_QUOTE: {
      const keel_quote_t* q = &e->as.quote;
      record = caml_alloc(6, 0);
      Store_field(record, 0, Val_long(q->ts));
      Store_field(record, 1, Val_long(q->instrument));
      store_double(record, 2, q->bid);
      store_double(record, 3, q->bid_size);
      store_double(record, 4, q->ask);
      store_double(record, 5, q->ask_size);
      break;
    }
    case KEEL_EVENT_TRADE: {
      const keel_trade_t* t = &e->as.trade;
      record = caml_alloc(4, 0);
      Store_field(record, 0, Val_long(t->ts));
      Store_field(record, 1, Val_long(t->instrument));
      store_double(record, 2, t->price);
      store_double(record, 3, t->size);
      break;
    }
    case KEEL_EVENT_BAR: {
      const keel_bar_t* b = &e->as.bar;
      record = caml_alloc(7, 0);
      Store_field(record, 0, Val_long(b->ts));
      Store_field(record, 1, Val_long(b->instrument));
      store_double(record, 2, b->open);
      store_double(record, 3, b->high);
      store_double(record, 4, b->low);
      store_double(record, 5, b->close);
      store_double(record, 6, b->volume);
      break;
    }
    case KEEL_EVENT_ORDER_UPDATE: {
      const keel_order_update_t* u = &e->as.order_update;
      if (u->state < KEEL_ORDER_PENDING || u->state > KEEL_ORDER_EXPIRED) {
        *problem = "order update with an unknown state";
        CAMLreturn(Val_unit);
      }
      record = caml_alloc(10, 0);
      Store_field(record, 0, Val_long(u->ts));
      Store_field(record, 1, int_of_u64(u->order.bits));
      Store_field(record, 2, int_of_u64(u->order_id));
      Store_field(record, 3, int_of_u64(u->client_tag));
      Store_field(record, 4, Val_long(u->instrument));
      Store_field(record, 5, Val_int(u->state));
      store_double(record, 6, u->filled_quantity);
      store_double(record, 7, u->remaining_quantity);
      store_double(record, 8, u->average_fill_price);
      event = caml_copy_string(u->reason != NULL ? u->reason : "");
      Store_field(record, 9, event);
      break;
    }
    case KEEL_EVENT_FILL: {
      const keel_fill_t* f = &e->as.fill;
      if ((f->side != KEEL_SIDE_BUY && f->side != KEEL_SIDE_SELL) ||
          (f->liquidity != KEEL_LIQUIDITY_MAKER && f->liquidity != KEEL_LIQUIDITY_TAKER)) {
        *problem = "fill with an unknown side or liquidity";
        CAMLreturn(Val_unit);
      }
      record = caml_alloc(10, 0);
      Store_field(record, 0, Val_long(f->ts));
      Store_field(record, 1, int_of_u64(f->order.bits));
      Store_field(record, 2, int_of_u64(f->order_id));
      Store_field(record, 3, int_of_u64(f->client_tag));
      Store_field(record, 4, Val_long(f->instrument));
      Store_field(record, 5, Val_int(f->side));
      Store_field(record, 6, Val_int(f->liquidity));
      store_double(record, 7, f->quantity);
      store_double(record, 8, f->price);
      store_double(record, 9, f->fee);
      break;
    }
    case KEEL_EVENT_TIMER: {
      const keel_timer_event_t* t = &e->as.timer;
      record = caml_alloc(3, 0);
      Store_field(record, 0, Val_long(t->ts));
      Store_field(record, 1, int_of_u64(t->timer.bits));
      Store_field(record, 2, int_of_u64(t->cookie));
      break;
    }
    default:
      *problem = "event of an unknown kind";
      CAMLreturn(Val_unit);
  }
  event = caml_alloc_small(1, (tag_t)(e->kind - KEEL_EVENT_QUOTE));
  Field(event, 0) = record;
  CAMLreturn(event);
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
  if (count > KEEL_OCAML_MAX_FACTORIES) {
    snprintf(startup_problem, sizeof startup_problem,
             "the plugin registers %lu factories; the OCaml SDK supports at most %d",
             (unsigned long)count, KEEL_OCAML_MAX_FACTORIES);
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
    factory_kinds[i] = (int)Long_val(Field(f, 0));
    factories[i].struct_size = sizeof(keel_factory_t);
    factories[i].id = copy_string_field(f, 1);
    factories[i].description = copy_string_field(f, 2);
    factories[i].params_schema = copy_string_field(f, 3);
    factory_list[i] = &factories[i];
  }
  return 1;
}

static void bind_functions(void) {
  fn_create = caml_named_value("keel.create");
  fn_drop = caml_named_value("keel.drop");
  fn_price = caml_named_value("keel.price");
  fn_price_batch = caml_named_value("keel.price_batch");
  fn_implied_vol = caml_named_value("keel.implied_vol");
  fn_implied_vol_batch = caml_named_value("keel.implied_vol_batch");
  fn_on_start = caml_named_value("keel.on_start");
  fn_on_event = caml_named_value("keel.on_event");
  fn_on_events = caml_named_value("keel.on_events");
  fn_on_event_span = caml_named_value("keel.on_event_span");
  fn_on_stop = caml_named_value("keel.on_stop");
  fn_describe_exn = caml_named_value("keel.describe_exn");
}

static void install_factory_tables(void);

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
  } else if (fn_create == NULL) {
    snprintf(startup_problem, sizeof startup_problem,
             "the Keel OCaml library is not linked into the plugin");
  } else if (read_registration()) {
    install_factory_tables();
    runtime_ready = 1;
  }
  keel_ocaml_startup_done();
}

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  (void)host_abi_major;
  (void)host_abi_minor;
  pthread_once(&runtime_once, start_runtime);
  if (!runtime_ready) {
    if (host != NULL && KEEL_HAS_MEMBER(host, keel_host_t, log) && host->log != NULL) {
      host->log(host, KEEL_LOG_ERROR, startup_problem);
    }
    return NULL;
  }
  return &descriptor;
}

/* ---- lifecycle ------------------------------------------------------------- */

static keel_status_t create_locked(size_t index, const char* params_json,
                                   const keel_host_t* host, void** out_instance,
                                   keel_error_t* err) {
  CAMLparam0();
  CAMLlocal4(params, host_block, result, instance);
  params = caml_copy_string(params_json != NULL ? params_json : "{}");
  host_block = host_value(host);
  result = caml_callback3_exn(*fn_create, Val_long((intnat)index), params, host_block);
  const keel_status_t status = take_outcome(result, err, &instance);
  if (status != KEEL_OK) CAMLreturnT(keel_status_t, status);
  ocaml_instance_t* self = malloc(sizeof *self);
  if (self == NULL) {
    CAMLreturnT(keel_status_t, keel_error_set(err, KEEL_ERR_OUT_OF_MEMORY, "out of memory"));
  }
  self->ocaml = instance;
  self->factory = index;
  self->consumed = 0;
  caml_register_generational_global_root(&self->ocaml);
  *out_instance = self;
  CAMLreturnT(keel_status_t, KEEL_OK);
}

static keel_status_t create_at(size_t index, const char* params_json, const keel_host_t* host,
                               void** out_instance, keel_error_t* err) {
  if (out_instance == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "out_instance is NULL");
  }
  if (atomic_load(&poisoned)) return poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = create_locked(index, params_json, host, out_instance, err);
  keel_ocaml_leave(&entry);
  return status;
}

#define KEEL_OCAML_CREATE_THUNK(i)                                                        \
  static keel_status_t create_##i(const char* params_json, const keel_host_t* host,     \
                                  void** out_instance, keel_error_t* err) {              \
    return create_at(i, params_json, host, out_instance, err);                          \
  }
#define KEEL_OCAML_CREATE_THUNKS_8(a, b, c, d, e, f, g, h)                              \
  KEEL_OCAML_CREATE_THUNK(a) KEEL_OCAML_CREATE_THUNK(b) KEEL_OCAML_CREATE_THUNK(c)       \
  KEEL_OCAML_CREATE_THUNK(d) KEEL_OCAML_CREATE_THUNK(e) KEEL_OCAML_CREATE_THUNK(f)       \
  KEEL_OCAML_CREATE_THUNK(g) KEEL_OCAML_CREATE_THUNK(h)
KEEL_OCAML_CREATE_THUNKS_8(0, 1, 2, 3, 4, 5, 6, 7)
KEEL_OCAML_CREATE_THUNKS_8(8, 9, 10, 11, 12, 13, 14, 15)
KEEL_OCAML_CREATE_THUNKS_8(16, 17, 18, 19, 20, 21, 22, 23)
KEEL_OCAML_CREATE_THUNKS_8(24, 25, 26, 27, 28, 29, 30, 31)

static const keel_create_fn create_thunks[KEEL_OCAML_MAX_FACTORIES] = {
    create_0,  create_1,  create_2,  create_3,  create_4,  create_5,  create_6,  create_7,
    create_8,  create_9,  create_10, create_11, create_12, create_13, create_14, create_15,
    create_16, create_17, create_18, create_19, create_20, create_21, create_22, create_23,
    create_24, create_25, create_26, create_27, create_28, create_29, create_30, create_31};

static keel_status_t drop_locked(ocaml_instance_t* self, keel_error_t* err) {
  CAMLparam0();
  CAMLlocal1(result);
  keel_status_t status = KEEL_OK;
  if (!atomic_load(&poisoned)) {
    result = caml_callback_exn(*fn_drop, self->ocaml);
    status = take_outcome(result, err, NULL);
  }
  caml_remove_generational_global_root(&self->ocaml);
  free(self);
  CAMLreturnT(keel_status_t, status);
}

/* Called exactly once per instance, also on a poisoned plugin (then the
 * OCaml on_drop is skipped; the instance is still released). */
static keel_status_t drop_instance(void* instance, keel_error_t* err) {
  if (instance == NULL) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "instance is NULL");
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = drop_locked((ocaml_instance_t*)instance, err);
  keel_ocaml_leave(&entry);
  return status;
}

/* ---- pricing-model table ----------------------------------------------------- */

static keel_status_t price_locked(ocaml_instance_t* self, const keel_option_t* option,
                                  keel_greeks_t* out, keel_error_t* err) {
  CAMLparam0();
  CAMLlocal3(input, output, result);
  value args[5];
  /* keel_option_t begins with six doubles, keel_greeks_t is six doubles. */
  input = f64_view(&option->spot, 6);
  output = f64_view(&out->price, 6);
  args[0] = self->ocaml;
  args[1] = input;
  args[2] = Val_int(option->right);
  args[3] = Val_int(option->exercise);
  args[4] = output;
  result = caml_callbackN_exn(*fn_price, 5, args);
  CAMLreturnT(keel_status_t, take_outcome(result, err, NULL));
}

static keel_status_t model_price(void* instance, const keel_option_t* option, keel_greeks_t* out,
                                 keel_error_t* err) {
  if (option == NULL || out == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "option and out must not be NULL");
  }
  if (atomic_load(&poisoned)) return poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = price_locked((ocaml_instance_t*)instance, option, out, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t check_batch(const keel_option_batch_t* b, int needs_vol, keel_error_t* err) {
  if (b == NULL) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "batch is NULL");
  if (b->count == 0) return KEEL_OK;
  if (b->spot == NULL || b->strike == NULL || b->expiry == NULL || (needs_vol && b->vol == NULL) ||
      b->rate == NULL || b->dividend == NULL || b->right == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "batch of %zu options has a NULL input array", b->count);
  }
  return KEEL_OK;
}

static keel_status_t price_batch_locked(ocaml_instance_t* self, const keel_option_batch_t* options,
                                        const keel_greeks_batch_t* out, keel_error_t* err) {
  CAMLparam0();
  CAMLlocal3(batch, outputs, result);
  batch = batch_value(options);
  outputs = batch_out_value(out, options->count);
  result = caml_callback3_exn(*fn_price_batch, self->ocaml, batch, outputs);
  CAMLreturnT(keel_status_t, take_outcome(result, err, NULL));
}

/* One crossing into OCaml per batch: the arrays are passed as bigarray
 * views of the caller's memory. */
static keel_status_t model_price_batch(void* instance, const keel_option_batch_t* options,
                                       const keel_greeks_batch_t* out, keel_error_t* err) {
  const keel_status_t checked = check_batch(options, 1, err);
  if (checked != KEEL_OK || options->count == 0) return checked;
  if (out == NULL || out->price == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "batch output has no price array");
  }
  if (atomic_load(&poisoned)) return poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status =
      price_batch_locked((ocaml_instance_t*)instance, options, out, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t implied_vol_locked(ocaml_instance_t* self, const keel_option_t* option,
                                        double premium, double* out_vol, keel_error_t* err) {
  CAMLparam0();
  CAMLlocal4(input, boxed_premium, result, vol);
  value args[5];
  input = f64_view(&option->spot, 6);
  boxed_premium = caml_copy_double(premium);
  args[0] = self->ocaml;
  args[1] = input;
  args[2] = Val_int(option->right);
  args[3] = Val_int(option->exercise);
  args[4] = boxed_premium;
  result = caml_callbackN_exn(*fn_implied_vol, 5, args);
  const keel_status_t status = take_outcome(result, err, &vol);
  if (status == KEEL_OK) *out_vol = Double_val(vol);
  CAMLreturnT(keel_status_t, status);
}

static keel_status_t model_implied_vol(void* instance, const keel_option_t* option,
                                       double premium, double* out_vol, keel_error_t* err) {
  if (option == NULL || out_vol == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "option and out_vol must not be NULL");
  }
  if (atomic_load(&poisoned)) return poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status =
      implied_vol_locked((ocaml_instance_t*)instance, option, premium, out_vol, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t implied_vol_batch_locked(ocaml_instance_t* self,
                                              const keel_option_batch_t* options,
                                              const double* premiums, double* out_vols,
                                              keel_status_t* out_status, keel_error_t* err) {
  CAMLparam0();
  CAMLlocal4(batch, premium_view, vols_view, status_view);
  CAMLlocal1(result);
  value args[5];
  batch = batch_value(options);
  premium_view = f64_view(premiums, options->count);
  vols_view = f64_view(out_vols, options->count);
  status_view = i32_view_option(out_status, options->count);
  args[0] = self->ocaml;
  args[1] = batch;
  args[2] = premium_view;
  args[3] = vols_view;
  args[4] = status_view;
  result = caml_callbackN_exn(*fn_implied_vol_batch, 5, args);
  CAMLreturnT(keel_status_t, take_outcome(result, err, NULL));
}

static keel_status_t model_implied_vol_batch(void* instance, const keel_option_batch_t* options,
                                             const double* premiums, double* out_vols,
                                             keel_status_t* out_status, keel_error_t* err) {
  const keel_status_t checked = check_batch(options, 0, err);
  if (checked != KEEL_OK || options->count == 0) return checked;
  if (premiums == NULL || out_vols == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "premiums and out_vols must not be NULL");
  }
  if (atomic_load(&poisoned)) return poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = implied_vol_batch_locked((ocaml_instance_t*)instance, options,
                                                        premiums, out_vols, out_status, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t model_calibrate(void* instance, const keel_calibration_quote_t* quotes,
                                     size_t count, keel_capsule_t* out_report, keel_error_t* err) {
  (void)quotes;
  (void)count;
  (void)out_report;
  const ocaml_instance_t* self = (const ocaml_instance_t*)instance;
  return keel_error_set(err, KEEL_ERR_UNSUPPORTED,
                        "%s has nothing to calibrate (the OCaml SDK does not offer calibrate)",
                        factories[self->factory].id);
}

static const void* model_get_extension(void* instance, const char* id) {
  (void)instance;
  (void)id;
  return NULL;
}

static const keel_pricing_model_vtable_t pricing_model_vtable = {
    sizeof(keel_pricing_model_vtable_t), model_price,     model_price_batch, model_implied_vol,
    model_implied_vol_batch,             model_calibrate, model_get_extension};

/* ---- strategy table ----------------------------------------------------------- */

static keel_status_t on_start_locked(ocaml_instance_t* self, const keel_strategy_start_t* start,
                                     keel_error_t* err) {
  CAMLparam0();
  CAMLlocal4(record, name, instruments, result);
  name = caml_copy_string(start->name != NULL ? start->name : "");
  instruments = start->instrument_count == 0 ? Atom(0) : caml_alloc(start->instrument_count, 0);
  for (size_t i = 0; i < start->instrument_count; ++i) {
    Store_field(instruments, i, Val_long(start->instruments[i]));
  }
  record = caml_alloc(3, 0);
  Store_field(record, 0, Val_long(start->start_time));
  Store_field(record, 1, name);
  Store_field(record, 2, instruments);
  result = caml_callback2_exn(*fn_on_start, self->ocaml, record);
  CAMLreturnT(keel_status_t, take_outcome(result, err, NULL));
}

static keel_status_t strategy_on_start(void* instance, const keel_strategy_start_t* start,
                                       keel_error_t* err) {
  if (start == NULL) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "start is NULL");
  if (start->instrument_count != 0 && start->instruments == NULL) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "start has a NULL instrument list");
  }
  if (atomic_load(&poisoned)) return poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = on_start_locked((ocaml_instance_t*)instance, start, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t on_event_locked(ocaml_instance_t* self, const keel_event_t* event,
                                     keel_error_t* err) {
  CAMLparam0();
  CAMLlocal2(ocaml_event, result);
  const char* problem = NULL;
  ocaml_event = event_value(event, &problem);
  if (problem != NULL) {
    CAMLreturnT(keel_status_t, keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "%s", problem));
  }
  result = caml_callback2_exn(*fn_on_event, self->ocaml, ocaml_event);
  CAMLreturnT(keel_status_t, take_outcome(result, err, NULL));
}

static keel_status_t deliver(void* instance, const keel_event_t* event, keel_error_t* err) {
  if (atomic_load(&poisoned)) return poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = on_event_locked((ocaml_instance_t*)instance, event, err);
  keel_ocaml_leave(&entry);
  return status;
}

/* The per-event members wrap their struct in a keel_event_t and deliver it. */
#define KEEL_OCAML_EVENT_THUNK(member, type, kind_value, field)                            \
  static keel_status_t strategy_##member(void* instance, const type* payload,              \
                                         keel_error_t* err) {                             \
    if (payload == NULL) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "event is NULL"); \
    keel_event_t event;                                                                    \
    memset(&event, 0, sizeof event);                                                       \
    event.kind = kind_value;                                                               \
    event.as.field = *payload;                                                             \
    return deliver(instance, &event, err);                                                 \
  }
KEEL_OCAML_EVENT_THUNK(on_quote, keel_quote_t, KEEL_EVENT_QUOTE, quote)
KEEL_OCAML_EVENT_THUNK(on_trade, keel_trade_t, KEEL_EVENT_TRADE, trade)
KEEL_OCAML_EVENT_THUNK(on_bar, keel_bar_t, KEEL_EVENT_BAR, bar)
KEEL_OCAML_EVENT_THUNK(on_order_update, keel_order_update_t, KEEL_EVENT_ORDER_UPDATE, order_update)
KEEL_OCAML_EVENT_THUNK(on_fill, keel_fill_t, KEEL_EVENT_FILL, fill)
KEEL_OCAML_EVENT_THUNK(on_timer, keel_timer_event_t, KEEL_EVENT_TIMER, timer)

/* A span crosses into OCaml as two views of the caller's array (int64 and
 * float64 words over the same memory, no copy): Keel.Plugin.on_event_span
 * decodes market events from them one at a time as it calls the strategy,
 * so each short-lived OCaml record is born and dies in the minor heap. An
 * array of prebuilt events would be allocated in the major heap (longer
 * than Max_young_wosize), every store into it would go through the
 * remembered set, and each minor collection would promote the whole span.
 * The offsets it reads are these (little-endian words); other event kinds
 * it asks back for with keel_ocaml_event_at. */
#define KEEL_OCAML_SPAN_WORDS (sizeof(keel_event_t) / 8)
_Static_assert(sizeof(keel_event_t) % 8 == 0, "keel_event_t is a whole number of words");
_Static_assert(KEEL_EVENT_QUOTE == 1 && KEEL_EVENT_TRADE == 2 && KEEL_EVENT_BAR == 3,
               "Keel.Plugin.on_event_span's kind numbers");
_Static_assert(offsetof(keel_event_t, as.quote.ts) == 8 &&
                   offsetof(keel_event_t, as.quote.instrument) == 16 &&
                   offsetof(keel_event_t, as.quote.bid) == 24 &&
                   offsetof(keel_event_t, as.quote.bid_size) == 32 &&
                   offsetof(keel_event_t, as.quote.ask) == 40 &&
                   offsetof(keel_event_t, as.quote.ask_size) == 48,
               "Keel.Plugin.on_event_span's quote offsets");
_Static_assert(offsetof(keel_event_t, as.trade.ts) == 8 &&
                   offsetof(keel_event_t, as.trade.instrument) == 16 &&
                   offsetof(keel_event_t, as.trade.price) == 24 &&
                   offsetof(keel_event_t, as.trade.size) == 32,
               "Keel.Plugin.on_event_span's trade offsets");
_Static_assert(offsetof(keel_event_t, as.bar.ts) == 8 && offsetof(keel_event_t, as.bar.instrument) == 16 &&
                   offsetof(keel_event_t, as.bar.open) == 24 && offsetof(keel_event_t, as.bar.high) == 32 &&
                   offsetof(keel_event_t, as.bar.low) == 40 && offsetof(keel_event_t, as.bar.close) == 48 &&
                   offsetof(keel_event_t, as.bar.volume) == 56,
               "Keel.Plugin.on_event_span's bar offsets");
#ifndef KEEL_OCAML_SPAN_IN_PLACE /* 0 forces the portable path (tests) */
#define KEEL_OCAML_SPAN_IN_PLACE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#endif

/* Keel.Plugin's event_at: event i of a span's int64 view, any kind but a
 * market event; Failure with the problem when it is malformed (Keel.Plugin
 * turns that into KEEL_ERR_INVALID_ARGUMENT naming the event). */
CAMLprim value keel_ocaml_event_at(value words, value index) {
  const keel_event_t* events = (const keel_event_t*)Caml_ba_data_val(words);
  const char* problem = NULL;
  value event = event_value(&events[Long_val(index)], &problem);
  if (problem != NULL) caml_failwith(problem);
  return event;
}

/* How far a span got: on KEEL_OK the count Keel.Plugin returned, after an
 * error the failing event (1..count). */
static size_t span_reached(keel_status_t status, value handled, size_t count) {
  if (status == KEEL_OK) return (size_t)Long_val(handled);
  if (span_failed_at < 1) return 1;
  return (uint64_t)span_failed_at > count ? count : (size_t)span_failed_at;
}

static keel_status_t on_events_locked(ocaml_instance_t* self, const keel_event_t* events,
                                      size_t count, keel_error_t* err) {
  CAMLparam0();
  CAMLlocal5(array, item, result, floats, prefix);
  span_actions = 0;
  span_failed_at = 1;
  if (KEEL_OCAML_SPAN_IN_PLACE && fn_on_event_span != NULL) {
    /* Market events are decoded by the OCaml side; any other kind it asks
     * for through keel_ocaml_event_at, which checks it (no pass over the
     * span here first: at ~1 ns per event in a 5 ns budget, it showed). */
    const intnat words = (intnat)(count * KEEL_OCAML_SPAN_WORDS);
    array = caml_ba_alloc_dims(CAML_BA_INT64 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1,
                               (void*)events, words);
    floats = caml_ba_alloc_dims(CAML_BA_FLOAT64 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1,
                                (void*)events, words);
    value args[5] = {self->ocaml, array, floats, Val_long((intnat)count),
                     Val_long((intnat)KEEL_OCAML_SPAN_WORDS)};
    result = caml_callbackN_exn(*fn_on_event_span, 5, args);
    const keel_status_t status = take_outcome(result, err, &item);
    self->consumed = span_reached(status, item, count);
    CAMLreturnT(keel_status_t, status);
  }
  /* The portable path: the span as an OCaml array built here. A malformed
   * event ends it where per-event delivery would: the events before it are
   * delivered, and it fails when the strategy reaches it. */
  const char* problem = NULL;
  size_t built = 0;
  array = caml_alloc(count, 0);
  for (; built < count; ++built) {
    item = event_value(&events[built], &problem);
    if (problem != NULL) break;
    Store_field(array, built, item);
  }
  if (built == 0) {
    self->consumed = 1;
    CAMLreturnT(keel_status_t,
                keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "event 0: %s", problem));
  }
  if (built < count) {
    prefix = caml_alloc(built, 0);
    for (size_t i = 0; i < built; ++i) Store_field(prefix, i, Field(array, i));
    array = prefix;
  }
  result = caml_callback2_exn(*fn_on_events, self->ocaml, array);
  keel_status_t status = take_outcome(result, err, &item);
  self->consumed = span_reached(status, item, built);
  if (status == KEEL_OK && problem != NULL && self->consumed == built) {
    self->consumed = built + 1;
    status = keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "event %zu: %s", built, problem);
  }
  CAMLreturnT(keel_status_t, status);
}

/* Keel.Plugin's views of span_actions and span_failed_at. */
CAMLprim value keel_ocaml_span_actions_cell(value unit) {
  (void)unit;
  return caml_ba_alloc_dims(CAML_BA_INT64 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1,
                            (void*)&span_actions, (intnat)1);
}

CAMLprim value keel_ocaml_span_failed_at_cell(value unit) {
  (void)unit;
  return caml_ba_alloc_dims(CAML_BA_INT64 | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1,
                            (void*)&span_failed_at, (intnat)1);
}

/* A span of events in one crossing. */
static keel_status_t strategy_on_events(void* instance, const keel_event_t* events, size_t count,
                                        keel_error_t* err) {
  if (count == 0) return KEEL_OK;
  ((ocaml_instance_t*)instance)->consumed = 1; /* failing before any event: at the first */
  if (events == NULL) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "events is NULL");
  if (atomic_load(&poisoned)) return poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = on_events_locked((ocaml_instance_t*)instance, events, count, err);
  keel_ocaml_leave(&entry);
  return status;
}

static keel_status_t on_stop_locked(ocaml_instance_t* self, keel_timestamp_t at,
                                    keel_error_t* err) {
  CAMLparam0();
  CAMLlocal1(result);
  result = caml_callback2_exn(*fn_on_stop, self->ocaml, Val_long(at));
  CAMLreturnT(keel_status_t, take_outcome(result, err, NULL));
}

static keel_status_t strategy_on_stop(void* instance, keel_timestamp_t at, keel_error_t* err) {
  if (atomic_load(&poisoned)) return poisoned_status(err);
  keel_ocaml_entry_t entry;
  keel_ocaml_enter(&entry);
  const keel_status_t status = on_stop_locked((ocaml_instance_t*)instance, at, err);
  keel_ocaml_leave(&entry);
  return status;
}

static size_t strategy_events_consumed(void* instance) {
  return ((ocaml_instance_t*)instance)->consumed;
}

static const keel_strategy_events_consumed_ext_t events_consumed_ext = {
    sizeof(keel_strategy_events_consumed_ext_t), strategy_events_consumed};

static const void* strategy_get_extension(void* instance, const char* id) {
  (void)instance;
  if (id != NULL && strcmp(id, KEEL_STRATEGY_EXT_EVENTS_CONSUMED) == 0) return &events_consumed_ext;
  return NULL;
}

static const keel_strategy_vtable_t strategy_vtable = {
    sizeof(keel_strategy_vtable_t), strategy_on_start,  strategy_on_quote,
    strategy_on_trade,              strategy_on_bar,    strategy_on_order_update,
    strategy_on_fill,               strategy_on_timer,  strategy_on_stop,
    strategy_on_events,             strategy_get_extension};

static void install_factory_tables(void) {
  for (size_t i = 0; i < descriptor.factory_count; ++i) {
    factories[i].create = create_thunks[i];
    factories[i].drop = drop_instance;
    if (factory_kinds[i] == FACTORY_KIND_STRATEGY) {
      factories[i].kind = KEEL_KIND_STRATEGY;
      factories[i].methods = &strategy_vtable;
    } else {
      factories[i].kind = KEEL_KIND_PRICING_MODEL;
      factories[i].methods = &pricing_model_vtable;
    }
  }
}

/* ---- host stubs (Keel.Host) ----------------------------------------------------
 * Called from OCaml code, so the runtime lock is already held by this
 * thread. Each answers Done payload or Failed (code, message). Strings are
 * copied to C before the host is called: the host may call back into this
 * runtime (a model of this same plugin), whose GC may move OCaml strings. */

static value outcome_done(value payload) {
  CAMLparam1(payload);
  CAMLlocal1(block);
  block = caml_alloc_small(1, 1);
  Field(block, 0) = payload;
  CAMLreturn(block);
}

static value outcome_failed(keel_status_t code, const char* message) {
  CAMLparam0();
  CAMLlocal2(block, text);
  if (code <= KEEL_OK || code > KEEL_STATUS_LAST) code = KEEL_ERR_INTERNAL;
  text = caml_copy_string(message);
  block = caml_alloc_small(2, 0);
  Field(block, 0) = Val_int(code);
  Field(block, 1) = text;
  CAMLreturn(block);
}

static value outcome_of(keel_status_t status, const keel_error_t* err, value payload) {
  if (status == KEEL_OK) return outcome_done(payload);
  return outcome_failed(status, err->message[0] != '\0' ? err->message : keel_status_name(status));
}

/* A host call from a stub: the master lock is released around it when the
 * plugin links threads, since the host may call back into this plugin
 * (keel_ocaml_release_for_host). Its arguments are C data computed before:
 * nothing touches OCaml values in between. log and now are called directly
 * (the host's never call a plugin). */
#define KEEL_OCAML_HOST_CALL(status, call) \
  do {                                     \
    keel_ocaml_release_for_host();         \
    (status) = (call);                     \
    keel_ocaml_reacquire_after_host();     \
  } while (0)

/* Inside a stub, after its CAMLparam. */
#define KEEL_OCAML_REQUIRE_MEMBER(host, member)                                           \
  if (!KEEL_HAS_MEMBER(host, keel_host_t, member) || (host)->member == NULL) {             \
    CAMLreturn(outcome_failed(KEEL_ERR_UNSUPPORTED, "this host has no " #member));         \
  }

static value failed_out_of_memory(void) {
  return outcome_failed(KEEL_ERR_OUT_OF_MEMORY, "out of memory");
}

CAMLprim value keel_ocaml_host_log(value host_block, value level, value message) {
  const keel_host_t* host = host_of(host_block);
  if (KEEL_HAS_MEMBER(host, keel_host_t, log) && host->log != NULL) {
    char* text = strdup(String_val(message));
    if (text != NULL) {
      host->log(host, (int32_t)Long_val(level), text);
      free(text);
    }
  }
  return Val_unit;
}

CAMLprim value keel_ocaml_host_now(value host_block) {
  const keel_host_t* host = host_of(host_block);
  if (!KEEL_HAS_MEMBER(host, keel_host_t, now) || host->now == NULL) return Val_long(0);
  return Val_long(host->now(host));
}

CAMLprim value keel_ocaml_host_instrument_find(value host_block, value symbol) {
  CAMLparam2(host_block, symbol);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, instrument_find);
  char* text = strdup(String_val(symbol));
  if (text == NULL) CAMLreturn(failed_out_of_memory());
  keel_error_t err = {0, {0}};
  keel_instrument_id_t id = KEEL_NO_INSTRUMENT;
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->instrument_find(host, text, &id, &err));
  free(text);
  CAMLreturn(outcome_of(status, &err, Val_long(id)));
}

CAMLprim value keel_ocaml_host_instrument_get(value host_block, value id) {
  CAMLparam2(host_block, id);
  CAMLlocal3(record, field, payload);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, instrument_get);
  keel_error_t err = {0, {0}};
  keel_instrument_info_t info;
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  const keel_instrument_id_t wanted = (keel_instrument_id_t)Long_val(id);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->instrument_get(host, wanted, &info, &err));
  if (status != KEEL_OK) CAMLreturn(outcome_of(status, &err, Val_unit));
  if (info.kind < KEEL_INSTRUMENT_EQUITY || info.kind > KEEL_INSTRUMENT_OPTION) {
    CAMLreturn(outcome_failed(KEEL_ERR_INTERNAL, "host returned an unknown instrument kind"));
  }
  record = caml_alloc(11, 0);
  Store_field(record, 0, Val_long(info.id));
  field = caml_copy_string(info.symbol != NULL ? info.symbol : "");
  Store_field(record, 1, field);
  Store_field(record, 2, Val_int(info.kind));
  Store_field(record, 3, Val_int(info.right == KEEL_RIGHT_PUT ? 1 : 0));
  Store_field(record, 4, Val_int(info.exercise == KEEL_EXERCISE_AMERICAN ? 1 : 0));
  if (info.underlying == KEEL_NO_INSTRUMENT) {
    Store_field(record, 5, Val_none);
  } else {
    field = some(Val_long(info.underlying));
    Store_field(record, 5, field);
  }
  store_double(record, 6, info.strike);
  Store_field(record, 7, Val_long(info.expiry));
  store_double(record, 8, info.tick_size);
  store_double(record, 9, info.lot_size);
  store_double(record, 10, info.multiplier);
  CAMLreturn(outcome_done(record));
}

CAMLprim value keel_ocaml_host_order_submit(value host_block, value request) {
  CAMLparam2(host_block, request);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, order_submit);
  /* Keel.Types.order_request */
  keel_order_request_t r;
  memset(&r, 0, sizeof r);
  r.struct_size = sizeof r;
  r.instrument = (keel_instrument_id_t)Long_val(Field(request, 0));
  r.side = (int32_t)Int_val(Field(request, 1));
  r.type = (int32_t)Int_val(Field(request, 2));
  r.time_in_force = (int32_t)Int_val(Field(request, 3));
  r.quantity = Double_val(Field(request, 4));
  r.limit_price = Double_val(Field(request, 5));
  r.stop_price = Double_val(Field(request, 6));
  r.client_tag = (uint64_t)Long_val(Field(request, 7));
  keel_error_t err = {0, {0}};
  keel_order_handle_t order = {KEEL_NULL_HANDLE};
  ++span_actions;
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->order_submit(host, &r, &order, &err));
  CAMLreturn(outcome_of(status, &err, int_of_u64(order.bits)));
}

CAMLprim value keel_ocaml_host_order_cancel(value host_block, value order) {
  CAMLparam2(host_block, order);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, order_cancel);
  keel_error_t err = {0, {0}};
  const keel_order_handle_t handle = {(uint64_t)Long_val(order)};
  ++span_actions;
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->order_cancel(host, handle, &err));
  CAMLreturn(outcome_of(status, &err, Val_unit));
}

/* A record of six floats is stored flat (Double_array_tag). */
static value six_floats(double a, double b, double c, double d, double e, double f) {
  value block = caml_alloc(6 * Double_wosize, Double_array_tag);
  Store_double_field(block, 0, a);
  Store_double_field(block, 1, b);
  Store_double_field(block, 2, c);
  Store_double_field(block, 3, d);
  Store_double_field(block, 4, e);
  Store_double_field(block, 5, f);
  return block;
}

CAMLprim value keel_ocaml_host_position_get(value host_block, value instrument) {
  CAMLparam2(host_block, instrument);
  CAMLlocal1(record);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, position_get);
  keel_error_t err = {0, {0}};
  keel_position_t p;
  memset(&p, 0, sizeof p);
  const keel_instrument_id_t id = (keel_instrument_id_t)Long_val(instrument);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->position_get(host, id, &p, &err));
  if (status != KEEL_OK) CAMLreturn(outcome_of(status, &err, Val_unit));
  record = six_floats(p.quantity, p.average_price, p.realized_pnl, p.unrealized_pnl, p.fees,
                      p.mark_price);
  CAMLreturn(outcome_done(record));
}

CAMLprim value keel_ocaml_host_account_get(value host_block) {
  CAMLparam1(host_block);
  CAMLlocal1(record);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, account_get);
  keel_error_t err = {0, {0}};
  keel_account_t a;
  memset(&a, 0, sizeof a);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->account_get(host, &a, &err));
  if (status != KEEL_OK) CAMLreturn(outcome_of(status, &err, Val_unit));
  record = six_floats(a.cash, a.equity, a.realized_pnl, a.unrealized_pnl, a.fees, a.gross_notional);
  CAMLreturn(outcome_done(record));
}

CAMLprim value keel_ocaml_host_timer_set(value host_block, value at, value cookie) {
  CAMLparam3(host_block, at, cookie);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, timer_set);
  keel_error_t err = {0, {0}};
  keel_timer_handle_t timer = {KEEL_NULL_HANDLE};
  ++span_actions;
  const keel_timestamp_t when = (keel_timestamp_t)Long_val(at);
  const uint64_t tag = (uint64_t)Long_val(cookie);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->timer_set(host, when, tag, &timer, &err));
  CAMLreturn(outcome_of(status, &err, int_of_u64(timer.bits)));
}

CAMLprim value keel_ocaml_host_timer_cancel(value host_block, value timer) {
  CAMLparam2(host_block, timer);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, timer_cancel);
  keel_error_t err = {0, {0}};
  const keel_timer_handle_t handle = {(uint64_t)Long_val(timer)};
  ++span_actions;
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->timer_cancel(host, handle, &err));
  CAMLreturn(outcome_of(status, &err, Val_unit));
}

CAMLprim value keel_ocaml_host_model_lookup(value host_block, value name) {
  CAMLparam2(host_block, name);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, model_lookup);
  char* text = strdup(String_val(name));
  if (text == NULL) CAMLreturn(failed_out_of_memory());
  keel_error_t err = {0, {0}};
  keel_model_handle_t model = {KEEL_NULL_HANDLE};
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->model_lookup(host, text, &model, &err));
  free(text);
  CAMLreturn(outcome_of(status, &err, int_of_u64(model.bits)));
}

CAMLprim value keel_ocaml_host_model_create(value host_block, value factory_id, value params) {
  CAMLparam3(host_block, factory_id, params);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, model_create);
  char* id = strdup(String_val(factory_id));
  char* json = strdup(String_val(params));
  keel_error_t err = {0, {0}};
  keel_model_handle_t model = {KEEL_NULL_HANDLE};
  keel_status_t status = KEEL_ERR_OUT_OF_MEMORY;
  if (id != NULL && json != NULL) {
    KEEL_OCAML_HOST_CALL(status, host->model_create(host, id, json, &model, &err));
  }
  free(id);
  free(json);
  if (status == KEEL_ERR_OUT_OF_MEMORY && err.message[0] == '\0') CAMLreturn(failed_out_of_memory());
  CAMLreturn(outcome_of(status, &err, int_of_u64(model.bits)));
}

CAMLprim value keel_ocaml_host_model_drop(value host_block, value model) {
  CAMLparam2(host_block, model);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, model_drop);
  keel_error_t err = {0, {0}};
  const keel_model_handle_t handle = {(uint64_t)Long_val(model)};
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->model_drop(host, handle, &err));
  CAMLreturn(outcome_of(status, &err, Val_unit));
}

/* Keel.Types.option_spec: six boxed floats, then right and exercise. */
static keel_option_t option_of(value spec) {
  keel_option_t o;
  o.spot = Double_val(Field(spec, 0));
  o.strike = Double_val(Field(spec, 1));
  o.expiry = Double_val(Field(spec, 2));
  o.vol = Double_val(Field(spec, 3));
  o.rate = Double_val(Field(spec, 4));
  o.dividend = Double_val(Field(spec, 5));
  o.right = (int32_t)Int_val(Field(spec, 6));
  o.exercise = (int32_t)Int_val(Field(spec, 7));
  return o;
}

CAMLprim value keel_ocaml_host_model_price(value host_block, value model, value spec) {
  CAMLparam3(host_block, model, spec);
  CAMLlocal1(record);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, model_price);
  const keel_option_t option = option_of(spec);
  const keel_model_handle_t handle = {(uint64_t)Long_val(model)};
  keel_error_t err = {0, {0}};
  keel_greeks_t g;
  memset(&g, 0, sizeof g);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status, host->model_price(host, handle, &option, &g, &err));
  if (status != KEEL_OK) CAMLreturn(outcome_of(status, &err, Val_unit));
  record = six_floats(g.price, g.delta, g.gamma, g.vega, g.theta, g.rho);
  CAMLreturn(outcome_done(record));
}

CAMLprim value keel_ocaml_host_model_implied_vol(value host_block, value model, value spec,
                                                 value premium) {
  CAMLparam4(host_block, model, spec, premium);
  CAMLlocal1(vol);
  const keel_host_t* host = host_of(host_block);
  KEEL_OCAML_REQUIRE_MEMBER(host, model_implied_vol);
  const keel_option_t option = option_of(spec);
  const keel_model_handle_t handle = {(uint64_t)Long_val(model)};
  keel_error_t err = {0, {0}};
  double result = 0;
  const double target = Double_val(premium);
  keel_status_t status;
  KEEL_OCAML_HOST_CALL(status,
                       host->model_implied_vol(host, handle, &option, target, &result, &err));
  if (status != KEEL_OK) CAMLreturn(outcome_of(status, &err, Val_unit));
  vol = caml_copy_double(result);
  CAMLreturn(outcome_done(vol));
}
