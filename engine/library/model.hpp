// engine/library/model.hpp — keel._keel._Model, the C++ half of keel.Model
// (python/keel/_model.py): a pricing model opened through keel/embed.h.
#pragma once

#include <pybind11/pybind11.h>

namespace keel::library {

void define_embedded_model(pybind11::module_& m);

}  // namespace keel::library
