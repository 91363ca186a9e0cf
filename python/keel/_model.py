"""keel.Model: a pricing model in any Python program, without a run.

    with keel.Model("keel.black_scholes") as m:
        greeks = m.price(options_df)        # DataFrame: price, delta, gamma, vega, theta, rho

Over keel._keel._Model (engine/library/model.cpp), which calls the embedding
API (keel/embed.h) with the GIL released. This file turns DataFrames, dicts
and scalars into the arrays keel reads in place: a float64 C-contiguous
column is passed as it is (no copy); only other dtypes, strided columns and
scalars (broadcast) are converted. The six outputs are the rows of one
(6, n) float64 array, and the returned DataFrame is its transpose, built
without a copy.
"""
import json as _json

from ._keel import AMERICAN, ERR_INVALID_ARGUMENT, EUROPEAN, PUT, CALL
from ._strategy import Error

__all__ = ["Model", "ModelError", "CalibrationReport"]

GREEKS = ("price", "delta", "gamma", "vega", "theta", "rho")
_RIGHTS = {"call": CALL, "put": PUT}
_EXERCISES = {"european": EUROPEAN, "american": AMERICAN}


class ModelError(Error):
    """A keel.Model could not be opened, or one of its calls failed. The
    message names the model (and, for a batch, the first failing item's
    index); `code` is the keel status (keel.ERR_*)."""


class CalibrationReport:
    """What Model.calibrate returns. `residuals` (model - market premium, one
    per quote) is a read-only view into the model's own report (a keel
    capsule, as a PyCapsule named "keel.calibration_report/1" at the end of
    its .base chain); the model frees the report when the last reference to
    it goes."""

    __slots__ = ("converged", "iterations", "parameters", "residuals", "rmse", "message",
                 "_capsule")

    def __init__(self, fields):
        self._capsule = fields["capsule"]
        self.converged = fields["converged"]
        self.iterations = fields["iterations"]
        self.parameters = dict(fields["parameters"])
        self.residuals = fields["residuals"]
        self.rmse = fields["rmse"]
        self.message = fields["message"]

    def __repr__(self):
        params = ", ".join(f"{k}={v:.6g}" for k, v in self.parameters.items())
        return (f"CalibrationReport(converged={self.converged}, iterations={self.iterations}, "
                f"parameters={{{params}}}, rmse={self.rmse:.3g})")


def _numpy():
    import numpy
    return numpy


class _Batch:
    """The columns of one call, as the arrays keel reads, and the index of
    the DataFrame they came from (or None)."""

    def __init__(self, name, options, kwargs, need_vol, extra=()):
        np = _numpy()
        self.index = None
        columns = {}
        if options is not None:
            if hasattr(options, "columns") and hasattr(options, "index"):  # a DataFrame
                self.index = options.index
                columns = {str(c): options[c] for c in options.columns}
            elif isinstance(options, dict):
                columns = dict(options)
            else:
                raise TypeError(f"{name}: options must be a DataFrame or a dict of columns, "
                                f"not {type(options).__name__}")
        for key, value in kwargs.items():
            if value is not None:
                columns[key] = value
        required = ["spot", "strike", "expiry"] + (["vol"] if need_vol else []) + ["rate"]
        needed = required + ["right"] + [e for e in extra if e != "weight"]
        missing = [c for c in needed if c not in columns]
        if missing:
            raise TypeError(f"{name}: missing column(s) {', '.join(missing)} (the columns of "
                            "`keel price --csv`: spot, strike, expiry, vol, rate, right; "
                            "dividend and exercise are optional)")
        self.n = self._length(name, columns)
        self.arrays = {}
        for key in required + ["dividend"] + list(extra):
            default = 1.0 if key == "weight" else 0.0
            self.arrays[key] = self._floats(name, key, columns.get(key, default))
        if not need_vol:
            self.arrays["vol"] = None
        self.arrays["right"] = self._codes(name, "right", columns["right"], _RIGHTS)
        exercise = columns.get("exercise")
        self.arrays["exercise"] = (None if exercise is None else
                                   self._codes(name, "exercise", exercise, _EXERCISES))

    @staticmethod
    def _length(name, columns):
        np = _numpy()
        n = None
        for key, value in columns.items():
            shape = np.shape(value)
            if len(shape) > 1:
                raise ValueError(f"{name}: column '{key}' has shape {shape}: expected 1-D")
            if len(shape) == 1:
                if n is not None and shape[0] != n:
                    raise ValueError(f"{name}: column '{key}' has {shape[0]} elements, "
                                     f"others have {n}")
                n = shape[0]
        return 1 if n is None else n

    def _floats(self, name, key, value):
        np = _numpy()
        if hasattr(value, "to_numpy"):  # a Series: its block row, in place when float64
            value = value.to_numpy()
        array = np.asarray(value)
        if array.ndim == 0:
            try:
                return np.full(self.n, float(array), dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"{name}: '{key}' must be numbers, not {array!r}") from None
        if array.dtype == np.float64 and array.flags.c_contiguous:
            return array
        if array.dtype.kind not in "fiub":
            raise TypeError(f"{name}: column '{key}' must be numbers, not dtype {array.dtype}")
        return np.ascontiguousarray(array, dtype=np.float64)

    def _codes(self, name, key, value, words):
        np = _numpy()
        if hasattr(value, "cat"):  # a categorical Series: map its categories once
            codes = self._words(np.asarray(value.cat.categories), words)
            positions = value.cat.codes.to_numpy()
            mapped = np.where(positions >= 0, codes[positions], -1).astype(np.int32)
            return self._checked(name, key, value, mapped, words)
        if hasattr(value, "to_numpy"):
            value = value.to_numpy()
        array = np.asarray(value)
        if array.ndim == 0:
            array = np.full(self.n, array.item() if array.dtype.kind != "U" else str(array))
        if array.dtype.kind in "OUS":
            return self._checked(name, key, array, self._words(array, words), words)
        if array.dtype.kind not in "iub":
            raise TypeError(f"{name}: column '{key}' must be {' or '.join(words)} or their "
                            f"int codes, not dtype {array.dtype}")
        if array.dtype == np.int32 and array.flags.c_contiguous:
            return array
        return np.ascontiguousarray(array, dtype=np.int32)

    @staticmethod
    def _words(array, words):
        """Each word's code, or -1 where it is none of them."""
        np = _numpy()
        lowered = np.char.lower(array.astype(str))
        mapped = np.full(len(array), -1, dtype=np.int32)
        for word, code in words.items():
            mapped[lowered == word] = code
        return mapped

    @staticmethod
    def _checked(name, key, original, mapped, words):
        np = _numpy()
        bad = np.flatnonzero(mapped < 0)
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name}: {key}[{i}] is {np.asarray(original)[i]!r}: expected "
                             f"{' or '.join(repr(w) for w in words)}")
        return mapped

    def args(self, *keys):
        return [self.arrays[k] for k in keys]


_OPTION_KEYS = ("spot", "strike", "expiry", "rate", "dividend", "right", "exercise")


class Model:
    """A pricing model opened by this program: by factory id
    ("keel.black_scholes"), plugin file ("./black76.so") or "FILE.so:ID", with
    its params (a dict, as in a run file). `plugin_path`: folders searched
    first (then KEEL_PLUGIN_PATH, then the plugins installed with keel).

    Use it in a `with` block or call close(): the model is dropped then (or
    when it is garbage-collected), and any later call raises ModelError."""

    def __init__(self, model, params=None, *, plugin_path=None):
        try:
            from ._keel import _Model
        except ImportError:
            raise ModelError("keel.Model needs the keel extension of a plain python3; inside "
                             "`keel run` a strategy prices with self.model(name)",
                             ERR_INVALID_ARGUMENT) from None
        self._name = str(model)
        if isinstance(plugin_path, (str, bytes)) or hasattr(plugin_path, "__fspath__"):
            plugin_path = [plugin_path]
        folders = [str(p) for p in (plugin_path or [])]
        self._impl = _Model(self._name, _json.dumps(params or {}), folders)
        if self._impl.failure is not None:
            code, message = self._impl.failure
            self._impl = None
            raise _error(self._name, code, message)

    @property
    def name(self):
        """How the model was named when opened."""
        return self._name

    @property
    def factory(self):
        """The factory id of the model ("keel.black_scholes")."""
        return self._live().factory

    @property
    def closed(self):
        return self._impl is None or self._impl.closed

    def close(self):
        """Drops the model (once; closing again does nothing)."""
        if self._impl is not None:
            code, message = self._impl.close()
            if code:
                raise _error(self._name, code, message)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = "closed" if self.closed else self._impl.factory
        return f"keel.Model({self._name!r}, {state})"

    def _live(self):
        if self.closed:
            raise ModelError(f"model '{self._name}' was closed: open a new keel.Model",
                             ERR_INVALID_ARGUMENT)
        return self._impl

    def _check(self, code, message):
        if code:
            raise _error(self._name, code, message)

    def price(self, options=None, *, errors="raise", out=None, **columns):
        """Prices a batch in one call. `options`: a DataFrame or dict with
        columns spot, strike, expiry, vol, rate, right ("call"/"put", a
        categorical of them, or 0/1), and optional dividend and exercise
        ("european"/"american" or 0/1); or give the columns as keywords.
        Scalars broadcast. Returns a DataFrame price, delta, gamma, vega,
        theta, rho (the input DataFrame's index).

        errors="raise": a failed item raises ModelError naming its index.
        errors="nan": failed items are NaN rows, and the frame has a `status`
        column (0, or the item's keel.ERR_* code).
        out: a (6, n) float64 C-contiguous array to fill (reuse it across
        calls to allocate nothing); the frame is a view of it."""
        np = _numpy()
        import pandas as pd
        impl = self._live()
        batch = _Batch("price", options, columns, need_vol=True)
        n = batch.n
        if out is None:
            out = np.empty((6, n), dtype=np.float64)
        elif out.shape != (6, n):
            raise ValueError(f"price: out has shape {out.shape}, expected (6, {n})")
        status = _status_array(errors, n)
        code, message = impl.price_batch(n, *batch.args("spot", "strike", "expiry", "vol", "rate",
                                                        "dividend", "right", "exercise"),
                                         out, status)
        if status is None:
            self._check(code, message)
        elif code and not status.any():  # failed as a whole, not per item
            self._check(code, message)
        index = batch.index if batch.index is not None else pd.RangeIndex(n)
        frame = pd.DataFrame(out.T, index=index, columns=_greek_columns(), copy=False)
        if status is not None:
            frame["status"] = status
        return frame

    def price_one(self, spot, strike, expiry, vol, rate=0.0, dividend=0.0, right="call",
                  exercise="european"):
        """Prices one option (keel's single-call path): a keel.Greeks."""
        impl = self._live()
        code, message, greeks = impl.price(
            float(spot), float(strike), float(expiry), float(vol), float(rate), float(dividend),
            _code("right", right, _RIGHTS), _code("exercise", exercise, _EXERCISES))
        self._check(code, message)
        return greeks

    def implied_vol(self, options=None, premiums=None, *, errors="raise", **columns):
        """The volatility at which the model's price is each premium: a
        Series (the DataFrame's index) or, for dict/keyword input, a numpy
        array. `vol` is not needed. errors as in price(): "nan" gives NaN for
        items with no solution."""
        np = _numpy()
        impl = self._live()
        if premiums is None and "premium" in columns:
            premiums = columns.pop("premium")
        if premiums is None:
            raise TypeError("implied_vol: premiums are required")
        batch = _Batch("implied_vol", options, dict(columns, premium=premiums), need_vol=False,
                       extra=("premium",))
        vols = np.empty(batch.n, dtype=np.float64)
        status = _status_array(errors, batch.n)
        code, message = impl.implied_vol_batch(batch.n, *batch.args(*_OPTION_KEYS),
                                               batch.arrays["premium"], vols, status)
        if status is None or (code and not status.any()):
            self._check(code, message)
        if batch.index is not None:
            import pandas as pd
            return pd.Series(vols, index=batch.index, name="implied_vol", copy=False)
        return vols

    def calibrate(self, quotes=None, **columns):
        """Fits the model to quotes: a DataFrame or dict with the option
        columns (no vol), `premium` and optional `weight` (default 1).
        Returns a keel.CalibrationReport."""
        impl = self._live()
        batch = _Batch("calibrate", quotes, columns, need_vol=False, extra=("premium", "weight"))
        code, message, report = impl.calibrate(batch.n, *batch.args(*_OPTION_KEYS),
                                               batch.arrays["premium"], batch.arrays["weight"])
        self._check(code, message)
        return CalibrationReport(report)


def _greek_columns():
    """The result's column Index, made once (pandas takes ~20 us to make one)."""
    global _GREEK_COLUMNS
    if _GREEK_COLUMNS is None:
        import pandas as pd
        _GREEK_COLUMNS = pd.Index(GREEKS)
    return _GREEK_COLUMNS


_GREEK_COLUMNS = None


def _error(name, code, message):
    """keel's messages name the model ("model 'keel.black_scholes': ..."); the
    rest get the name the program gave."""
    return ModelError(message if "model '" in message else f"model '{name}': {message}", code)


def _status_array(errors, n):
    if errors == "raise":
        return None
    if errors == "nan":
        return _numpy().zeros(n, dtype=_numpy().int32)
    raise ValueError(f"errors must be 'raise' or 'nan', not {errors!r}")


def _code(key, value, words):
    if isinstance(value, str):
        code = words.get(value.lower())
        if code is None:
            raise ValueError(f"{key} is {value!r}: expected {' or '.join(map(repr, words))}")
        return code
    return int(value)
