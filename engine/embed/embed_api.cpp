// engine/embed/embed_api.cpp — the C functions of keel/embed.h over
// EmbeddedHost. Nothing here throws across the C boundary: every function
// turns an exception into a status.
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <sstream>
#include <string>

#include "engine/embed/embedded_host.hpp"
#include "keel/embed.h"

// The opaque host.
struct keel_embed {
  std::unique_ptr<keel::EmbeddedHost> host;
};

namespace {

using keel::Result;
using keel::Status;

keel_status_t fail(keel_error_t* err, const Status& status) {
  return keel_error_set(err, status.code(), "%s", status.message().c_str());
}

// Runs `body`, turning what it throws into a status.
template <class Body>
keel_status_t guarded(keel_error_t* err, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return keel_error_set(err, KEEL_ERR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return keel_error_set(err, KEEL_ERR_INTERNAL, "keel: %s", e.what());
  } catch (...) {
    return keel_error_set(err, KEEL_ERR_INTERNAL, "keel: unknown exception");
  }
}

keel_status_t no_host(keel_error_t* err) {
  return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                        "the keel_embed_t is NULL: open one with keel_embed_open");
}

// The instance behind a handle, or the status saying why there is none.
Result<std::shared_ptr<keel::ModelInstance>> instance(keel_embed_t* keel,
                                                      keel_model_handle_t model) {
  return keel->host->model(model);
}

}  // namespace

extern "C" {

uint32_t keel_embed_version(void) {
  return (uint32_t{KEEL_EMBED_VERSION_MAJOR} << 16) | KEEL_EMBED_VERSION_MINOR;
}

keel_status_t keel_embed_open(const keel_embed_options_t* options, keel_embed_t** out_keel,
                              keel_error_t* err) {
  if (out_keel == nullptr) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "keel_embed_open: out_keel is NULL");
  }
  *out_keel = nullptr;
  return guarded(err, [&]() -> keel_status_t {
    keel::EmbedSettings settings;
    settings.installed = keel::plugins_installed_beside(reinterpret_cast<void*>(&keel_embed_open));
    if (options != nullptr) {
      constexpr size_t kMinSize = offsetof(keel_embed_options_t, plugin_path) + sizeof(void*);
      if (options->struct_size < kMinSize) {
        return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                              "keel_embed_open: options->struct_size is %u, smaller than the "
                              "1.0 struct (%zu): set it to sizeof(keel_embed_options_t)",
                              options->struct_size, kMinSize);
      }
      if ((options->flags & ~KEEL_EMBED_NO_DEFAULT_PATH) != 0) {
        return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                              "keel_embed_open: unknown flags 0x%x in options->flags",
                              options->flags & ~KEEL_EMBED_NO_DEFAULT_PATH);
      }
      settings.default_path = (options->flags & KEEL_EMBED_NO_DEFAULT_PATH) == 0;
      if (options->plugin_path != nullptr) {
        std::stringstream list(options->plugin_path);
        std::string folder;
        while (std::getline(list, folder, ':')) {
          if (!folder.empty()) settings.plugin_path.emplace_back(folder);
        }
      }
    }
    auto opened = std::make_unique<keel_embed>();
    opened->host = std::make_unique<keel::EmbeddedHost>(settings);
    *out_keel = opened.release();
    return KEEL_OK;
  });
}

keel_status_t keel_embed_close(keel_embed_t* keel, keel_error_t* err) {
  if (keel == nullptr) return KEEL_OK;
  std::unique_ptr<keel_embed> owned(keel);
  return guarded(err, [&]() -> keel_status_t {
    const std::vector<std::string> still_open = owned->host->close();
    if (still_open.empty()) return KEEL_OK;
    std::string names;
    for (const std::string& name : still_open) names += (names.empty() ? "" : ", ") + name;
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "keel_embed_close: %zu model(s) were still open and were dropped now "
                          "(%s): drop each model with keel_embed_model_drop",
                          still_open.size(), names.c_str());
  });
}

keel_status_t keel_embed_load(keel_embed_t* keel, const char* path, keel_error_t* err) {
  if (keel == nullptr) return no_host(err);
  if (path == nullptr || *path == '\0') {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "keel_embed_load: path is empty");
  }
  return guarded(err, [&]() -> keel_status_t {
    Status loaded = keel->host->load(path);
    return loaded ? KEEL_OK : fail(err, loaded);
  });
}

keel_status_t keel_embed_model_create(keel_embed_t* keel, const char* model,
                                      const char* params_json, keel_model_handle_t* out_model,
                                      keel_error_t* err) {
  if (keel == nullptr) return no_host(err);
  if (model == nullptr || out_model == nullptr) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "keel_embed_model_create: model and out_model are required");
  }
  return guarded(err, [&]() -> keel_status_t {
    Result<keel_model_handle_t> created =
        keel->host->create_model(model, params_json != nullptr ? params_json : "");
    if (!created) return fail(err, created.status());
    *out_model = *created;
    return KEEL_OK;
  });
}

keel_status_t keel_embed_model_drop(keel_embed_t* keel, keel_model_handle_t model,
                                    keel_error_t* err) {
  if (keel == nullptr) return no_host(err);
  return guarded(err, [&]() -> keel_status_t {
    Status dropped = keel->host->drop_model(model);
    return dropped ? KEEL_OK : fail(err, dropped);
  });
}

keel_status_t keel_embed_model_factory(keel_embed_t* keel, keel_model_handle_t model,
                                       const char** out_factory_id, keel_error_t* err) {
  if (keel == nullptr) return no_host(err);
  if (out_factory_id == nullptr) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "keel_embed_model_factory: out_factory_id is NULL");
  }
  return guarded(err, [&]() -> keel_status_t {
    auto found = instance(keel, model);
    if (!found) return fail(err, found.status());
    // The factory lives in the registry until the host closes.
    *out_factory_id = (*found)->factory().id.c_str();
    return KEEL_OK;
  });
}

keel_status_t keel_embed_model_price(keel_embed_t* keel, keel_model_handle_t model,
                                     const keel_option_t* option, keel_greeks_t* out,
                                     keel_error_t* err) {
  if (keel == nullptr) return no_host(err);
  if (option == nullptr || out == nullptr) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "keel_embed_model_price: option and out are required");
  }
  return guarded(err, [&]() -> keel_status_t {
    auto found = instance(keel, model);
    if (!found) return fail(err, found.status());
    Result<keel_greeks_t> priced = (*found)->price(*option);
    if (!priced) return fail(err, priced.status());
    *out = *priced;
    return KEEL_OK;
  });
}

keel_status_t keel_embed_model_price_batch(keel_embed_t* keel, keel_model_handle_t model,
                                           const keel_option_batch_t* options,
                                           const keel_greeks_batch_t* out, keel_error_t* err) {
  if (keel == nullptr) return no_host(err);
  if (options == nullptr || out == nullptr) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "keel_embed_model_price_batch: options and out are required");
  }
  return guarded(err, [&]() -> keel_status_t {
    auto found = instance(keel, model);
    if (!found) return fail(err, found.status());
    Status priced = (*found)->price_batch(*options, *out);
    return priced ? KEEL_OK : fail(err, priced);
  });
}

keel_status_t keel_embed_model_implied_vol(keel_embed_t* keel, keel_model_handle_t model,
                                           const keel_option_t* option, double premium,
                                           double* out_vol, keel_error_t* err) {
  if (keel == nullptr) return no_host(err);
  if (option == nullptr || out_vol == nullptr) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "keel_embed_model_implied_vol: option and out_vol are required");
  }
  return guarded(err, [&]() -> keel_status_t {
    auto found = instance(keel, model);
    if (!found) return fail(err, found.status());
    Result<double> vol = (*found)->implied_vol(*option, premium);
    if (!vol) return fail(err, vol.status());
    *out_vol = *vol;
    return KEEL_OK;
  });
}

keel_status_t keel_embed_model_implied_vol_batch(keel_embed_t* keel, keel_model_handle_t model,
                                                 const keel_option_batch_t* options,
                                                 const double* premiums, double* out_vols,
                                                 keel_status_t* out_status, keel_error_t* err) {
  if (keel == nullptr) return no_host(err);
  if (options == nullptr) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "keel_embed_model_implied_vol_batch: options is NULL");
  }
  return guarded(err, [&]() -> keel_status_t {
    auto found = instance(keel, model);
    if (!found) return fail(err, found.status());
    Status solved = (*found)->implied_vol_batch(*options, premiums, out_vols, out_status);
    return solved ? KEEL_OK : fail(err, solved);
  });
}

keel_status_t keel_embed_model_calibrate(keel_embed_t* keel, keel_model_handle_t model,
                                         const keel_calibration_quote_t* quotes, size_t count,
                                         keel_capsule_t* out_report, keel_error_t* err) {
  if (keel == nullptr) return no_host(err);
  if (out_report == nullptr || (quotes == nullptr && count != 0)) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "keel_embed_model_calibrate: out_report is NULL, or quotes is NULL "
                          "with count %zu",
                          count);
  }
  *out_report = keel_capsule_empty();
  return guarded(err, [&]() -> keel_status_t {
    auto found = instance(keel, model);
    if (!found) return fail(err, found.status());
    Result<keel::CalibrationReport> report = (*found)->calibrate(quotes, count);
    if (!report) return fail(err, report.status());
    *out_report = report->capsule.take();
    return KEEL_OK;
  });
}

}  // extern "C"
