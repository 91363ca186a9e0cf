"""keel: a plugin-based trading engine, as a Python library.

    import keel
    result = keel.run("config/examples/demo.json")   # or a dict of the run-file schema
    result.fills.head()                               # pandas DataFrames

and the API Python strategies use (keel.Strategy and its events). The same
package is imported by a plain python3 (with the extension keel/_keel*.so)
and by the strategies of `keel run` (which embeds it). __init__.pyi holds the
whole API with its documentation.
"""
try:
    from ._keel import *  # noqa: F401,F403  (constants, event types, Model, dtypes)
except ImportError as _error:  # most often: another python3 than the one keel was built for
    import pathlib as _pathlib
    import sys as _sys
    _built = sorted(p.name for p in _pathlib.Path(__file__).parent.glob("_keel*.so"))
    raise ImportError(
        f"keel's extension module does not load in this Python ({_sys.executable}, "
        f"{_sys.version.split()[0]}): {_error}. The package holds {', '.join(_built) or 'none'}; "
        "run it with the python3 keel was built for (Debian's /usr/bin/python3, see "
        "docs/python-library.md)") from _error
from ._keel import _Context  # noqa: F401
from ._strategy import (Error, OrderRejected, ParamError, Start, Strategy,  # noqa: F401
                        WrongThreadError)
from ._run import ConfigError, Result, RunError, StrategyError, run  # noqa: F401
from ._sweep import SweepError, SweepResult, sweep  # noqa: F401
# The model a strategy reaches with self.model(name) is keel.RunModel; keel.Model
# is a model this program opens itself (keel/embed.h).
RunModel = Model  # noqa: F405
from ._model import CalibrationReport, Model, ModelError  # noqa: F401,E402

__version__ = VERSION  # noqa: F405
