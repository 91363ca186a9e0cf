"""Uses every ability once and writes what it saw to params["out"] (JSON)."""
import json

import numpy

import keel

MINUTE = 60_000_000_000


class Abilities(keel.Strategy):
    def __init__(self):
        self.out = self.param("out", type=str)
        self.seen = {"updates": [], "timers": [], "quotes": 0}

    def on_start(self, start):
        self.seen["start"] = {"time": start.time, "name": start.name,
                              "symbols": list(start.symbols), "now": self.now()}
        self.timer = self.set_timer(start.time + MINUTE, cookie=7)

    def on_quote(self, quote):
        self.seen["quotes"] += 1

    def on_timer(self, timer):
        self.seen["timers"].append({"ts": timer.ts, "cookie": timer.cookie, "now": self.now()})
        bs = self.model("bs")
        scalar = bs.price(spot=60.0, strike=65.0, expiry=0.25, vol=0.3, rate=0.08)
        spots = numpy.array([55.0, 60.0, 65.0])
        prices = numpy.empty(3)
        returned = bs.price_batch(spots, 65.0, 0.25, 0.3, 0.08, 0.0, keel.CALL, price=prices)
        self.seen["pricing"] = {"scalar": scalar.price, "batch": prices.tolist(),
                                "in_place": returned is prices}
        aapl = self.instrument("AAPL")
        self.order = self.buy(aapl, 10, limit=1.0, tag=42)  # far below the market: rests

    def on_order_update(self, update):
        self.seen["updates"].append({"state": update.state, "tag": update.client_tag,
                                     "reason": update.reason})
        if update.state == keel.ACCEPTED:
            self.cancel(update.order)

    def on_stop(self, at):
        position = self.position("AAPL")
        account = self.account()
        self.seen["position"] = position.quantity
        self.seen["cash"] = account.cash
        self.seen["name"] = self.name
        with open(self.out, "w") as f:
            json.dump(self.seen, f)
