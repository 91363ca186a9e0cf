"""Strategies that call keel from a thread of their own (the host-thread rule,
keel/host.h), for tests/python/python_run_test.cpp.

FromThread, at bar params["at"] (1-based), calls every keel function that
reaches a [host-thread] member from a threading.Thread it starts and joins
within on_bar, and writes what each call raised to params["out"] (JSON),
before the host stops it for the breach. It also reads now() from the
thread, and tries to move the batch cursor (batch_at) from it.
FromThreadBatch does the same from on_bars.

Hammer starts, on its first bar, a daemon thread that calls keel in a loop
until keel says the strategy has been stopped; nothing the thread does may
reach the engine, crash it, or keep the process from exiting.
"""
import json
import threading

import keel


def attempt(call):
    try:
        result = call()
    except Exception as e:  # noqa: BLE001 — the test reports whatever came back
        return {"type": type(e).__name__, "wrong_thread": isinstance(e, keel.WrongThreadError),
                "keel_error": isinstance(e, keel.Error), "code": getattr(e, "code", None),
                "message": str(e)}
    return {"type": None, "result": repr(result)}


class FromThread(keel.Strategy):
    def __init__(self):
        self.at = self.param("at", 5, type=int, min=1)
        self.out = self.param("out", type=str)
        self.bars = 0

    def on_bar(self, bar):
        self.handle(bar.instrument, bar.ts)

    def handle(self, instrument, ts):
        """One bar; True when it acted (sent an order, set a timer)."""
        self.bars += 1
        if self.bars == 1:
            self.order = self.buy(instrument, 1)  # a real one, from keel's thread
            self.timer = self.set_timer(ts + 10**12)
            return True
        if self.bars != self.at:
            return False
        seen = {"host_now": self.now(), "bar_ts": ts}
        calls = {
            "buy": lambda: self.buy(instrument, 5),
            "send_order": lambda: self.send_order(instrument, keel.SELL, 5),
            "cancel": lambda: self.cancel(self.order),
            "position": lambda: self.position(instrument),
            "account": lambda: self.account(),
            "set_timer": lambda: self.set_timer(ts + 1),
            "cancel_timer": lambda: self.cancel_timer(self.timer),
            "batch_at": lambda: self.batch_at(0),
            "now": lambda: self.now(),
            "instrument": lambda: self.instrument("AAPL"),
            "log": lambda: self.warn("a log line from my own thread"),
        }

        def run():
            seen["calls"] = {name: attempt(call) for name, call in calls.items()}

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        seen["now_after"] = self.now()
        with open(self.out, "w") as f:
            json.dump(seen, f)
        return False


class FromThreadBatch(FromThread):
    """FromThread vectorised: on_bars with keel's batch cursor."""

    def on_bars(self, bars):
        for i in range(len(bars)):
            self.batch_at(i)
            if self.handle(int(bars["instrument"][i]), int(bars["ts"][i])):
                return i + 1
        return None


class Hammer(keel.Strategy):
    def __init__(self):
        self.out = self.param("out", type=str)
        self.started = False

    def on_bar(self, bar):
        if self.started:
            return
        self.started = True
        instrument = bar.instrument

        def hammer():
            refused = accepted = 0
            while True:
                try:
                    self.buy(instrument, 1)
                    self.position(instrument)
                    self.account()
                    accepted += 1
                except keel.WrongThreadError:
                    refused += 1
                except keel.Error as e:  # the strategy was stopped: keel is out of reach
                    with open(self.out, "w") as f:
                        json.dump({"refused": refused, "accepted": accepted,
                                   "last": str(e), "code": e.code}, f)
                    return

        threading.Thread(target=hammer, daemon=True).start()
