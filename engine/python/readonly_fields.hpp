// engine/python/readonly_fields.hpp — read-only attributes of the event
// classes (keel.Quote, Trade, Bar, Fill) that read the C struct directly.
//
// pybind11's def_readonly makes a property whose getter is a bound C++
// function: every `quote.bid` goes through pybind11's dispatcher (argument
// loading, overload resolution, a return-value cast), about as much as the
// rest of a no-op callback. A field read here is a CPython getset
// descriptor: one pointer into the instance and a PyFloat/PyLong, as a
// built-in type's member would be. What Python sees is the same: a
// read-only attribute of the same value and type (int or float).
#pragma once

#include <pybind11/pybind11.h>

#include <type_traits>

namespace keel::python {

namespace detail {

template <class M>
struct member_of;
template <class C, class F>
struct member_of<F C::*> {
  using object = C;
  using field = F;
};

// The getter of the field `Member` of a pybind11 instance of its struct.
// Python has checked that `self` is an instance of the class (or a
// subclass) the descriptor was made for, so its C++ value is that struct.
template <auto Member>
PyObject* get_field(PyObject* self, void* /*closure*/) {
  using Field = typename member_of<decltype(Member)>::field;
  using Object = typename member_of<decltype(Member)>::object;
  auto* inst = reinterpret_cast<pybind11::detail::instance*>(self);
  const void* value =
      inst->simple_layout ? inst->simple_value_holder[0] : inst->get_value_and_holder().value_ptr();
  if (value == nullptr) {
    PyErr_SetString(PyExc_AttributeError, "this keel object holds no value");
    return nullptr;
  }
  const Field field = static_cast<const Object*>(value)->*Member;
  if constexpr (std::is_floating_point_v<Field>) {
    return PyFloat_FromDouble(field);
  } else if constexpr (std::is_signed_v<Field>) {
    return PyLong_FromLongLong(field);
  } else {
    return PyLong_FromUnsignedLongLong(field);
  }
}

}  // namespace detail

// Adds the read-only attribute `name` reading the arithmetic field `Member`
// of the class's struct (instead of def_readonly). `name` must outlive the
// process: a string literal.
template <auto Member, class T>
void readonly_field(pybind11::class_<T>& cls, const char* name) {
  static_assert(std::is_arithmetic_v<typename detail::member_of<decltype(Member)>::field>);
  static PyGetSetDef def{name, &detail::get_field<Member>, nullptr, nullptr, nullptr};
  PyObject* descriptor = PyDescr_NewGetSet(reinterpret_cast<PyTypeObject*>(cls.ptr()), &def);
  if (descriptor == nullptr) throw pybind11::error_already_set();
  cls.attr(name) = pybind11::reinterpret_steal<pybind11::object>(descriptor);
}

}  // namespace keel::python
