// engine/python/embedded_package.cpp — the `keel` package inside the keel
// executable: keel._keel made in place (there is no extension file to load)
// and the package's Python files served from the copies the build embedded.
// A plain python3 gets the same package from disk instead (python/keel/,
// with the extension engine/library/extension.cpp builds).
#include <pybind11/embed.h>

#include "engine/python/bindings.hpp"

namespace keel::python {
namespace {

// A meta-path finder and loader for the embedded files: it answers for
// `keel` and its submodules only, ahead of sys.path, so a `keel` folder on
// PYTHONPATH cannot shadow the package this executable was built with.
constexpr const char* kFinder = R"PY(
import importlib.abc as _abc, importlib.util as _util, sys as _sys

class _EmbeddedKeel(_abc.MetaPathFinder, _abc.Loader):
    def __init__(self, sources):
        self.sources = sources  # module name -> (path, text)

    def find_spec(self, name, path=None, target=None):
        if name not in self.sources:
            return None
        return _util.spec_from_loader(name, self, origin=self.sources[name][0],
                                      is_package=(name == "keel"))

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        path, text = self.sources[module.__name__]
        module.__file__ = path
        exec(compile(text, path, "exec"), module.__dict__)

_sys.meta_path.insert(0, _EmbeddedKeel(sources))
)PY";

}  // namespace

void import_embedded_package() {
  static PyModuleDef def{};
  py::module_ native = py::module_::create_extension_module("keel._keel", nullptr, &def);
  define_keel_module(native);
  py::module_ sys = py::module_::import("sys");
  sys.attr("modules")["keel._keel"] = native;
  py::dict sources;
  for (size_t i = 0; i < kPackageSourceCount; ++i) {
    const PackageSource& s = kPackageSources[i];
    sources[py::str(s.module)] = py::make_tuple(s.path, s.text);
  }
  py::dict scope;
  scope["sources"] = sources;
  py::exec(kFinder, scope);
  py::module_::import("keel").attr("_keel") = native;
}

}  // namespace keel::python
