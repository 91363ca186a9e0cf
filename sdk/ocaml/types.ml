(* Keel.Types — the values of keel/pricing_model.h and keel/market.h as
   OCaml types.

   Times are nanoseconds since the Unix epoch (UTC) in a native int (63
   bits: good until the year 2116). Handles (orders, timers, models) are
   opaque ints: copy them, compare them, never decode them. Client tags are
   63-bit in OCaml.

   The field order of every record and the constructor order of every
   variant below is part of the SDK's contract with keel_ocaml_glue.c,
   which builds or reads them in C: change one only together with the
   other. *)

type right = Call | Put  (* KEEL_RIGHT_CALL = 0, KEEL_RIGHT_PUT = 1 *)
type exercise = European | American  (* KEEL_EXERCISE_* *)

(* One option to price (keel_option_t). Units as in keel/pricing_model.h:
   expiry in years, vol/rate/dividend annual and continuously compounded. *)
type option_spec = {
  spot : float;
  strike : float;
  expiry : float;
  vol : float;
  rate : float;
  dividend : float;
  right : right;
  exercise : exercise;
}

(* Price and the five greeks (keel_greeks_t): delta and gamma per 1.0 of
   spot, vega per 1.0 of vol, rho per 1.0 of rate, theta per year of
   calendar time (-dV/dexpiry). *)
type greeks = { price : float; delta : float; gamma : float; vega : float; theta : float; rho : float }

type instrument = int  (* keel_instrument_id_t *)
type order_handle = int
type timer_handle = int
type model_handle = int

type side = Buy | Sell
type order_type = Market | Limit | Stop | Stop_limit
type time_in_force = Gtc | Ioc | Fok
type order_state = Pending | Accepted | Partially_filled | Filled | Canceled | Rejected | Expired
type liquidity = Maker | Taker
type instrument_kind = Equity | Future | Option

let is_terminal = function Filled | Canceled | Rejected | Expired -> true | _ -> false

(* Order-book depth (since ABI 1.2). Defined before the other market
   records so that their field names (price, size, side) keep inferring
   quote, trade and fill where they did. *)
type book_side = Bid | Ask  (* KEEL_BOOK_BID = 0, KEEL_BOOK_ASK = 1 *)

(* One change of one price level of an instrument's book
   (keel_book_update_t): the level [price] on [side] now holds [size] in
   total; 0 removes it. [ts] is when it reached us (the run's clock),
   [exch_ts] when the venue made it (= ts when the data has none). *)
type book_update = {
  ts : int;
  instrument : instrument;
  side : book_side;
  price : float;
  size : float;
  exch_ts : int;
}

(* One level of a book side (keel_book_level_t), as Keel.Host.book_levels
   gives them: bids highest first, asks lowest first. *)
type book_level = { price : float; size : float }

type quote = { ts : int; instrument : instrument; bid : float; bid_size : float; ask : float; ask_size : float }
type trade = { ts : int; instrument : instrument; price : float; size : float }

type bar = {
  ts : int;  (* the bar's close time *)
  instrument : instrument;
  open_ : float;
  high : float;
  low : float;
  close : float;
  volume : float;
}

type order_update = {
  ts : int;
  order : order_handle;  (* stale once the update with a terminal state is delivered *)
  order_id : int;
  client_tag : int;
  instrument : instrument;
  state : order_state;
  filled_quantity : float;
  remaining_quantity : float;
  average_fill_price : float;
  reason : string;
}

type fill = {
  ts : int;
  order : order_handle;
  order_id : int;
  client_tag : int;
  instrument : instrument;
  side : side;
  liquidity : liquidity;
  quantity : float;
  price : float;
  fee : float;
}

type timer_event = { ts : int; timer : timer_handle; cookie : int }

type event =
  | Quote of quote
  | Trade of trade
  | Bar of bar
  | Order_update of order_update
  | Fill of fill
  | Timer of timer_event
  | Book of book_update  (* since ABI 1.2; only to a strategy made with ~wants_book:true *)

(* What a strategy learns at on_start (keel_strategy_start_t). *)
type start = { start_time : int; name : string; instruments : instrument array }

(* An order to send (keel_order_request_t). Quantity > 0, a multiple of the
   lot size; limit_price for Limit and Stop_limit, stop_price for Stop and
   Stop_limit (0 otherwise). *)
type order_request = {
  instrument : instrument;
  side : side;
  order_type : order_type;
  time_in_force : time_in_force;
  quantity : float;
  limit_price : float;
  stop_price : float;
  client_tag : int;
}

let market_order ?(client_tag = 0) ~instrument ~side quantity =
  { instrument; side; order_type = Market; time_in_force = Gtc; quantity; limit_price = 0.;
    stop_price = 0.; client_tag }

let limit_order ?(client_tag = 0) ?(time_in_force = Gtc) ~instrument ~side ~price quantity =
  { instrument; side; order_type = Limit; time_in_force; quantity; limit_price = price;
    stop_price = 0.; client_tag }

type position = {
  quantity : float;  (* signed: > 0 long, < 0 short *)
  average_price : float;
  realized_pnl : float;
  unrealized_pnl : float;
  fees : float;
  mark_price : float;
}

type account = {
  cash : float;
  equity : float;
  realized_pnl : float;
  unrealized_pnl : float;
  fees : float;
  gross_notional : float;
}

type instrument_info = {
  id : instrument;
  symbol : string;
  kind : instrument_kind;
  option_right : right;  (* options only *)
  option_exercise : exercise;  (* options only *)
  underlying : instrument option;  (* options: the underlying *)
  strike : float;
  expiry : int;  (* ns; 0 if none *)
  tick_size : float;
  lot_size : float;
  multiplier : float;
}
