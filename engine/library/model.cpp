// engine/library/model.cpp — keel._keel._Model: a pricing model opened by a
// Python program through the embedding API (keel/embed.h), for keel.Model
// (python/keel/_model.py), which does the numpy/pandas work.
//
// Every method returns (code, message[, value]) instead of raising, so the
// Python class picks the exception (keel.ModelError) and names the model.
// Arrays cross in place: each input must already be a C-contiguous 1-D
// float64 (right, exercise: int32) array of the batch's length — _model.py
// converts what is not — and the outputs are the caller's arrays, written
// by the model with the GIL released. Nothing is allocated per option.
//
// Hosts: models opened without plugin_path share one process-wide
// keel_embed_t, opened on first use and closed when its last model (or
// calibration report) goes; a model with plugin_path gets a host of its own,
// so one model's folders never change where another looks.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/library/model.hpp"
#include "keel/embed.h"

namespace keel::library {
namespace {

namespace py = pybind11;

using EmbedPtr = std::shared_ptr<keel_embed_t>;

EmbedPtr open_host(const std::string& plugin_path, keel_error_t& err, keel_status_t& code) {
  keel_embed_options_t options{};
  options.struct_size = sizeof options;
  options.plugin_path = plugin_path.empty() ? nullptr : plugin_path.c_str();
  keel_embed_t* opened = nullptr;
  code = keel_embed_open(&options, &opened, &err);
  if (code != KEEL_OK) return nullptr;
  return EmbedPtr(opened, [](keel_embed_t* keel) {
    keel_error_t ignored{};
    (void)keel_embed_close(keel, &ignored);  // every model was dropped: KEEL_OK
  });
}

// The shared host, or a new one when the last holder let it go.
EmbedPtr shared_host(keel_error_t& err, keel_status_t& code) {
  static std::mutex mutex;
  static std::weak_ptr<keel_embed_t> shared;
  std::lock_guard lock(mutex);
  if (EmbedPtr host = shared.lock()) return host;
  EmbedPtr host = open_host("", err, code);
  if (host) shared = host;
  return host;
}

py::tuple status(keel_status_t code, const keel_error_t& err) {
  return py::make_tuple(static_cast<int>(code), code == KEEL_OK ? "" : err.message);
}

// A batch argument as the pointer keel reads or writes: checked, never
// converted (the Python side converts).
template <class T>
T* pointer(const py::object& value, size_t n, const char* name, bool writable) {
  if (!py::isinstance<py::array>(value)) {
    throw py::type_error(std::string(name) + ": expected a numpy array of " +
                         py::str(py::dtype::of<T>()).cast<std::string>());
  }
  auto array = py::reinterpret_borrow<py::array>(value);
  if (!array.dtype().equal(py::dtype::of<T>()) || !(array.flags() & py::array::c_style) ||
      static_cast<size_t>(array.size()) != n) {
    throw py::type_error(std::string(name) + ": expected a C-contiguous " +
                         py::str(py::dtype::of<T>()).cast<std::string>() + " array of " +
                         std::to_string(n) + " elements");
  }
  if (writable && !array.writeable()) {
    throw py::value_error(std::string(name) + ": the output array is read-only");
  }
  return static_cast<T*>(array.mutable_data());
}

template <class T>
T* optional_pointer(const py::object& value, size_t n, const char* name, bool writable) {
  return value.is_none() ? nullptr : pointer<T>(value, n, name, writable);
}

keel_option_batch_t option_batch(size_t n, const py::object& spot, const py::object& strike,
                                 const py::object& expiry, const py::object& vol,
                                 const py::object& rate, const py::object& dividend,
                                 const py::object& right, const py::object& exercise) {
  keel_option_batch_t batch{};
  batch.count = n;
  batch.spot = pointer<double>(spot, n, "spot", false);
  batch.strike = pointer<double>(strike, n, "strike", false);
  batch.expiry = pointer<double>(expiry, n, "expiry", false);
  batch.vol = optional_pointer<double>(vol, n, "vol", false);
  batch.rate = pointer<double>(rate, n, "rate", false);
  batch.dividend = pointer<double>(dividend, n, "dividend", false);
  batch.right = pointer<int32_t>(right, n, "right", false);
  batch.exercise = optional_pointer<int32_t>(exercise, n, "exercise", false);
  return batch;
}

// A calibration report's capsule as a PyCapsule of the same name (its tag)
// whose destructor releases it: rule 5. The tag is static storage in the
// plugin, which is never unloaded, so the name outlives the PyCapsule.
void release_capsule(PyObject* object) {
  auto* capsule =
      static_cast<keel_capsule_t*>(PyCapsule_GetPointer(object, PyCapsule_GetName(object)));
  if (capsule == nullptr) {
    PyErr_Clear();
    return;
  }
  keel_capsule_release(capsule);
  delete capsule;
}

py::object report_object(keel_capsule_t taken) {
  auto owned = std::make_unique<keel_capsule_t>(taken);
  PyObject* raw = PyCapsule_New(owned.get(), owned->tag, &release_capsule);
  if (raw == nullptr) {
    keel_capsule_release(owned.get());
    throw py::error_already_set();
  }
  owned.release();
  py::object capsule = py::reinterpret_steal<py::object>(raw);
  const auto* report = static_cast<const keel_calibration_report_t*>(
      static_cast<keel_capsule_t*>(PyCapsule_GetPointer(raw, PyCapsule_GetName(raw)))->data);
  py::dict out;
  out["capsule"] = capsule;
  out["converged"] = report->converged != 0;
  out["iterations"] = report->iterations;
  py::dict parameters;
  for (size_t i = 0; i < report->parameter_count; ++i) {
    parameters[py::str(report->parameter_names[i])] = report->parameters[i];
  }
  out["parameters"] = parameters;
  // A read-only view into the capsule's data, the capsule its base (numpy
  // wants a data pointer even for no elements).
  static const double kNone = 0.0;
  const double* data = report->residual_count != 0 ? report->residuals : &kNone;
  py::array_t<double> residuals(static_cast<py::ssize_t>(report->residual_count), data, capsule);
  residuals.attr("setflags")(py::arg("write") = false);
  out["residuals"] = residuals;
  out["rmse"] = report->rmse;
  out["message"] = report->message != nullptr ? report->message : "";
  return out;
}

class EmbeddedModel {
 public:
  // (code, message) of the failed open or create is in `failure` when the
  // model could not be made; the Python side raises with it.
  EmbeddedModel(const std::string& reference, const std::string& params_json,
                const std::vector<std::string>& plugin_path) {
    keel_error_t err{};
    keel_status_t code = KEEL_OK;
    std::string joined;
    for (const std::string& folder : plugin_path) joined += (joined.empty() ? "" : ":") + folder;
    host_ = joined.empty() ? shared_host(err, code) : open_host(joined, err, code);
    if (host_) {
      py::gil_scoped_release release;  // a plugin's load may take a while
      code = keel_embed_model_create(host_.get(), reference.c_str(), params_json.c_str(), &handle_,
                                     &err);
    }
    if (code != KEEL_OK) {
      failure_ = status(code, err);
      host_.reset();
      return;
    }
    const char* id = nullptr;
    if (keel_embed_model_factory(host_.get(), handle_, &id, &err) == KEEL_OK) factory_ = id;
    open_ = true;
  }
  ~EmbeddedModel() { (void)close(); }
  EmbeddedModel(const EmbeddedModel&) = delete;
  EmbeddedModel& operator=(const EmbeddedModel&) = delete;

  py::object failure() const { return failure_; }
  bool closed() const { return !open_; }
  const std::string& factory() const { return factory_; }

  // Drops the model once; later calls are no-ops returning (0, "").
  py::tuple close() {
    keel_error_t err{};
    keel_status_t code = KEEL_OK;
    if (open_) {
      open_ = false;
      code = keel_embed_model_drop(host_.get(), handle_, &err);
      host_.reset();
    }
    return status(code, err);
  }

  py::tuple price_batch(size_t n, const py::object& spot, const py::object& strike,
                        const py::object& expiry, const py::object& vol, const py::object& rate,
                        const py::object& dividend, const py::object& right,
                        const py::object& exercise, const py::object& out,
                        const py::object& item_status) {
    const EmbedPtr host = live();
    const keel_option_batch_t batch =
        option_batch(n, spot, strike, expiry, vol, rate, dividend, right, exercise);
    if (batch.vol == nullptr) throw py::type_error("vol: required for pricing");
    double* rows = pointer<double>(out, 6 * n, "out", true);
    keel_greeks_batch_t greeks{rows,         rows + n,     rows + 2 * n, rows + 3 * n,
                               rows + 4 * n, rows + 5 * n, nullptr};
    greeks.status = optional_pointer<keel_status_t>(item_status, n, "status", true);
    keel_error_t err{};
    keel_status_t code;
    {
      py::gil_scoped_release release;  // the arrays are held by the caller's frame
      code = keel_embed_model_price_batch(host.get(), handle_, &batch, &greeks, &err);
    }
    return status(code, err);
  }

  py::tuple price(double spot, double strike, double expiry, double vol, double rate,
                  double dividend, int32_t right, int32_t exercise) {
    const EmbedPtr host = live();
    const keel_option_t option{spot, strike, expiry, vol, rate, dividend, right, exercise};
    keel_greeks_t greeks{};
    keel_error_t err{};
    const keel_status_t code = keel_embed_model_price(host.get(), handle_, &option, &greeks, &err);
    return py::make_tuple(static_cast<int>(code), code == KEEL_OK ? "" : err.message,
                          py::cast(greeks));
  }

  py::tuple implied_vol_batch(size_t n, const py::object& spot, const py::object& strike,
                              const py::object& expiry, const py::object& rate,
                              const py::object& dividend, const py::object& right,
                              const py::object& exercise, const py::object& premium,
                              const py::object& out, const py::object& item_status) {
    const EmbedPtr host = live();
    const keel_option_batch_t batch =
        option_batch(n, spot, strike, expiry, py::none(), rate, dividend, right, exercise);
    const double* premiums = pointer<double>(premium, n, "premium", false);
    double* vols = pointer<double>(out, n, "out", true);
    keel_status_t* statuses = optional_pointer<keel_status_t>(item_status, n, "status", true);
    keel_error_t err{};
    keel_status_t code;
    {
      py::gil_scoped_release release;
      code = keel_embed_model_implied_vol_batch(host.get(), handle_, &batch, premiums, vols,
                                                statuses, &err);
    }
    return status(code, err);
  }

  // (code, message, report dict or None).
  py::tuple calibrate(size_t n, const py::object& spot, const py::object& strike,
                      const py::object& expiry, const py::object& rate, const py::object& dividend,
                      const py::object& right, const py::object& exercise,
                      const py::object& premium, const py::object& weight) {
    const EmbedPtr host = live();
    const keel_option_batch_t batch =
        option_batch(n, spot, strike, expiry, py::none(), rate, dividend, right, exercise);
    const double* premiums = pointer<double>(premium, n, "premium", false);
    const double* weights = pointer<double>(weight, n, "weight", false);
    // The quotes are an array of structs (keel_calibration_quote_t): built
    // here, once per calibration.
    std::vector<keel_calibration_quote_t> quotes(n);
    for (size_t i = 0; i < n; ++i) {
      quotes[i].option = keel_option_t{
          batch.spot[i],   batch.strike[i],
          batch.expiry[i], 0.0,
          batch.rate[i],   batch.dividend[i],
          batch.right[i],  batch.exercise != nullptr ? batch.exercise[i] : KEEL_EXERCISE_EUROPEAN};
      quotes[i].premium = premiums[i];
      quotes[i].weight = weights[i];
    }
    keel_capsule_t report = keel_capsule_empty();
    keel_error_t err{};
    keel_status_t code;
    {
      py::gil_scoped_release release;
      code = keel_embed_model_calibrate(host.get(), handle_, quotes.data(), n, &report, &err);
    }
    if (code != KEEL_OK) return py::make_tuple(static_cast<int>(code), err.message, py::none());
    if (keel_capsule_check(&report, KEEL_CAPSULE_TAG_CALIBRATION, &err) != KEEL_OK ||
        report.len != 1) {
      keel_capsule_release(&report);
      return py::make_tuple(static_cast<int>(KEEL_ERR_BAD_CAPSULE),
                            report.len != 1 && err.message[0] == '\0'
                                ? "the calibration capsule does not hold one report"
                                : err.message,
                            py::none());
    }
    return py::make_tuple(0, "", report_object(report));
  }

 private:
  // The host, held for the call: a close() from another thread meanwhile
  // drops the model (after this call returns) but cannot close the host.
  EmbedPtr live() const {
    if (!open_) throw py::value_error("the model was closed");  // _model.py checks first
    return host_;
  }

  EmbedPtr host_;
  keel_model_handle_t handle_{KEEL_NULL_HANDLE};
  std::string factory_;
  bool open_ = false;
  py::object failure_ = py::none();
};

}  // namespace

void define_embedded_model(py::module_& m) {
  py::class_<EmbeddedModel>(m, "_Model")
      .def(py::init<const std::string&, const std::string&, const std::vector<std::string>&>(),
           py::arg("reference"), py::arg("params_json"), py::arg("plugin_path"))
      .def_property_readonly("failure", &EmbeddedModel::failure)
      .def_property_readonly("closed", &EmbeddedModel::closed)
      .def_property_readonly("factory", &EmbeddedModel::factory)
      .def("close", &EmbeddedModel::close)
      .def("price", &EmbeddedModel::price)
      .def("price_batch", &EmbeddedModel::price_batch)
      .def("implied_vol_batch", &EmbeddedModel::implied_vol_batch)
      .def("calibrate", &EmbeddedModel::calibrate);
}

}  // namespace keel::library
