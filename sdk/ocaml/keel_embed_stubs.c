/* keel_embed_stubs.c — the C stubs of Keel_embed (keel_embed.ml): an OCaml
 * program calling libkeel's embedding API (keel/embed.h).
 *
 * Not part of the plugin glue (keel_ocaml_*.c): a program links these with
 * libkeel, a plugin never does.
 *
 * Each stub answers Ok payload or Error (code, name, message) and never
 * raises (raising from C would unwind C frames in a way AddressSanitizer
 * cannot see): keel_embed.ml raises Keel_embed.Error.
 *
 * Lifetimes. A host is a custom block pointing to a refcounted ml_host; each
 * model block holds a reference too, so a model's finaliser never drops
 * through a closed, freed keel_embed_t: the keel_embed_t is closed by
 * Keel_embed.close or, when the last block referring to it is collected, by
 * the GC. Everything here runs with the OCaml runtime lock held, so the
 * counters need no atomics, except inside the blocking section of a large
 * batch, which touches no OCaml value and no counter. */
#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/bigarray.h>
#include <caml/custom.h>
#include <caml/fail.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/signals.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keel/embed.h"

/* Batches of this many options or more release the runtime lock. Below it,
 * releasing and retaking the lock costs more than it frees. */
#define ML_BLOCKING_THRESHOLD 4096

typedef struct ml_host {
  keel_embed_t* keel; /* NULL once closed */
  intptr_t refs;      /* the host block + one per model block */
  intptr_t busy;      /* calls running with the runtime lock released */
} ml_host;

typedef struct ml_model {
  ml_host* host;
  keel_model_handle_t handle;
  int dropped;
} ml_model;

static void host_unref(ml_host* host) {
  if (--host->refs == 0) {
    if (host->keel != NULL) keel_embed_close(host->keel, NULL);
    free(host);
  }
}

static void host_finalize(value block) {
  ml_host* host = *(ml_host**)Data_custom_val(block);
  if (host != NULL) host_unref(host);
}

static void model_finalize(value block) {
  ml_model* model = *(ml_model**)Data_custom_val(block);
  if (model == NULL) return;
  if (!model->dropped && model->host->keel != NULL) {
    keel_embed_model_drop(model->host->keel, model->handle, NULL);
  }
  host_unref(model->host);
  free(model);
}

static struct custom_operations host_ops = {
    "keel.embed.host/1",        host_finalize,
    custom_compare_default,     custom_hash_default,
    custom_serialize_default,   custom_deserialize_default,
    custom_compare_ext_default, custom_fixed_length_default};

static struct custom_operations model_ops = {
    "keel.embed.model/1",       model_finalize,
    custom_compare_default,     custom_hash_default,
    custom_serialize_default,   custom_deserialize_default,
    custom_compare_ext_default, custom_fixed_length_default};

#define Host_val(v) (*(ml_host**)Data_custom_val(v))
#define Model_val(v) (*(ml_model**)Data_custom_val(v))

/* Ok payload (tag 0) and Error (code, name, message) (tag 1), as Stdlib.result. */
static value result_ok(value payload) {
  CAMLparam1(payload);
  CAMLlocal1(block);
  block = caml_alloc_small(1, 0);
  Field(block, 0) = payload;
  CAMLreturn(block);
}

static value result_error(keel_status_t code, const char* message) {
  CAMLparam0();
  CAMLlocal4(block, triple, name, text);
  if (code <= KEEL_OK || code > KEEL_STATUS_LAST) code = KEEL_ERR_INTERNAL;
  name = caml_copy_string(keel_status_name(code));
  text = caml_copy_string(message != NULL && message[0] != '\0' ? message : keel_status_name(code));
  triple = caml_alloc_small(3, 0);
  Field(triple, 0) = Val_int(code);
  Field(triple, 1) = name;
  Field(triple, 2) = text;
  block = caml_alloc_small(1, 1);
  Field(block, 0) = triple;
  CAMLreturn(block);
}

static value result_of(keel_status_t status, const keel_error_t* err, value payload) {
  if (status == KEEL_OK) return result_ok(payload);
  return result_error(status, err->message);
}

static value error_closed(void) {
  return result_error(KEEL_ERR_STALE_HANDLE,
                      "Keel_embed: the host was closed (Keel_embed.close): open another");
}

static void error_init(keel_error_t* err) {
  err->code = KEEL_OK;
  err->message[0] = '\0';
}

CAMLprim value keel_embed_ml_blocking_threshold(value unit) {
  (void)unit;
  return Val_int(ML_BLOCKING_THRESHOLD);
}

CAMLprim value keel_embed_ml_open(value plugin_path, value no_default_path) {
  CAMLparam2(plugin_path, no_default_path);
  CAMLlocal1(block);
  keel_embed_options_t options;
  memset(&options, 0, sizeof options);
  options.struct_size = sizeof options;
  options.flags = Bool_val(no_default_path) ? KEEL_EMBED_NO_DEFAULT_PATH : 0;
  /* Keel copies the path before returning: the OCaml string may stay where it is. */
  options.plugin_path = Is_block(plugin_path) ? String_val(Field(plugin_path, 0)) : NULL;
  ml_host* host = malloc(sizeof *host);
  if (host == NULL) CAMLreturn(result_error(KEEL_ERR_OUT_OF_MEMORY, "out of memory"));
  keel_error_t err;
  error_init(&err);
  keel_embed_t* keel = NULL;
  keel_status_t status = keel_embed_open(&options, &keel, &err);
  if (status != KEEL_OK) {
    free(host);
    CAMLreturn(result_error(status, err.message));
  }
  host->keel = keel;
  host->refs = 1;
  host->busy = 0;
  block = caml_alloc_custom(&host_ops, sizeof(ml_host*), 0, 1);
  Host_val(block) = host;
  CAMLreturn(result_ok(block));
}

CAMLprim value keel_embed_ml_close(value host_block) {
  CAMLparam1(host_block);
  ml_host* host = Host_val(host_block);
  if (host->keel == NULL) CAMLreturn(result_ok(Val_unit));
  if (host->busy > 0) {
    CAMLreturn(result_error(KEEL_ERR_INVALID_ARGUMENT,
                            "Keel_embed.close: a batch is still running on this host in another "
                            "thread; close it when every call has returned"));
  }
  keel_error_t err;
  error_init(&err);
  keel_status_t status = keel_embed_close(host->keel, &err);
  host->keel = NULL; /* closed whatever the status: models left open were dropped */
  CAMLreturn(result_of(status, &err, Val_unit));
}

CAMLprim value keel_embed_ml_load(value host_block, value path) {
  CAMLparam2(host_block, path);
  ml_host* host = Host_val(host_block);
  if (host->keel == NULL) CAMLreturn(error_closed());
  keel_error_t err;
  error_init(&err);
  keel_status_t status = keel_embed_load(host->keel, String_val(path), &err);
  CAMLreturn(result_of(status, &err, Val_unit));
}

CAMLprim value keel_embed_ml_model(value host_block, value id, value params) {
  CAMLparam3(host_block, id, params);
  CAMLlocal1(block);
  ml_host* host = Host_val(host_block);
  if (host->keel == NULL) CAMLreturn(error_closed());
  ml_model* model = malloc(sizeof *model);
  if (model == NULL) CAMLreturn(result_error(KEEL_ERR_OUT_OF_MEMORY, "out of memory"));
  keel_error_t err;
  error_init(&err);
  keel_model_handle_t handle = {0};
  keel_status_t status =
      keel_embed_model_create(host->keel, String_val(id), String_val(params), &handle, &err);
  if (status != KEEL_OK) {
    free(model);
    CAMLreturn(result_error(status, err.message));
  }
  model->host = host;
  model->handle = handle;
  model->dropped = 0;
  host->refs++;
  /* Nothing allocated between create and here can fail without the block:
   * caml_alloc_custom raises Out_of_memory only, after which the handle is
   * dropped by keel_embed_close. */
  block = caml_alloc_custom(&model_ops, sizeof(ml_model*), 0, 1);
  Model_val(block) = model;
  CAMLreturn(result_ok(block));
}

/* The model of a block, or NULL when it was dropped or its host closed. */
static ml_model* live_model(value block) {
  ml_model* model = Model_val(block);
  return (model->dropped || model->host->keel == NULL) ? NULL : model;
}

static value error_dropped(value block) {
  return Model_val(block)->dropped
             ? result_error(KEEL_ERR_STALE_HANDLE,
                            "Keel_embed: this model was dropped already (Keel_embed.drop)")
             : error_closed();
}

CAMLprim value keel_embed_ml_drop(value model_block) {
  CAMLparam1(model_block);
  ml_model* model = live_model(model_block);
  if (model == NULL) CAMLreturn(error_dropped(model_block));
  keel_error_t err;
  error_init(&err);
  keel_status_t status = keel_embed_model_drop(model->host->keel, model->handle, &err);
  model->dropped = 1; /* a failed drop is not retried by the finaliser */
  CAMLreturn(result_of(status, &err, Val_unit));
}

CAMLprim value keel_embed_ml_factory(value model_block) {
  CAMLparam1(model_block);
  ml_model* model = live_model(model_block);
  if (model == NULL) CAMLreturn(error_dropped(model_block));
  keel_error_t err;
  error_init(&err);
  const char* id = NULL;
  keel_status_t status = keel_embed_model_factory(model->host->keel, model->handle, &id, &err);
  if (status != KEEL_OK) CAMLreturn(result_error(status, err.message));
  CAMLreturn(result_ok(caml_copy_string(id)));
}

/* Keel_embed.option_spec: six boxed floats, then right and exercise as
 * constant constructors (their order is keel's numbering). */
static void option_of(value v, keel_option_t* option) {
  option->spot = Double_val(Field(v, 0));
  option->strike = Double_val(Field(v, 1));
  option->expiry = Double_val(Field(v, 2));
  option->vol = Double_val(Field(v, 3));
  option->rate = Double_val(Field(v, 4));
  option->dividend = Double_val(Field(v, 5));
  option->right = (int32_t)Long_val(Field(v, 6));
  option->exercise = (int32_t)Long_val(Field(v, 7));
}

CAMLprim value keel_embed_ml_price(value model_block, value option_value) {
  CAMLparam2(model_block, option_value);
  CAMLlocal1(greeks);
  ml_model* model = live_model(model_block);
  if (model == NULL) CAMLreturn(error_dropped(model_block));
  keel_option_t option;
  option_of(option_value, &option);
  keel_greeks_t out;
  keel_error_t err;
  error_init(&err);
  keel_status_t status =
      keel_embed_model_price(model->host->keel, model->handle, &option, &out, &err);
  if (status != KEEL_OK) CAMLreturn(result_error(status, err.message));
  /* Keel_embed.greeks is an all-float record: a flat float array. */
  greeks = caml_alloc_small(6 * Double_wosize, Double_array_tag);
  Store_double_flat_field(greeks, 0, out.price);
  Store_double_flat_field(greeks, 1, out.delta);
  Store_double_flat_field(greeks, 2, out.gamma);
  Store_double_flat_field(greeks, 3, out.vega);
  Store_double_flat_field(greeks, 4, out.theta);
  Store_double_flat_field(greeks, 5, out.rho);
  CAMLreturn(result_ok(greeks));
}

#define F64(v) ((double*)Caml_ba_data_val(v))
#define I32(v) ((int32_t*)Caml_ba_data_val(v))
#define I32_OPT(v) (Is_block(v) ? I32(Field(v, 0)) : NULL)

/* Keel_embed.batch, columns read in place; the lengths were checked by
 * keel_embed.ml against spot's. */
static void batch_of(value v, keel_option_batch_t* batch) {
  batch->count = (size_t)Caml_ba_array_val(Field(v, 0))->dim[0];
  batch->spot = F64(Field(v, 0));
  batch->strike = F64(Field(v, 1));
  batch->expiry = F64(Field(v, 2));
  batch->vol = F64(Field(v, 3));
  batch->rate = F64(Field(v, 4));
  batch->dividend = F64(Field(v, 5));
  batch->right = I32(Field(v, 6));
  batch->exercise = I32_OPT(Field(v, 7));
}

/* Bigarray data is outside the OCaml heap and never moves; the Bigarrays
 * themselves stay alive through the stub's CAMLparam roots while the lock is
 * released, and `busy` keeps Keel_embed.close from freeing the host. */
#define ML_MAYBE_BLOCKING(host, count, status, call) \
  do {                                               \
    if ((count) >= ML_BLOCKING_THRESHOLD) {          \
      (host)->busy++;                                \
      caml_enter_blocking_section();                 \
      (status) = (call);                             \
      caml_leave_blocking_section();                 \
      (host)->busy--;                                \
    } else {                                         \
      (status) = (call);                             \
    }                                                \
  } while (0)

CAMLprim value keel_embed_ml_price_batch(value model_block, value batch_value, value out_value) {
  CAMLparam3(model_block, batch_value, out_value);
  ml_model* model = live_model(model_block);
  if (model == NULL) CAMLreturn(error_dropped(model_block));
  keel_option_batch_t batch;
  batch_of(batch_value, &batch);
  keel_greeks_batch_t out;
  out.price = F64(Field(out_value, 0));
  out.delta = F64(Field(out_value, 1));
  out.gamma = F64(Field(out_value, 2));
  out.vega = F64(Field(out_value, 3));
  out.theta = F64(Field(out_value, 4));
  out.rho = F64(Field(out_value, 5));
  out.status = I32_OPT(Field(out_value, 6));
  keel_error_t err;
  error_init(&err);
  keel_status_t status;
  ML_MAYBE_BLOCKING(
      model->host, batch.count, status,
      keel_embed_model_price_batch(model->host->keel, model->handle, &batch, &out, &err));
  CAMLreturn(result_of(status, &err, Val_unit));
}

CAMLprim value keel_embed_ml_implied_vol(value model_block, value option_value, value premium) {
  CAMLparam3(model_block, option_value, premium);
  ml_model* model = live_model(model_block);
  if (model == NULL) CAMLreturn(error_dropped(model_block));
  keel_option_t option;
  option_of(option_value, &option);
  double vol = 0.0;
  keel_error_t err;
  error_init(&err);
  keel_status_t status = keel_embed_model_implied_vol(model->host->keel, model->handle, &option,
                                                      Double_val(premium), &vol, &err);
  if (status != KEEL_OK) CAMLreturn(result_error(status, err.message));
  CAMLreturn(result_ok(caml_copy_double(vol)));
}

CAMLprim value keel_embed_ml_implied_vol_batch(value model_block, value batch_value, value premiums,
                                               value vols, value status_opt) {
  CAMLparam5(model_block, batch_value, premiums, vols, status_opt);
  ml_model* model = live_model(model_block);
  if (model == NULL) CAMLreturn(error_dropped(model_block));
  keel_option_batch_t batch;
  batch_of(batch_value, &batch);
  const double* in = F64(premiums);
  double* out = F64(vols);
  keel_status_t* codes = I32_OPT(status_opt);
  keel_error_t err;
  error_init(&err);
  keel_status_t status;
  ML_MAYBE_BLOCKING(model->host, batch.count, status,
                    keel_embed_model_implied_vol_batch(model->host->keel, model->handle, &batch, in,
                                                       out, codes, &err));
  CAMLreturn(result_of(status, &err, Val_unit));
}

/* Copies a calibration report into Keel_embed.report:
 * { converged; iterations; parameters; residuals; rmse; message }. */
static value report_of(const keel_calibration_report_t* report) {
  CAMLparam0();
  CAMLlocal5(block, parameters, residuals, pair, cell);
  CAMLlocal2(name, number);
  parameters = Val_emptylist;
  for (size_t i = report->parameter_count; i > 0; --i) {
    const char* text = report->parameter_names != NULL && report->parameter_names[i - 1] != NULL
                           ? report->parameter_names[i - 1]
                           : "";
    name = caml_copy_string(text);
    number = caml_copy_double(report->parameters[i - 1]);
    pair = caml_alloc_tuple(2);
    Store_field(pair, 0, name);
    Store_field(pair, 1, number);
    cell = caml_alloc_small(2, 0);
    Field(cell, 0) = pair;
    Field(cell, 1) = parameters;
    parameters = cell;
  }
  residuals = caml_alloc_float_array(report->residual_count);
  for (size_t i = 0; i < report->residual_count; ++i) {
    Store_double_flat_field(residuals, i, report->residuals[i]);
  }
  name = caml_copy_string(report->message != NULL ? report->message : "");
  number = caml_copy_double(report->rmse);
  /* Store_field's argument is computed first: never allocate inside it. */
  block = caml_alloc_tuple(6);
  Store_field(block, 0, Val_bool(report->converged != 0));
  Store_field(block, 1, Val_long(report->iterations));
  Store_field(block, 2, parameters);
  Store_field(block, 3, residuals);
  Store_field(block, 4, number);
  Store_field(block, 5, name);
  CAMLreturn(block);
}

/* quotes: Keel_embed.quote array, each { option; premium; weight }. */
CAMLprim value keel_embed_ml_calibrate(value model_block, value quotes) {
  CAMLparam2(model_block, quotes);
  CAMLlocal1(report);
  ml_model* model = live_model(model_block);
  if (model == NULL) CAMLreturn(error_dropped(model_block));
  size_t count = Wosize_val(quotes);
  keel_calibration_quote_t* copied = calloc(count > 0 ? count : 1, sizeof *copied);
  if (copied == NULL) CAMLreturn(result_error(KEEL_ERR_OUT_OF_MEMORY, "out of memory"));
  for (size_t i = 0; i < count; ++i) {
    value quote = Field(quotes, i);
    option_of(Field(quote, 0), &copied[i].option);
    copied[i].premium = Double_val(Field(quote, 1));
    copied[i].weight = Double_val(Field(quote, 2));
  }
  keel_capsule_t capsule = keel_capsule_empty();
  keel_error_t err;
  error_init(&err);
  keel_status_t status =
      keel_embed_model_calibrate(model->host->keel, model->handle, copied, count, &capsule, &err);
  free(copied);
  if (status != KEEL_OK) {
    keel_capsule_release(&capsule);
    CAMLreturn(result_error(status, err.message));
  }
  status = keel_capsule_check(&capsule, KEEL_CAPSULE_TAG_CALIBRATION, &err);
  if (status == KEEL_OK && (capsule.len != 1 || capsule.data == NULL)) {
    status = keel_error_set(&err, KEEL_ERR_BAD_CAPSULE,
                            "calibration capsule holds %zu reports, expected 1", capsule.len);
  }
  if (status != KEEL_OK) {
    keel_capsule_release(&capsule);
    CAMLreturn(result_error(status, err.message));
  }
  /* Copied out, then released: the report holds no pointer into the
   * capsule. (Out_of_memory raised while copying would leak the capsule.) */
  report = report_of((const keel_calibration_report_t*)capsule.data);
  keel_capsule_release(&capsule);
  CAMLreturn(result_ok(report));
}
