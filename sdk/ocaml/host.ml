(* Keel.Host — what a plugin instance can ask of keel (keel/host.h).

   Each instance receives its own [t] in its factory's create function;
   it is valid until the instance is dropped (do not keep it beyond). Calls
   that can fail return a [result]; [Keel.Error.ok_exn] turns one into an
   exception that stops the call with its status. Calls marked "engine"
   succeed only during a run (`keel run`); elsewhere they return
   Unsupported. A member the host does not have (an older host) returns
   Unsupported too.

   Threads (a plugin that links threads.posix): [log], [now], the
   instrument calls, [model_lookup], [model_price] and [model_implied_vol]
   may be called from any thread. The others are [host-thread] (keel/host.h):
   from a thread the plugin started they return [Error Wrong_thread] with
   the host's message, do nothing, and the host stops the strategy. *)

open Types

type t  (* the keel_host_t pointer, in an abstract block *)

(* What the C stubs return: an immediate-free payload or the host's error. *)
type 'a outcome = Failed of int * string | Done of 'a

type level = Trace | Debug | Info | Warn | Error

external log_stub : t -> int -> string -> unit = "keel_ocaml_host_log"
external now_stub : t -> int = "keel_ocaml_host_now"
external instrument_find_stub : t -> string -> instrument outcome = "keel_ocaml_host_instrument_find"
external instrument_get_stub : t -> instrument -> instrument_info outcome = "keel_ocaml_host_instrument_get"
external order_submit_stub : t -> order_request -> order_handle outcome = "keel_ocaml_host_order_submit"
external order_cancel_stub : t -> order_handle -> unit outcome = "keel_ocaml_host_order_cancel"
external position_get_stub : t -> instrument -> position outcome = "keel_ocaml_host_position_get"
external account_get_stub : t -> account outcome = "keel_ocaml_host_account_get"
external timer_set_stub : t -> int -> int -> timer_handle outcome = "keel_ocaml_host_timer_set"
external timer_cancel_stub : t -> timer_handle -> unit outcome = "keel_ocaml_host_timer_cancel"
external model_lookup_stub : t -> string -> model_handle outcome = "keel_ocaml_host_model_lookup"
external model_create_stub : t -> string -> string -> model_handle outcome = "keel_ocaml_host_model_create"
external model_drop_stub : t -> model_handle -> unit outcome = "keel_ocaml_host_model_drop"
external model_price_stub : t -> model_handle -> option_spec -> greeks outcome = "keel_ocaml_host_model_price"
external book_levels_stub : t -> instrument -> int -> int -> book_level array outcome = "keel_ocaml_host_book_levels"
external model_implied_vol_stub : t -> model_handle -> option_spec -> float -> float outcome
  = "keel_ocaml_host_model_implied_vol"

let result = function
  | Done v -> Ok v
  | Failed (code, message) -> Stdlib.Error { Error.code = Error.of_int code; message }

let level_int = function Trace -> 0 | Debug -> 1 | Info -> 2 | Warn -> 3 | Error -> 4

(* Logs under the calling instance's name. Never fails. *)
let log host level message = log_stub host (level_int level) message
let logf host level fmt = Printf.ksprintf (log host level) fmt

(* Simulated time during a run (ns), wall-clock UTC otherwise. *)
let now host = now_stub host

(* engine *)
let instrument_find host symbol = result (instrument_find_stub host symbol)
let instrument_info host id = result (instrument_get_stub host id)

(* engine, strategies only. [Error Rejected] when a risk check or venue rule
   refuses the order at once; the strategy also gets a Rejected update. *)
let submit host request = result (order_submit_stub host request)
let cancel host order = result (order_cancel_stub host order)
let position host instrument = result (position_get_stub host instrument)
let account host = result (account_get_stub host)
let timer_set host ~at ~cookie = result (timer_set_stub host at cookie)
let timer_cancel host timer = result (timer_cancel_stub host timer)

(* engine, strategies only (ABI 1.2). Up to [max] levels of one side of an
   instrument's order book, best first: [||] when the side is empty or the
   run has no depth data for it. The book is the data's as of the event
   being handled (what our own orders took is not subtracted). [Error
   Not_found] for an unknown instrument; [Error Unsupported] from a host
   older than ABI 1.2. *)
let book_levels host instrument side ~max =
  if max < 0 then Stdlib.Error { Error.code = Error.Invalid_argument; message = Printf.sprintf "book_levels: max is %d, expected >= 0" max }
  else result (book_levels_stub host instrument (match side with Bid -> 0 | Ask -> 1) max)

(* A model the run file configured, by its name there (borrowed: never drop it). *)
let model_lookup host name = result (model_lookup_stub host name)

(* A private model from any loaded factory id; give it back with [model_drop]. *)
let model_create host ~factory ~params = result (model_create_stub host factory params)
let model_drop host model = result (model_drop_stub host model)
let model_price host model option = result (model_price_stub host model option)
let model_implied_vol host model option ~premium = result (model_implied_vol_stub host model option premium)
