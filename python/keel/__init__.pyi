"""Type stubs for `keel`: the Python library (keel.run and its results) and
the API a Python strategy uses (keel.Strategy and its events).

One package serves both. A plain python3 imports it from the build tree
(PYTHONPATH=build/python) or from where `cmake --install` put it
(<prefix>/lib/python3/dist-packages/keel); the `keel` executable embeds the
same files for the strategies of `keel run`. Editors and type checkers read
these stubs beside the package (py.typed).

As a library:

    result = keel.run("backtest.json")          # or a dict of the run-file schema
    result.fills, result.orders, result.equity   # pandas DataFrames
    result.equity_by_strategy, result.trades, result.summary

A strategy is a subclass of keel.Strategy, named in a run file by script and
class, or handed to keel.run as the class itself:

    "strategies": [{"name": "trend", "python": {"script": "trend.py", "class": "Trend"},
                    "instruments": ["AAPL"], "params": {"window": 50}}]
    keel.run({..., "strategies": [{"name": "trend", "python": {"class": Trend}, ...}]})

keel sets `params` before `__init__` runs. Every callback is optional; all
are called one at a time, in simulated-time order. An exception stops the
strategy and ends the run (or disables the strategy: the run file's
on_error) with a message naming the script's file:line.

Threads: keel calls a strategy on one thread. A threading.Thread of the
strategy's own may compute, log, price with a model and read now() (then
the time of whatever keel handles meanwhile), but orders, cancels,
positions, the account, timers and the batch cursor belong to the callback
keel is making: from another thread they raise WrongThreadError, do
nothing, and keel stops the strategy as on_error says. Hand what your
threads compute to your next callback.
"""
import os
from typing import Any, Callable, ClassVar, Dict, List, NamedTuple, Optional, Tuple, Union

import numpy
import numpy.typing as npt
import pandas

VERSION: str
__version__: str

# ---- constants (keel/market.h, keel/status.h, keel/host.h) ----
BUY: int
SELL: int
BID: int  # order-book sides (BookUpdate.side, Strategy.book)
ASK: int
MARKET: int
LIMIT: int
STOP: int
STOP_LIMIT: int
GTC: int
IOC: int
FOK: int
PENDING: int
ACCEPTED: int
PARTIALLY_FILLED: int
FILLED: int
CANCELED: int
REJECTED: int
EXPIRED: int
MAKER: int
TAKER: int
CALL: int
PUT: int
EUROPEAN: int
AMERICAN: int
LOG_TRACE: int
LOG_DEBUG: int
LOG_INFO: int
LOG_WARN: int
LOG_ERROR: int
ERR_INVALID_ARGUMENT: int
ERR_UNSUPPORTED: int
ERR_STALE_HANDLE: int
ERR_NOT_FOUND: int
ERR_NO_SOLUTION: int
ERR_REJECTED: int
ERR_POISONED: int
ERR_WRONG_THREAD: int

# numpy dtypes of the batch views (on_quotes / on_trades / on_bars): records
# laid over keel's own event array, so the view is not a copy. Fields:
#   QUOTE_DTYPE  ts, instrument, bid, bid_size, ask, ask_size
#   TRADE_DTYPE  ts, instrument, price, size
#   BAR_DTYPE    ts, instrument, open, high, low, close, volume
QUOTE_DTYPE: numpy.dtype
TRADE_DTYPE: numpy.dtype
BAR_DTYPE: numpy.dtype

Instrument = Union[int, str]  # an instrument id, or its symbol
Handle = int                  # an order or timer handle

class Error(Exception):
    """A keel call failed; `code` is the keel status (ERR_*)."""
    code: int
    def __init__(self, message: str, code: int = ...) -> None: ...

class OrderRejected(Error):
    """A risk check or venue rule refused an order at once. The strategy also
    gets a REJECTED order update."""

class WrongThreadError(Error):
    """Raised in a thread of the strategy's own that called what belongs to
    the callback keel is making (orders, cancels, position(), account(),
    timers, batch_at): the call did nothing and keel stops the strategy as
    on_error says. code is ERR_WRONG_THREAD; the message names the strategy,
    the call and the rule."""

class ParamError(Error, ValueError):
    """A param is missing or wrong; the message starts with its JSON pointer
    ("/window: expected an integer, got \"fifty\"")."""

class Start(NamedTuple):
    time: int                 # the first event's time, ns since the Unix epoch
    name: str                 # the strategy's name in the run file
    instruments: List[int]    # ids of the instruments it subscribed to
    symbols: List[str]        # their symbols, in the same order

# ---- events (copies: keep them as long as you like) ----
class Quote:
    ts: int
    instrument: int
    bid: float
    bid_size: float
    ask: float
    ask_size: float

class Trade:
    ts: int
    instrument: int
    price: float
    size: float

class Bar:
    ts: int  # the bar's close time
    instrument: int
    open: float
    high: float
    low: float
    close: float
    volume: float

class BookUpdate:
    """One change of one price level of an order book (depth data)."""
    ts: int          # when it reached us (the run's clock)
    instrument: int
    side: int        # BID or ASK
    price: float
    size: float      # the level's new total size; 0 removes the level
    exch_ts: int     # when the venue made it (== ts when the data has none)

class OrderUpdate:
    ts: int
    order: Handle
    order_id: int        # run-wide order number, as in orders.csv
    client_tag: int
    instrument: int
    state: int           # PENDING .. EXPIRED
    filled_quantity: float
    remaining_quantity: float
    average_fill_price: float
    reason: str          # why it ended (rejected, cancelled, expired); "" otherwise
    terminal: bool       # FILLED, CANCELED, REJECTED or EXPIRED

class Fill:
    ts: int
    order: Handle
    order_id: int
    client_tag: int
    instrument: int
    side: int
    liquidity: int       # MAKER or TAKER
    quantity: float
    price: float
    fee: float

class Timer:
    ts: int
    timer: Handle
    cookie: int

class Position:
    instrument: int
    quantity: float      # signed: > 0 long, < 0 short
    average_price: float
    realized_pnl: float
    unrealized_pnl: float
    fees: float
    mark_price: float

class Account:
    cash: float
    equity: float
    realized_pnl: float
    unrealized_pnl: float
    fees: float
    gross_notional: float

class InstrumentInfo:
    id: int
    symbol: str
    kind: int
    strike: float
    expiry: int
    tick_size: float
    lot_size: float
    multiplier: float

class Greeks:
    price: float
    delta: float
    gamma: float
    vega: float
    theta: float
    rho: float

F64 = npt.NDArray[numpy.float64]
I32 = npt.NDArray[numpy.int32]

class RunModel:
    """A pricing model of the run (pricing_models), through keel's host table:
    what Strategy.model(name) returns (keel._keel.Model at run time; keel.Model
    is a model a program opens itself, below).

    Batch calls read float64 (right/exercise: int32) C-contiguous 1-D arrays
    in place and write into the output arrays you pass (or new ones); a
    number is broadcast. Anything else is a TypeError, never a silent copy.
    Without a `status` array a failed item raises Error; with one, failed
    items are NaN and their code is in status."""
    name: str
    def price(self, spot: float, strike: float, expiry: float, vol: float, rate: float = 0.0,
              dividend: float = 0.0, right: int = ..., exercise: int = ...) -> Greeks: ...
    def implied_vol(self, premium: float, spot: float, strike: float, expiry: float,
                    rate: float = 0.0, dividend: float = 0.0, right: int = ...,
                    exercise: int = ...) -> float: ...
    def price_batch(self, spot: F64, strike: Union[F64, float], expiry: Union[F64, float],
                    vol: Union[F64, float], rate: Union[F64, float] = 0.0,
                    dividend: Union[F64, float] = 0.0, right: Union[I32, int] = ...,
                    exercise: Optional[Union[I32, int]] = None, *, price: Optional[F64] = None,
                    delta: Optional[F64] = None, gamma: Optional[F64] = None,
                    vega: Optional[F64] = None, theta: Optional[F64] = None,
                    rho: Optional[F64] = None, status: Optional[I32] = None) -> F64:
        """Returns the price array (`price` itself when given)."""
    def implied_vol_batch(self, premium: Union[F64, float], spot: F64,
                          strike: Union[F64, float], expiry: Union[F64, float],
                          rate: Union[F64, float] = 0.0, dividend: Union[F64, float] = 0.0,
                          right: Union[I32, int] = ..., exercise: Optional[Union[I32, int]] = None,
                          *, out: Optional[F64] = None, status: Optional[I32] = None) -> F64: ...

class Strategy:
    """Base class of a Python strategy."""
    params: Dict[str, Any]  # the run file's params object

    # ---- callbacks: override what you need ----
    def on_start(self, start: Start) -> None: ...
    def on_quote(self, quote: Quote) -> None: ...
    def on_trade(self, trade: Trade) -> None: ...
    def on_bar(self, bar: Bar) -> None: ...
    def on_order_update(self, update: OrderUpdate) -> None: ...
    def on_fill(self, fill: Fill) -> None: ...
    def on_timer(self, timer: Timer) -> None: ...
    def on_stop(self, at: int) -> None:
        """After the last event; orders sent here are not executed."""
    def on_book(self, update: BookUpdate) -> None:
        """A price level of an instrument's book changed (depth data). Only a
        class that defines it is given book events; self.book() already
        shows the change."""
    # Batch forms (define them to use them): a read-only numpy view of
    # consecutive events of your instruments, valid during the call only
    # (copy what you keep). Return None when you handled them all, or how
    # many you handled: stop right after the event on which you send or
    # cancel an order or set a timer (return i + 1), and keel delivers the
    # rest once what that caused (fills, updates) has been delivered, so the
    # result is the same as per-event handling. Say which event you are
    # handling with batch_at(i) (below): now() is then that event's time and
    # an exception stops the strategy at that event; without it now() is
    # the batch's first event's time and a failure stops the strategy
    # there. position() and account() are as of the batch's first event.
    #   def on_quotes(self, quotes: numpy.ndarray) -> Optional[int]: ...  # QUOTE_DTYPE
    #   def on_trades(self, trades: numpy.ndarray) -> Optional[int]: ...  # TRADE_DTYPE
    #   def on_bars(self, bars: numpy.ndarray) -> Optional[int]: ...      # BAR_DTYPE
    def batch_at(self, i: int) -> None:
        """In on_quotes/on_trades/on_bars: you are now handling event i of
        the batch (keel's batch cursor; 0 <= i < len(batch), else Error).
        now() is then event i's time; an order, cancel or timer sent is sent
        from event i, after which return i + 1 or None (going on to a later
        event is an error that says so); an exception stops the strategy at
        event i. Reports are then those of per-event delivery:

            def on_bars(self, bars):
                for i in range(len(bars)):
                    self.batch_at(i)
                    if self.signal(bars[i]):
                        self.buy(int(bars["instrument"][i]), 100)
                        return i + 1

        Error outside a batch callback (per-event callbacks need none: keel
        moves the cursor itself); WrongThreadError from another thread."""

    # ---- params ----
    def param(self, key: str, default: Any = ..., *, type: Optional[type] = None,
              min: Any = None, max: Any = None) -> Any:
        """params[key] checked against type/min/max; `default` when absent
        (required when no default). Raises ParamError naming the param."""
    def reject_unknown_params(self) -> None:
        """Raises ParamError for a param no param() call asked for."""

    # ---- abilities ----
    @property
    def name(self) -> str: ...
    def now(self) -> int:
        """Simulated time of the event being handled (ns since the Unix epoch);
        in a batch callback that of batch_at's event. From a thread of your
        own, the time of whatever keel is handling meanwhile."""
    def log(self, message: object, level: int = ...) -> None: ...
    def debug(self, message: object) -> None: ...
    def info(self, message: object) -> None: ...
    def warn(self, message: object) -> None: ...
    def error(self, message: object) -> None: ...
    def instrument(self, symbol: Instrument) -> int:
        """An instrument's id by symbol; Error(ERR_NOT_FOUND) when the run has none."""
    def symbol(self, instrument: Instrument) -> str: ...
    def instrument_info(self, instrument: Instrument) -> InstrumentInfo: ...
    def send_order(self, instrument: Instrument, side: int, quantity: float, type: int = ...,
                   *, limit_price: float = 0.0, stop_price: float = 0.0,
                   time_in_force: int = ..., tag: int = 0) -> Handle:
        """Sends an order on one of your instruments; its handle names it in
        updates and fills. Raises OrderRejected when refused at once."""
    def buy(self, instrument: Instrument, quantity: float, *, limit: Optional[float] = None,
            stop: Optional[float] = None, time_in_force: int = ..., tag: int = 0) -> Handle:
        """Market; limit with `limit`; stop with `stop`; stop-limit with both."""
    def sell(self, instrument: Instrument, quantity: float, *, limit: Optional[float] = None,
             stop: Optional[float] = None, time_in_force: int = ..., tag: int = 0) -> Handle: ...
    def cancel(self, order: Handle) -> None:
        """Requests a cancel; the outcome arrives as an order update."""
    def position(self, instrument: Instrument) -> Position: ...
    def account(self) -> Account: ...
    def book(self, instrument: Instrument, side: Union[int, str], n: int = 10) -> numpy.ndarray:
        """The top n levels of one side (BID / ASK, or "bid" / "ask") of the
        instrument's order book, best first, as of the event being handled:
        a read-only float64 array of shape (k, 2), k <= n, rows (price, size).
        A VIEW of a per-strategy buffer, not a copy: valid until the next
        book() call or the end of the callback, whichever comes first
        (.copy() what you keep). Empty when the run has no depth data for
        the instrument."""
    def set_timer(self, at: int, cookie: int = 0) -> Handle:
        """An on_timer call at simulated time `at` (the next event if past)."""
    def cancel_timer(self, timer: Handle) -> None: ...
    def model(self, name: str) -> RunModel:
        """A pricing model the run file configured, by its name there."""


# ---- keel as a library (a plain python3; not inside `keel run`) ----
class ConfigError(Error, ValueError):
    """The run configuration is invalid; nothing ran. The message has one line
    per error, "SOURCE: /json/pointer: what is wrong"."""
    source: str
    errors: List[Tuple[str, str]]  # (JSON pointer, message), in document order

class RunError(Error):
    """The run did not complete (a plugin could not load, bad data, a
    strategy failed, the report could not be written)."""
    result: Optional["Result"]  # what the run recorded until it stopped
    kind: int                   # `keel run`'s exit code: 2 input, 3 plugin load, 4 plugin/strategy

class StrategyError(RunError):
    """Names the Python strategy whose exception ended the run. keel.run raises
    that exception itself, with this error as its __cause__ and the partial
    result as its `keel_result`."""
    strategy: str

class Result:
    """What a run recorded. DataFrames have the columns of the CSV files
    `keel run` writes (docs/reports.md): timestamps datetime64[ns, UTC],
    names and enum words categorical, empty cells NaN/NaT; trades has
    `duration` (timedelta64) where trades.csv has duration_ns."""
    summary: Dict[str, Any]     # summary.json
    output_dir: Optional[str]   # where the files went, or None
    @property
    def status(self) -> str: ...  # "completed", "interrupted", "failed: ..."
    @property
    def fills(self) -> pandas.DataFrame: ...
    @property
    def orders(self) -> pandas.DataFrame: ...
    @property
    def equity(self) -> pandas.DataFrame: ...
    @property
    def equity_by_strategy(self) -> pandas.DataFrame: ...  # ts, strategy, equity
    @property
    def trades(self) -> pandas.DataFrame: ...  # round trips
    def tearsheet(self, path: Union[None, str, os.PathLike] = None) -> str:
        """Writes the run's HTML tearsheet (one self-contained page, no network
        needed; docs/tearsheet.md) to `path`, default output_dir/report.html
        (ValueError when the run wrote no report folder and no path is given);
        returns the path. The price line needs the report folder's manifest."""

def run(config: Union[str, os.PathLike, Dict[str, Any]], *,
        output_dir: Union[None, str, os.PathLike] = None, progress: bool = False,
        log_level: str = "warn") -> Result:
    """Runs a backtest in this process (the GIL is released while the engine
    runs). `config`: a run file's path, or a dict of its schema, whose
    strategies may name classes ({"python": {"class": MyStrategy}}) and which
    needs no "output"; relative paths in a dict start at the working
    directory. With no output_dir nothing is written to disk.

    Raises ConfigError (nothing ran); RunError with the partial result; a
    strategy's own exception chained to a StrategyError; KeyboardInterrupt on
    Ctrl-C, with the partial (interrupted) result as its `keel_result`."""


# ---- parameter sweeps (docs/sweeps.md) ----
class SweepError(Error):
    """The sweep could not start (a point's run document is invalid, a worker
    lacks keel or a file, the output folder cannot be written); nothing ran.
    The message names each bad point with its values, or what is missing
    where."""

class SweepResult:
    """What a sweep found; the same as OUTPUT/results.csv and results.json."""
    table: pandas.DataFrame        # index: point; a column per parameter (its JSON pointer),
                                   # status, final_equity, total_return, sharpe, max_drawdown,
                                   # total_fees, num_fills, num_orders, events, error
    best: Optional[int]            # the best completed point, None if none completed
    status: str                    # "completed", "failed" (some point failed), "interrupted"
    output_dir: str
    objective: Tuple[str, str]     # (metric, "max" | "min")
    @property
    def best_row(self) -> Optional[pandas.Series]: ...
    @property
    def best_result(self) -> Optional[Result]: ...  # read from OUTPUT/best/
    # Walk-forward only (docs/sweeps.md "Walk-forward"), else None:
    walk_forward: Optional[pandas.DataFrame]  # walk_forward.csv, index: window
    oos_equity: Optional[pandas.DataFrame]    # oos_equity.csv: ts (UTC), window, equity

def sweep(sweep: Union[str, os.PathLike, Dict[str, Any]], *, jobs: Optional[int] = None,
          client: Any = None, scheduler: Optional[str] = None,
          output_dir: Union[None, str, os.PathLike] = None, keep_all: Optional[bool] = None,
          progress: bool = False, log_level: str = "warn", report: bool = True) -> SweepResult:
    """Runs the base run file at every point of a sweep file (or dict) and
    writes OUTPUT/results.csv, results.json and best/ (points/NNNN/ with
    keep_all) and the tearsheets (report.html, best/report.html; report=False
    skips them). jobs: local processes (default the core count; 1 runs in this
    process); client / scheduler: a Dask cluster instead. Every point is
    checked before any runs. Raises ConfigError (the sweep file) or
    SweepError (nothing ran); a point that fails only fails its row.
    KeyboardInterrupt after writing the rows done (its `keel_result`)."""

# ---- pricing models in any Python program (keel/embed.h) ----
Options = Union[pandas.DataFrame, Dict[str, Any]]

class ModelError(Error):
    """A keel.Model could not be opened (code ERR_NOT_FOUND: the message says
    where keel looked), was closed, or a call failed; the message names the
    model and, for a batch, the first failing item's index."""

class CalibrationReport:
    """What Model.calibrate returns. `residuals` (model - market premium per
    quote) is a read-only view into the model's own report, a capsule held
    as a PyCapsule named "keel.calibration_report/1" (its .base chain): the
    model frees the report when the last reference to it goes."""
    converged: bool
    iterations: int
    parameters: Dict[str, float]  # e.g. {"vol": 0.25}
    residuals: F64
    rmse: float
    message: str

class Model:
    """A pricing model this program opens, with no run: by factory id
    ("keel.black_scholes"), plugin file ("./black76.so") or "FILE.so:ID",
    with its params (as in a run file). `plugin_path`: folders searched
    first, then KEEL_PLUGIN_PATH, then the plugins installed with keel.

    Batches: `options` is a DataFrame or dict with the columns of `keel price
    --csv` (spot, strike, expiry, vol, rate, right; dividend and exercise
    optional), or give them as keywords; numbers broadcast; right is
    "call"/"put", a categorical of them, or keel.CALL/keel.PUT; exercise is
    "european"/"american" or keel.EUROPEAN/keel.AMERICAN. float64
    C-contiguous columns are read in place; other columns are converted. The
    GIL is released while keel prices.

    errors="raise" (the default): a failed item raises ModelError naming its
    index. errors="nan": failed items are NaN, and price() adds a `status`
    column (0 or the item's keel.ERR_* code).

    `with keel.Model(...) as m:` or m.close() drops the model (so does
    garbage collection); later calls raise ModelError."""
    def __init__(self, model: str, params: Optional[Dict[str, Any]] = None, *,
                 plugin_path: Union[None, str, os.PathLike, List[Union[str, os.PathLike]]] = None
                 ) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def factory(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> "Model": ...
    def __exit__(self, *exc: Any) -> None: ...
    def price(self, options: Optional[Options] = None, *, errors: str = "raise",
              out: Optional[numpy.ndarray] = None, **columns: Any) -> pandas.DataFrame:
        """One batch call: a DataFrame price, delta, gamma, vega, theta, rho
        (the input's index), a view of one (6, n) float64 array (`out` when
        given: reuse it to allocate nothing)."""
    def price_one(self, spot: float, strike: float, expiry: float, vol: float,
                  rate: float = 0.0, dividend: float = 0.0, right: Union[str, int] = "call",
                  exercise: Union[str, int] = "european") -> Greeks: ...
    def implied_vol(self, options: Optional[Options] = None,
                    premiums: Union[None, F64, pandas.Series, float] = None, *,
                    errors: str = "raise", **columns: Any) -> Union[pandas.Series, F64]:
        """A Series for a DataFrame (its index), else a numpy array."""
    def calibrate(self, quotes: Optional[Options] = None, **columns: Any) -> CalibrationReport:
        """quotes: the option columns (no vol), `premium`, optional `weight`."""
