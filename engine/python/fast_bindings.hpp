// engine/python/fast_bindings.hpp — bindings on keel's per-event paths made
// as CPython's own types make them, without pybind11's function dispatcher.
//
// pybind11's def_readonly, def_property_readonly and def make every `quote.bid` and every
// `_Context.submit(...)` go through its dispatcher: a function_call record,
// argument loaders tried for each overload, a return-value cast, a
// loader_life_support frame. On a per-event attribute that was about as much
// as the rest of a no-op callback. Here:
//   readonly_field   a getset descriptor reading one arithmetic field of
//                    the struct: a pointer into the instance and a
//                    PyFloat/PyLong, as a built-in type's member would be;
//   readonly_property  the same for a value a plain function computes;
//   fast_method      a METH_FASTCALL method descriptor: the arguments are
//                    loaded with pybind11's own type casters (the same
//                    conversions and refusals as before) straight from
//                    the vectorcall array.
// What Python sees is the same: the same names, values and types; fields
// stay read-only (AttributeError on assignment); a wrong argument is a
// TypeError; a keel error raised in the body propagates as itself.
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <exception>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace keel::python {

namespace detail {

// The C++ value of a pybind11 instance. Python has checked, before calling
// a descriptor of a class, that `self` is an instance of that class (or of
// a subclass), so the value is of the class's C++ type. Null when the
// instance holds no value.
inline void* instance_value(PyObject* self) {
  auto* inst = reinterpret_cast<pybind11::detail::instance*>(self);
  return inst->simple_layout ? inst->simple_value_holder[0]
                             : inst->get_value_and_holder().value_ptr();
}

template <class M>
struct member_of;
template <class C, class F>
struct member_of<F C::*> {
  using object = C;
  using field = F;
};

template <auto Member>
PyObject* get_field(PyObject* self, void* /*closure*/) {
  using Field = typename member_of<decltype(Member)>::field;
  using Object = typename member_of<decltype(Member)>::object;
  const void* value = instance_value(self);
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

// A Python object for a getter's value: int, float, bool or str.
template <class V>
PyObject* to_python(const V& v) {
  if constexpr (std::is_same_v<V, bool>) {
    return PyBool_FromLong(v ? 1 : 0);
  } else if constexpr (std::is_floating_point_v<V>) {
    return PyFloat_FromDouble(v);
  } else if constexpr (std::is_integral_v<V> && std::is_signed_v<V>) {
    return PyLong_FromLongLong(v);
  } else if constexpr (std::is_integral_v<V>) {
    return PyLong_FromUnsignedLongLong(v);
  } else {
    static_assert(std::is_same_v<V, std::string>, "int, float, bool or std::string");
    return PyUnicode_DecodeUTF8(v.data(), static_cast<Py_ssize_t>(v.size()), "replace");
  }
}

template <class T, class Get>
PyObject* get_computed(PyObject* self, void* /*closure*/) {
  const void* value = instance_value(self);
  if (value == nullptr) {
    PyErr_SetString(PyExc_AttributeError, "this keel object holds no value");
    return nullptr;
  }
  return to_python(Get{}(*static_cast<const T*>(value)));
}

template <auto Fn>
struct FastCall;

template <class R, class Self, class... Args, R (*Fn)(Self&, Args...)>
struct FastCall<Fn> {
  static inline const char* name = "";

  template <size_t... I>
  static PyObject* invoke(Self& self, PyObject* const* args, std::index_sequence<I...>) {
    std::tuple<pybind11::detail::make_caster<Args>...> casters;
    if (!(std::get<I>(casters).load(args[I], true) && ...)) {
      PyErr_Format(PyExc_TypeError, "%s(): incompatible arguments (expected %s)", name,
                   pybind11::detail::concat(pybind11::detail::make_caster<Args>::name...).text);
      return nullptr;
    }
    if constexpr (std::is_void_v<R>) {
      Fn(self, pybind11::detail::cast_op<Args>(std::get<I>(casters))...);
      Py_RETURN_NONE;
    } else {
      return pybind11::detail::make_caster<R>::cast(
                 Fn(self, pybind11::detail::cast_op<Args>(std::get<I>(casters))...),
                 pybind11::return_value_policy::move, nullptr)
          .ptr();
    }
  }

  static PyObject* call(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    constexpr Py_ssize_t expected = sizeof...(Args);
    if (nargs != expected) {
      PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", name, expected, nargs);
      return nullptr;
    }
    void* value = instance_value(self);
    if (value == nullptr) {
      PyErr_SetString(PyExc_TypeError, "this keel object holds no value");
      return nullptr;
    }
    // Nothing may unwind into CPython: every exception becomes a Python error.
    try {
      return invoke(*static_cast<Self*>(value), args, std::index_sequence_for<Args...>{});
    } catch (pybind11::error_already_set& e) {
      e.restore();
    } catch (pybind11::builtin_exception& e) {
      e.set_error();
    } catch (const std::exception& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (...) {
      PyErr_SetString(PyExc_RuntimeError, "unknown C++ exception");
    }
    return nullptr;
  }
};

inline void set_descriptor(pybind11::handle cls, const char* name, PyObject* descriptor) {
  if (descriptor == nullptr) throw pybind11::error_already_set();
  cls.attr(name) = pybind11::reinterpret_steal<pybind11::object>(descriptor);
}

}  // namespace detail

// Adds the read-only attribute `name` reading the arithmetic field `Member`
// of the class's struct (instead of def_readonly). `name` must outlive the
// process: a string literal.
template <auto Member, class T, class... Options>
void readonly_field(pybind11::class_<T, Options...>& cls, const char* name) {
  static_assert(std::is_arithmetic_v<typename detail::member_of<decltype(Member)>::field>);
  static PyGetSetDef def{name, &detail::get_field<Member>, nullptr, nullptr, nullptr};
  detail::set_descriptor(cls, name,
                         PyDescr_NewGetSet(reinterpret_cast<PyTypeObject*>(cls.ptr()), &def));
}

// Adds the read-only attribute `name` whose value is `get(value)`, a
// captureless lambda returning an int, float, bool or std::string (instead
// of def_property_readonly). `name` must outlive the process.
template <class T, class... Options, class Get>
void readonly_property(pybind11::class_<T, Options...>& cls, const char* name, Get /*get*/) {
  static_assert(std::is_empty_v<Get>, "a captureless lambda");
  static PyGetSetDef def{name, &detail::get_computed<T, Get>, nullptr, nullptr, nullptr};
  detail::set_descriptor(cls, name,
                         PyDescr_NewGetSet(reinterpret_cast<PyTypeObject*>(cls.ptr()), &def));
}

// Adds the method `name`, `Fn(self, args...)` with `self` the instance's
// C++ value (instead of def). Positional arguments only; `name` must
// outlive the process: a string literal.
template <auto Fn, class T, class... Options>
void fast_method(pybind11::class_<T, Options...>& cls, const char* name) {
  detail::FastCall<Fn>::name = name;
  static PyMethodDef def{
      name,
      reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&detail::FastCall<Fn>::call)),
      METH_FASTCALL, nullptr};
  detail::set_descriptor(cls, name,
                         PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), &def));
}

}  // namespace keel::python
