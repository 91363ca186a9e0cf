"""keel.Strategy, the base class users subclass, and keel's exceptions: the
part of the package easiest written in Python, over its C++ half keel._keel
(the constants, the event types, the host calls of _Context).
"""
import json as _json
import math as _math
from collections import namedtuple as _namedtuple

from ._keel import (ASK, BID, BUY, ERR_INVALID_ARGUMENT, ERR_REJECTED, ERR_WRONG_THREAD, GTC, LIMIT,
                    LOG_DEBUG, LOG_ERROR, LOG_INFO, LOG_WARN, MARKET, SELL, STOP, STOP_LIMIT)

class Error(Exception):
    """A keel call failed; `code` is the keel status (keel.ERR_*)."""
    def __init__(self, message, code=ERR_INVALID_ARGUMENT):
        super().__init__(message)
        self.code = code

class OrderRejected(Error):
    """A risk check or venue rule refused an order at once (KEEL_ERR_REJECTED)."""
    def __init__(self, message, code=ERR_REJECTED):
        super().__init__(message, code)

class WrongThreadError(Error):
    """A keel call that belongs to the callback keel is making came from another
    thread (a threading.Thread of the strategy's own): orders, cancels,
    positions, the account, timers and the batch cursor. The call did
    nothing, and keel stops the strategy as its on_error says. Hand what
    your threads compute to your next callback instead."""
    def __init__(self, message, code=ERR_WRONG_THREAD):
        super().__init__(message, code)

class ParamError(Error, ValueError):
    """A strategy param is missing or wrong; the message starts with its JSON pointer."""
    def __init__(self, message, code=ERR_INVALID_ARGUMENT):
        super().__init__(message, code)

Start = _namedtuple("Start", "time name instruments symbols")
Start.__doc__ = "What on_start receives: the first event time, the strategy's name, its instruments (ids and symbols)."

_REQUIRED = object()

def _type_word(kind):
    return {float: "a finite number", int: "an integer", bool: "true or false",
            str: "a string", list: "an array", dict: "an object"}.get(kind, kind.__name__)

class Strategy:
    """Base class of a Python strategy. Override the on_* callbacks you need.

    keel sets `params` (the run file's params object, as a dict) before
    __init__ runs, so __init__ can read them (self.param(...)).
    """
    params = {}

    # ---- callbacks (all optional) ----
    def on_start(self, start): pass
    def on_quote(self, quote): pass
    def on_trade(self, trade): pass
    def on_bar(self, bar): pass
    def on_order_update(self, update): pass
    def on_fill(self, fill): pass
    def on_timer(self, timer): pass
    def on_stop(self, at): pass
    # Order-book depth: only a class that defines on_book is given book
    # events (keel.BookUpdate: ts, instrument, side (keel.BID / keel.ASK),
    # price, size (the level's new total; 0 removes it), exch_ts); the
    # others are skipped for them. Read the book with self.book(...).
    def on_book(self, update): pass
    # Batch forms, when defined, replace on_quote/on_trade/on_bar: they get a
    # numpy structured array of consecutive events (QUOTE_DTYPE, TRADE_DTYPE,
    # BAR_DTYPE) and return None (all handled) or how many they handled;
    # stop after the event on which you send an order, cancel or set a timer.
    # batch_at(i) says which event you are handling (see there).

    def batch_at(self, i):
        """In on_quotes/on_trades/on_bars: the strategy is now handling event i
        of the batch (keel's batch cursor). From then on now() is that
        event's time; an order, cancel or timer is sent from that event
        (return i + 1, or None, right after it); and an exception stops the
        strategy at that event. Reports are then those of per-event
        delivery. Without it a failure stops the strategy at the batch's
        first event."""
        self._keel.batch_at(i)

    # ---- params ----
    def param(self, key, default=_REQUIRED, *, type=None, min=None, max=None):
        """params[key], checked: raises ParamError('/key: expected ..., got ...')."""
        used = self.__dict__.setdefault("_keel_used_params", set())
        used.add(key)
        value = self.params.get(key)
        if value is None:
            if default is _REQUIRED:
                raise ParamError(f"/{key}: required param missing")
            return default
        if type is not None:
            if type is float:
                ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
                      and _math.isfinite(value))
                if ok:
                    value = float(value)
            elif type is int:
                ok = isinstance(value, int) and not isinstance(value, bool)
            else:
                ok = isinstance(value, type)
            if not ok:
                raise ParamError(f"/{key}: expected {_type_word(type)}, got {_json.dumps(value)}")
        if min is not None and value < min:
            raise ParamError(f"/{key}: expected a value >= {min}, got {_json.dumps(value)}")
        if max is not None and value > max:
            raise ParamError(f"/{key}: expected a value <= {max}, got {_json.dumps(value)}")
        return value

    def reject_unknown_params(self):
        """Raises ParamError for the first param no self.param(...) call asked for."""
        used = self.__dict__.get("_keel_used_params", set())
        for key in self.params:
            if key not in used:
                known = " ".join(sorted(used))
                raise ParamError(f"/{key}: unknown param" + (f" (known: {known})" if known else ""))

    # ---- abilities (through the host table) ----
    @property
    def name(self):
        """The strategy's name in the run file."""
        return self._keel.name

    def now(self):
        """Simulated time of the event being handled, ns since the Unix epoch."""
        return self._keel.now()

    def log(self, message, level=LOG_INFO):
        self._keel.log(level, str(message))
    def debug(self, message): self._keel.log(LOG_DEBUG, str(message))
    def info(self, message): self._keel.log(LOG_INFO, str(message))
    def warn(self, message): self._keel.log(LOG_WARN, str(message))
    def error(self, message): self._keel.log(LOG_ERROR, str(message))

    def instrument(self, symbol):
        """The id of an instrument of this run, by symbol (keel.Error if none)."""
        return symbol if isinstance(symbol, int) else self._keel.instrument_find(symbol)

    def book(self, instrument, side, n=10):
        """The top n levels of one side of the instrument's order book, best
        first, as of the event being handled: a read-only numpy float64 array
        of shape (k, 2), k <= n, rows (price, size). It is a VIEW of a buffer
        of this strategy's, not a copy: the next book() call overwrites it, and
        it is valid until then or the end of the callback, whichever comes
        first (copy it with .copy() to keep it). side is keel.BID or keel.ASK
        (or "bid" / "ask"). Empty (k = 0) when the run has no depth data for
        the instrument."""
        if isinstance(side, str):
            word = side.lower()
            if word not in ("bid", "ask"):
                raise Error(f"book: side {side!r} is neither 'bid' nor 'ask' (or keel.BID / keel.ASK)")
            side = BID if word == "bid" else ASK
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise Error(f"book: n must be an integer >= 0, got {n!r}")
        return self._keel.book(self.instrument(instrument), side, n)

    def symbol(self, instrument):
        return self._keel.instrument_get(self.instrument(instrument)).symbol

    def instrument_info(self, instrument):
        return self._keel.instrument_get(self.instrument(instrument))

    def send_order(self, instrument, side, quantity, type=MARKET, *, limit_price=0.0,
                   stop_price=0.0, time_in_force=GTC, tag=0):
        """Sends an order; returns its handle (an int, echoed in updates and fills).
        Raises OrderRejected when a risk check or venue rule refuses it."""
        return self._keel.submit(self.instrument(instrument), side, type, time_in_force,
                                 float(quantity), float(limit_price), float(stop_price), int(tag))

    def _order(self, instrument, side, quantity, limit, stop, time_in_force, tag):
        if limit is None and stop is None:
            kind = MARKET
        elif stop is None:
            kind = LIMIT
        elif limit is None:
            kind = STOP
        else:
            kind = STOP_LIMIT
        return self.send_order(instrument, side, quantity, kind,
                               limit_price=0.0 if limit is None else limit,
                               stop_price=0.0 if stop is None else stop,
                               time_in_force=time_in_force, tag=tag)

    def buy(self, instrument, quantity, *, limit=None, stop=None, time_in_force=GTC, tag=0):
        """A buy order: market, or limit/stop/stop-limit when limit and/or stop are given."""
        return self._order(instrument, BUY, quantity, limit, stop, time_in_force, tag)

    def sell(self, instrument, quantity, *, limit=None, stop=None, time_in_force=GTC, tag=0):
        return self._order(instrument, SELL, quantity, limit, stop, time_in_force, tag)

    def cancel(self, order):
        """Requests a cancel; the outcome arrives as an order update."""
        self._keel.cancel(order)

    def position(self, instrument):
        return self._keel.position(self.instrument(instrument))

    def account(self):
        return self._keel.account()

    def set_timer(self, at, cookie=0):
        """An on_timer call at simulated time `at` (ns); returns the timer's handle."""
        return self._keel.timer_set(int(at), int(cookie))

    def cancel_timer(self, timer):
        self._keel.timer_cancel(timer)

    def model(self, name):
        """A pricing model the run file configured (pricing_models), by name."""
        return self._keel.model_lookup(name)
