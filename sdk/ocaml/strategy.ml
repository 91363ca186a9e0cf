(* Keel.Strategy — write a strategy (kind "keel.strategy/1").

     let create params host =
       let threshold = Keel.Params.float params "threshold" ~default:1. in
       { Keel.Strategy.default with
         on_quote = (fun q -> ...);
         on_fill = (fun f -> ...) }

     let factory = Keel.Strategy.factory ~id:"acme.hedger" ~description:"..." create

   and list it in Keel.Plugin.register ~strategies:[factory]. A strategy
   that wants order-book events sets on_book and makes its factory with
   ~wants_book:true.

   Every callback is [instance-serialized]. Raise Keel.Error.Error to stop
   the strategy with that status and message; any other exception is a
   fault (KEEL_ERR_PLUGIN_FAULT) that poisons the plugin. The C table's
   on_events is implemented: when the engine delivers a span of events, the
   SDK crosses into OCaml once and calls these callbacks in order, so
   per-event and batched delivery behave the same (a callback that raises
   stops the strategy at that event, which the SDK reports as the last one
   it reached). *)

open Types

type t = {
  on_start : start -> unit;
  on_quote : quote -> unit;
  on_trade : trade -> unit;
  on_bar : bar -> unit;
  on_order_update : order_update -> unit;
  on_fill : fill -> unit;
  on_timer : timer_event -> unit;
  on_book : book_update -> unit;
      (* order-book changes (ABI 1.2), given only to a strategy whose factory
         says ~wants_book:true; the host's book already holds the change
         (Keel.Host.book_levels) *)
  on_stop : int -> unit;  (* the time; orders sent here are not executed *)
  on_drop : unit -> unit;  (* last call on the instance (not made on a poisoned plugin) *)
}

let default =
  {
    on_start = ignore;
    on_quote = ignore;
    on_trade = ignore;
    on_bar = ignore;
    on_order_update = ignore;
    on_fill = ignore;
    on_timer = ignore;
    on_book = ignore;
    on_stop = ignore;
    on_drop = ignore;
  }

type factory = {
  id : string;
  description : string;
  params_schema : string;
  create : Params.t -> Host.t -> t;
  wants_book : bool;
}

(* [~wants_book:true] puts on_book in the factory's C table: keel gives
   book events only to such strategies (a NULL on_book gets none, in spans
   neither), so one that ignores depth costs nothing on depth data. *)
let factory ~id ?(description = "") ?(params_schema = {|{"type":"object"}|}) ?(wants_book = false) create =
  { id; description; params_schema; create; wants_book }

let handle s = function
  | Quote q -> s.on_quote q
  | Trade t -> s.on_trade t
  | Bar b -> s.on_bar b
  | Order_update u -> s.on_order_update u
  | Fill f -> s.on_fill f
  | Timer t -> s.on_timer t
  | Book b -> s.on_book b
