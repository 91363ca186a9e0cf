"""Mean reversion on quote mids: the README's complete Python example.

Keeps the last `window` mids of its one instrument. When the mid is more
than `entry_z` standard deviations below their mean it goes long `quantity`
with a limit order at the bid; more than `entry_z` above, short at the ask;
back within `exit_z`, flat with a market order. One order at a time; a
limit order still working after `timeout_s` seconds is cancelled (a timer).
The README shows this file from `import math` on; keep the two the same.
"""
import math
from collections import deque

import keel


class MeanReversion(keel.Strategy):
    def __init__(self):                       # params are set before __init__
        self.window = self.param("window", 50, type=int, min=2)
        self.quantity = self.param("quantity", 100.0, type=float, min=1)
        self.entry_z = self.param("entry_z", 2.0, type=float, min=0)
        self.exit_z = self.param("exit_z", 0.5, type=float, min=0)
        self.timeout_ns = int(self.param("timeout_s", 30.0, type=float, min=0) * 1e9)
        self.reject_unknown_params()          # a misspelt param is a run-file error
        self.mids = deque(maxlen=self.window)
        self.order = None
        self.timer = None

    def on_start(self, start):
        self.traded = start.instruments[0]

    def on_quote(self, quote):
        mid = (quote.bid + quote.ask) / 2
        self.mids.append(mid)
        if len(self.mids) < self.window or self.order is not None:
            return
        mean = sum(self.mids) / self.window
        sd = math.sqrt(sum((m - mean) ** 2 for m in self.mids) / (self.window - 1))
        z = (mid - mean) / sd if sd > 0 else 0.0
        held = self.position(self.traded).quantity
        if z < -self.entry_z and held <= 0:
            self.trade(self.quantity - held, keel.BUY, limit=quote.bid)
        elif z > self.entry_z and held >= 0:
            self.trade(self.quantity + held, keel.SELL, limit=quote.ask)
        elif abs(z) < self.exit_z and held != 0:
            self.trade(abs(held), keel.SELL if held > 0 else keel.BUY)

    def trade(self, quantity, side, limit=None):
        try:
            send = self.buy if side == keel.BUY else self.sell
            self.order = send(self.traded, quantity, limit=limit)
        except keel.OrderRejected as refused:  # a risk limit; also an update
            self.warn(f"order refused: {refused}")
            return
        if limit is not None:
            self.timer = self.set_timer(self.now() + self.timeout_ns)

    def on_timer(self, timer):
        if timer.timer == self.timer:
            self.timer = None
            if self.order is not None:
                self.cancel(self.order)       # the outcome arrives as an update

    def on_order_update(self, update):
        if update.order == self.order and update.terminal:
            self.order = None
            if self.timer is not None:
                self.cancel_timer(self.timer)
                self.timer = None
