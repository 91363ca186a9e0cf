"""The sweep file (config/sweep.schema.json, docs/sweeps.md), read and
checked, and its points: the values of each parameter (a list, a range, a
seeded random sample), the cartesian product of them, and a point's run
document. Errors are (JSON pointer into the sweep file, message), all at
once, raised as keel.ConfigError."""
import dataclasses as _dataclasses
import datetime as _datetime
import decimal as _decimal
import json as _json
import math as _math
import os as _os
import pathlib as _pathlib
import random as _random
import re as _re

from ._run import ConfigError

METRICS = ("final_equity", "total_return", "sharpe", "max_drawdown", "total_fees", "num_fills",
           "num_orders", "events")
_MIN_BY_DEFAULT = ("max_drawdown", "total_fees")
MAX_POINTS = 1_000_000


# ---- the sweep file ------------------------------------------------------------------------

def _token(key):
    return str(key).replace("~", "~0").replace("/", "~1")


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _decimals(value):
    exponent = _decimal.Decimal(repr(value)).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _expand_range(spec, where, errors):
    if not (isinstance(spec, list) and len(spec) == 3 and all(_is_number(v) for v in spec)):
        errors.append((where, "expected [start, stop, step], three numbers"))
        return None
    start, stop, step = spec
    if not all(_math.isfinite(v) for v in spec):
        errors.append((where, "expected finite numbers"))
        return None
    if step == 0 or (stop - start) * step < 0:
        errors.append((where + "/2", f"a step of {step!r} never goes from {start!r} to {stop!r}"))
        return None
    count = int(_math.floor((stop - start) / step + 1e-9)) + 1
    if count > MAX_POINTS:
        errors.append((where, f"{count:,} values; a sweep may have at most {MAX_POINTS:,} points"))
        return None
    if all(isinstance(v, int) for v in spec):
        return [start + i * step for i in range(count)]
    # Floats: rounded to the decimals of start and step, so 0.1 steps give
    # 0.3, not 0.30000000000000004.
    places = max(_decimals(float(start)), _decimals(float(step)))
    return [round(start + i * step, places) for i in range(count)]


_DRAWS = ("uniform", "log_uniform", "int", "choice")


def _expand_random(spec, where, errors):
    if not isinstance(spec, dict):
        errors.append((where, 'expected {"n": N, "seed": S, and one of ' +
                       ", ".join(f'"{d}"' for d in _DRAWS) + "}"))
        return None
    before = len(errors)
    for key in spec:
        if key not in ("n", "seed") + _DRAWS:
            errors.append((f"{where}/{_token(key)}", f"unknown key '{key}' (expected n, seed, "
                           "and one of " + ", ".join(_DRAWS) + ")"))
    n, seed = spec.get("n"), spec.get("seed")
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_POINTS:
        errors.append((where + "/n", f"expected the number of values, 1..{MAX_POINTS:,}"))
    if not isinstance(seed, int) or isinstance(seed, bool):
        errors.append((where + "/seed", "expected an integer seed (the same seed, the same values)"))
    draws = [d for d in _DRAWS if d in spec]
    if len(draws) != 1:
        errors.append((where, "expected exactly one of " + ", ".join(_DRAWS) +
                       (f", got {', '.join(draws)}" if draws else "")))
        return None
    draw = draws[0]
    bounds, at = spec[draw], f"{where}/{draw}"
    if draw == "choice":
        if not isinstance(bounds, list) or not bounds:
            errors.append((at, "expected a non-empty list of values"))
    elif not (isinstance(bounds, list) and len(bounds) == 2 and all(_is_number(b) for b in bounds)
              and all(_math.isfinite(b) for b in bounds) and bounds[0] <= bounds[1]):
        errors.append((at, "expected [low, high], two finite numbers, low <= high"))
    elif draw == "int" and not all(isinstance(b, int) for b in bounds):
        errors.append((at, "expected [low, high], two integers (both included)"))
    elif draw == "log_uniform" and bounds[0] <= 0:
        errors.append((at, "expected [low, high] above zero"))
    if len(errors) != before:
        return None
    rng = _random.Random(seed)
    if draw == "uniform":
        return [rng.uniform(*bounds) for _ in range(n)]
    if draw == "log_uniform":
        low, high = _math.log(bounds[0]), _math.log(bounds[1])
        return [_math.exp(rng.uniform(low, high)) for _ in range(n)]
    if draw == "int":
        return [rng.randint(*bounds) for _ in range(n)]
    return [rng.choice(bounds) for _ in range(n)]


def _expand_values(spec, where, errors):
    if isinstance(spec, list):
        if not spec:
            errors.append((where, "expected at least one value"))
            return None
        return list(spec)
    if isinstance(spec, dict) and len(spec) == 1 and "range" in spec:
        return _expand_range(spec["range"], where + "/range", errors)
    if isinstance(spec, dict) and len(spec) == 1 and "random" in spec:
        return _expand_random(spec["random"], where + "/random", errors)
    errors.append((where, 'expected a list of values, {"range": [start, stop, step]} or '
                   '{"random": {"n": N, "seed": S, "uniform": [low, high]}}'))
    return None


def _split_pointer(pointer):
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _pointer_error(document, pointer):
    """Why `pointer` does not name a value of `document` (or a new key of
    one of its objects), or None."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        return "a parameter is a JSON pointer into the run file, e.g. /strategies/0/params/fast"
    node, walked = document, ""
    tokens = _split_pointer(pointer)
    for i, token in enumerate(tokens):
        last = i == len(tokens) - 1
        if isinstance(node, dict):
            if token not in node:
                if last:
                    return None  # a new key of an existing object (a param not given)
                keys = ", ".join(list(node)[:12])
                return (f"the run file has no '{token}' at {walked or '/'} "
                        f"(it has: {keys or 'nothing'})")
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or (len(token) > 1 and token[0] == "0") or \
                    int(token) >= len(node):
                return (f"{walked or '/'} is a list of {len(node)}: '{token}' is not one of "
                        f"its indexes (0..{len(node) - 1})")
            node = node[int(token)]
        else:
            return f"{walked} is a {type(node).__name__}, not an object or a list"
        walked += "/" + _token(token)
    return None


def _set(document, pointer, value):
    tokens = _split_pointer(pointer)
    node = document
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if isinstance(node, list):
        node[int(tokens[-1])] = value
    else:
        node[tokens[-1]] = value


def _parse_objective(spec, errors):
    if isinstance(spec, str):
        metric, goal, where = spec, None, "/objective"
    elif isinstance(spec, dict):
        for key in spec:
            if key not in ("metric", "goal"):
                errors.append((f"/objective/{_token(key)}",
                               f"unknown key '{key}' (expected metric, goal)"))
        metric, goal, where = spec.get("metric"), spec.get("goal"), "/objective/metric"
        if goal is not None and goal not in ("max", "min"):
            errors.append(("/objective/goal", f"expected \"max\" or \"min\", got {goal!r}"))
    else:
        errors.append(("/objective", 'expected a metric name or {"metric": m, "goal": "max"|"min"}'))
        return ("sharpe", "max")
    if metric not in METRICS:
        errors.append((where, f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}"))
        return ("sharpe", "max")
    return (metric, goal or ("min" if metric in _MIN_BY_DEFAULT else "max"))


@_dataclasses.dataclass
class SweepSpec:
    """A sweep file, read and checked: where it came from, the base run
    document and its source, the parameters [(pointer, values)], the
    objective (metric, goal), the output folder and keep_all."""
    source: str
    base: dict
    base_source: str
    parameters: list
    objective: tuple
    output_dir: object
    keep_all: bool
    walk_forward: object = None  # keel._walk_forward.WalkForward, or None


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key '{key}'")
        out[key] = value
    return out


def _read_json(path, source_for_errors):
    try:
        text = _pathlib.Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(source_for_errors, [("", f"cannot read {path}: {error}")]) from None
    try:
        return _json.loads(text, object_pairs_hook=_no_duplicates,
                           parse_constant=lambda c: (_ for _ in ()).throw(
                               ValueError(f"{c} is not JSON")))
    except _json.JSONDecodeError as error:
        raise ConfigError(source_for_errors, [("", f"not valid JSON: {error.msg} at line "
                                                   f"{error.lineno} column {error.colno}")]) from None
    except ValueError as error:
        raise ConfigError(source_for_errors, [("", f"not valid JSON: {error}")]) from None


_SWEEP_KEYS = ("$schema", "base", "parameters", "objective", "output", "keep_all",
               "walk_forward")


def parse_sweep(sweep):
    """Reads and checks a sweep file (a path) or dict; raises ConfigError
    with every error (JSON pointers into the sweep file)."""
    if isinstance(sweep, (str, _os.PathLike)):
        source = _os.fspath(sweep)
        document, folder = _read_json(source, source), _pathlib.Path(source).resolve().parent
    elif isinstance(sweep, dict):
        source, document, folder = "<dict>", sweep, _pathlib.Path.cwd()
    else:
        raise TypeError(f"keel.sweep: sweep must be a path or a dict, not {type(sweep).__name__}")
    errors = []
    if not isinstance(document, dict):
        raise ConfigError(source, [("", "a sweep file is a JSON object")])
    for key in document:
        if key not in _SWEEP_KEYS:
            errors.append((f"/{_token(key)}", f"unknown key '{key}' (expected " +
                           ", ".join(_SWEEP_KEYS[1:]) + ")"))
    base, base_source = None, None
    spec = document.get("base")
    if isinstance(spec, str) and spec:
        path = folder / spec
        base_source = str(path.resolve())
        try:
            base = _read_json(path, base_source)
        except ConfigError as error:
            errors.append(("/base", "; ".join(m for _, m in error.errors)))
        else:
            if not isinstance(base, dict):
                errors.append(("/base", f"{base_source} is not a run file (a JSON object)"))
                base = None
    elif isinstance(spec, dict) and source == "<dict>":
        base, base_source = spec, "<dict>"
    else:
        errors.append(("/base", "expected the base run file's path (relative to the sweep file's "
                       "folder)" + (", or a run document (a dict)" if source == "<dict>" else "")))

    parameters = []
    given = document.get("parameters")
    if not isinstance(given, dict) or not given:
        errors.append(("/parameters", 'expected an object {"/json/pointer": values, ...} with at '
                       "least one parameter"))
        given = {}
    count = 1
    for pointer, spec in given.items():
        where = f"/parameters/{_token(pointer)}"
        if base is not None:
            problem = _pointer_error(base, pointer)
            if problem:
                errors.append((where, problem))
        values = _expand_values(spec, where, errors)
        if values is not None:
            parameters.append((pointer, values))
            count *= len(values)
    if count > MAX_POINTS:
        errors.append(("/parameters", f"{count:,} points; a sweep may have at most "
                       f"{MAX_POINTS:,}"))

    objective = _parse_objective(document.get("objective", "sharpe"), errors)
    output_dir = None
    output = document.get("output")
    if output is not None:
        if not isinstance(output, dict):
            errors.append(("/output", 'expected {"dir": "folder"}'))
        else:
            for key in output:
                if key != "dir":
                    errors.append((f"/output/{_token(key)}", f"unknown key '{key}' (expected dir)"))
            if "dir" in output:
                if isinstance(output["dir"], str) and output["dir"]:
                    output_dir = folder / output["dir"]
                else:
                    errors.append(("/output/dir", "expected a folder (relative to the sweep "
                                   "file's folder)"))
    keep_all = document.get("keep_all", False)
    if not isinstance(keep_all, bool):
        errors.append(("/keep_all", f"expected true or false, got {keep_all!r}"))
        keep_all = False
    walk_forward = parse_walk_forward(document.get("walk_forward"), errors)
    if walk_forward is not None:
        for pointer in WINDOW_POINTERS:
            if pointer in given:
                errors.append((f"/parameters/{_token(pointer)}", f"walk-forward sets {pointer} "
                               "itself (each window's bounds); it cannot be a parameter"))
    if errors:
        raise ConfigError(source, errors)
    return SweepSpec(source, base, base_source, parameters, objective, output_dir, keep_all,
                     walk_forward)


# ---- walk_forward (the walk itself: _walk_forward.py) ------------------------------------

_UNITS_NS = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9,
             "d": 86400 * 10**9}
_KEYS = ("in_sample", "out_of_sample", "step", "start", "end")
WINDOW_POINTERS = ("/run/start", "/run/end")


@_dataclasses.dataclass
class WalkForward:
    in_sample_ns: int
    out_of_sample_ns: int
    step_ns: int
    start_ns: object = None  # None: the base run's /run/start, else the data's first event
    end_ns: object = None    # None: the base run's /run/end, else just after the last event


def _duration(value, where, errors):
    """"20d", "6h", "90m" (a whole number and ns|us|ms|s|m|h|d) or integer ns, as run files."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _re.fullmatch(r"(\d+)(ns|us|ms|s|m|h|d)", value) if isinstance(value, str) else None
    if match and int(match.group(1)) > 0:
        return int(match.group(1)) * _UNITS_NS[match.group(2)]
    errors.append((where, f"expected a duration such as \"20d\", \"6h\" or \"90m\" (a whole "
                          f"number and ns, us, ms, s, m, h or d) or integer nanoseconds, got "
                          f"{value!r}"))
    return None


def timestamp_ns(value, where=None, errors=None):
    """An ISO-8601 UTC time ("2024-01-02", "2024-01-02T14:30:00Z") or integer ns."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            when = _datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if when.tzinfo is None:
                when = when.replace(tzinfo=_datetime.timezone.utc)
            delta = when - _datetime.datetime(1970, 1, 1, tzinfo=_datetime.timezone.utc)
            return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000
    if errors is not None:
        errors.append((where, f"expected an ISO-8601 UTC time (\"2024-01-02T14:30:00Z\") or "
                              f"integer nanoseconds, got {value!r}"))
    return None


def parse_walk_forward(spec, errors):
    """The sweep file's "walk_forward" object, or None; errors at /walk_forward/..."""
    if spec is None:
        return None
    if not isinstance(spec, dict):
        errors.append(("/walk_forward", 'expected {"in_sample": "20d", "out_of_sample": "5d"}'))
        return None
    for key in spec:
        if key not in _KEYS:
            errors.append((f"/walk_forward/{_token(key)}",
                           f"unknown key '{key}' (expected {', '.join(_KEYS)})"))
    found = {}
    for key in ("in_sample", "out_of_sample"):
        if key not in spec:
            errors.append(("/walk_forward", f"missing '{key}' (a duration, e.g. \"20d\")"))
        else:
            found[key] = _duration(spec[key], f"/walk_forward/{key}", errors)
    step = _duration(spec["step"], "/walk_forward/step", errors) if "step" in spec else \
        found.get("out_of_sample")
    start = timestamp_ns(spec["start"], "/walk_forward/start", errors) if "start" in spec else None
    end = timestamp_ns(spec["end"], "/walk_forward/end", errors) if "end" in spec else None
    if start is not None and end is not None and end <= start:
        errors.append(("/walk_forward/end", "expected a time after walk_forward.start"))
    if None in (found.get("in_sample"), found.get("out_of_sample"), step):
        return None
    return WalkForward(found["in_sample"], found["out_of_sample"], step, start, end)


def expand(parameters):
    """The points of [(pointer, values)]: the cartesian product in the given
    order, the last parameter varying fastest; a point is a tuple of values."""
    points = [()]
    for _, values in parameters:
        points = [point + (value,) for point in points for value in values]
    return points


def point_document(base, pointers, point):
    """The base run document with the point's values applied (a copy)."""
    document = _json.loads(_json.dumps(base)) if not _has_classes(base) else _copy(base)
    for pointer, value in zip(pointers, point):
        _set(document, pointer, _copy(value))
    return document


def _has_classes(value):
    if isinstance(value, dict):
        return any(_has_classes(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_classes(v) for v in value)
    return isinstance(value, type)


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
