(* Keel.Plugin — declare the plugin and its factories.

     let () =
       Keel.Plugin.register ~id:"acme.models" ~name:"Acme models" ~version:"1.0.0"
         ~vendor:"Acme" ~description:"What it offers."
         ~pricing_models:[ My_model.factory ] ~strategies:[ My_strategy.factory ] ()

   run at module initialisation. keel_ocaml_glue.c starts the OCaml runtime
   (once, when the host calls the plugin's entry), which runs this, then
   reads the registration to build the C descriptor. The rest of this module
   is the OCaml half of the glue: the functions the C thunks call, each
   catching every exception and turning it into a status (ABI rule 7). *)

open Types

type instance = Model of Pricing_model.t | Strategy of Strategy.t
type factory = Model_factory of Pricing_model.factory | Strategy_factory of Strategy.factory

let factories : factory array ref = ref [||]
let registered = ref false

(* Stdlib files skipped when saying where an exception was raised: the
   interesting place is the plugin's own code that called them. *)
let stdlib_files =
  [ "stdlib.ml"; "list.ml"; "array.ml"; "float.ml"; "string.ml"; "bytes.ml"; "hashtbl.ml"; "map.ml";
    "option.ml"; "result.ml"; "printf.ml"; "camlinternalFormat.ml"; "bigarray.ml"; "int.ml" ]

let raised_at backtrace =
  match Printexc.backtrace_slots backtrace with
  | None -> None
  | Some slots ->
      let located = Array.to_list slots |> List.filter_map Printexc.Slot.location in
      let own = List.filter (fun (l : Printexc.location) -> not (List.mem l.filename stdlib_files)) located in
      (match (own, located) with (l :: _, _) | ([], l :: _) -> Some l | [], [] -> None)

let describe_exception e backtrace =
  let where =
    match raised_at backtrace with
    | Some l -> Printf.sprintf " (raised at %s:%d)" l.filename l.line_number
    | None -> ""
  in
  Printf.sprintf "uncaught OCaml exception %s%s" (Printexc.to_string e) where

let guard f =
  match f () with
  | v -> Host.Done v
  | exception Error.Error (code, message) -> Host.Failed (Error.to_int code, message)
  | exception Out_of_memory -> Host.Failed (Error.to_int Error.Out_of_memory, "OCaml runtime: out of memory")
  | exception Stack_overflow ->
      (* The glue turns an overflow in OCaml code into this (keel_ocaml_runtime.c).
         Raised from a signal handler, it has no backtrace of its own: the
         recorded one is of an earlier exception, so no place is named. *)
      Host.Failed
        ( Error.to_int Error.Plugin_fault,
          "uncaught OCaml exception Stack_overflow: the stack overflowed (unbounded or too deep recursion?)" )
  | exception e ->
      let backtrace = Printexc.get_raw_backtrace () in
      Host.Failed (Error.to_int Error.Plugin_fault, describe_exception e backtrace)

let model = function Model m -> m | Strategy _ -> Error.fail Internal "instance is a strategy, not a pricing model"
let strategy = function Strategy s -> s | Model _ -> Error.fail Internal "instance is a pricing model, not a strategy"

let create index params_json host =
  guard (fun () ->
      let params = Params.of_json_string params_json in
      let instance =
        match !factories.(index) with
        | Model_factory f -> Model (f.create params host)
        | Strategy_factory f -> Strategy (f.create params host)
      in
      Params.reject_unknown params;
      instance)

let drop instance = guard (fun () -> match instance with Strategy s -> s.on_drop () | Model _ -> ())

(* keel_option_t's six doubles, viewed in place, with its right and exercise. *)
let option_of (input : Pricing_model.f64) right exercise =
  {
    spot = input.{0};
    strike = input.{1};
    expiry = input.{2};
    vol = input.{3};
    rate = input.{4};
    dividend = input.{5};
    right = Pricing_model.right_of_int right;
    exercise = Pricing_model.exercise_of_int exercise;
  }

(* keel_option_t and keel_greeks_t, viewed in place. *)
let price instance (input : Pricing_model.f64) right exercise (out : Pricing_model.f64) =
  guard (fun () ->
      let m = model instance in
      let o = option_of input right exercise in
      let g = m.price o in
      out.{0} <- g.price;
      out.{1} <- g.delta;
      out.{2} <- g.gamma;
      out.{3} <- g.vega;
      out.{4} <- g.theta;
      out.{5} <- g.rho)

let implied_vol instance (input : Pricing_model.f64) right exercise premium =
  guard (fun () ->
      let m = model instance in
      let o = option_of input right exercise in
      m.implied_vol o ~premium)

(* Runs [item i] for every index; a Keel error marks that item only (via
   [failed]) and the first one becomes the call's status, "option i: ...".
   Any other exception is a fault of the whole call. *)
let each_item count item failed =
  let first = ref None in
  for i = 0 to count - 1 do
    match item i with
    | () -> ()
    | exception Error.Error (code, message) ->
        failed i code;
        if !first = None then first := Some (code, Printf.sprintf "option %d: %s" i message)
  done;
  match !first with None -> () | Some (code, message) -> raise (Error.Error (code, message))

let price_batch instance (b : Pricing_model.batch) (out : Pricing_model.batch_out) =
  guard (fun () ->
      let m = model instance in
      let vol = match b.vol with Some v -> v | None -> Error.invalid_argument "batch has no vol array" in
      each_item b.count
        (fun i -> Pricing_model.store out i (m.price (Pricing_model.option_at b ~vol:vol.{i} i)) 0)
        (fun i code -> Pricing_model.store out i Pricing_model.nan_greeks (Error.to_int code)))

let implied_vol_batch instance (b : Pricing_model.batch) (premiums : Pricing_model.f64)
    (out_vols : Pricing_model.f64) (out_status : Pricing_model.i32 option) =
  guard (fun () ->
      let m = model instance in
      let set_status i code =
        match out_status with Some s -> s.{i} <- Int32.of_int code | None -> ()
      in
      each_item b.count
        (fun i ->
          let o = Pricing_model.option_at b ~vol:nan i in
          out_vols.{i} <- m.implied_vol o ~premium:premiums.{i};
          set_status i 0)
        (fun i code ->
          out_vols.{i} <- nan;
          set_status i (Error.to_int code)))

let on_start instance start = guard (fun () -> (strategy instance).on_start start)
let on_event instance event = guard (fun () -> Strategy.handle (strategy instance) event)
(* Has the strategy sent or cancelled an order, or set or cancelled a timer,
   in the current span? A span stops right after such an event and returns
   how many it handled; keel delivers the rest once what the action caused
   has happened (keel.strategy.events_consumed/1). *)
external span_actions_cell :
  unit -> (int64, Bigarray.int64_elt, Bigarray.c_layout) Bigarray.Array1.t
  = "keel_ocaml_span_actions_cell"

(* The glue's action count, read in place: a load per event. *)
let span_actions = span_actions_cell ()
let span_acted () = Bigarray.Array1.unsafe_get span_actions 0 <> 0L
[@@inline]

(* Where a failed span stopped, for events_consumed: the failing event
   counts, so the engine stops the strategy exactly where per-event delivery
   would have (keel/strategy.h). The glue sets it to 1 before a span. *)
external span_failed_at_cell :
  unit -> (int64, Bigarray.int64_elt, Bigarray.c_layout) Bigarray.Array1.t
  = "keel_ocaml_span_failed_at_cell"

let span_failed_at = span_failed_at_cell ()

(* A span's loop raised while handling event [at] (0-based): record it and
   re-raise, backtrace intact, for [guard]. *)
let span_failed at e =
  let backtrace = Printexc.get_raw_backtrace () in
  Bigarray.Array1.unsafe_set span_failed_at 0 (Int64.of_int (at + 1));
  Printexc.raise_with_backtrace e backtrace

(* The instance's batch cursor, a view the glue passes with each span:
   written before each event is handed to the strategy, so keel answers
   now, position, account and its risk checks for that event
   (batch_cursor in keel/strategy.h). One store per event. *)
type cursor = (int64, Bigarray.int64_elt, Bigarray.c_layout) Bigarray.Array1.t

let move_cursor (cursor : cursor) i = Bigarray.Array1.unsafe_set cursor 0 (Int64.of_int i)
[@@inline]

let on_events instance (cursor : cursor) events =
  guard (fun () ->
      let s = strategy instance in
      let count = Array.length events in
      let i = ref 0 in
      (try
         while !i < count && not (span_acted ()) do
           move_cursor cursor !i;
           Strategy.handle s events.(!i);
           incr i
         done
       with e -> span_failed !i e);
      !i)
let on_stop instance at = guard (fun () -> (strategy instance).on_stop at)

(* A span of keel_event_t read in place (keel_ocaml_glue.c): [words] and
   [floats] view the same memory, [stride] 8-byte words per event. Quotes,
   trades and bars are decoded here, one at a time, as the strategy is
   called, so each record dies young; the glue checks and builds the other
   kinds (event_at), and a malformed one ends the span with
   KEEL_ERR_INVALID_ARGUMENT. Offsets and kind numbers are those of
   keel/market.h on a little-endian machine, asserted in the glue. *)
type words = (int64, Bigarray.int64_elt, Bigarray.c_layout) Bigarray.Array1.t
type floats = (float, Bigarray.float64_elt, Bigarray.c_layout) Bigarray.Array1.t

external event_at : words -> int -> event = "keel_ocaml_event_at"

let on_event_span instance (cursor : cursor) (words : words) (floats : floats) count stride =
  guard (fun () ->
      let s = strategy instance in
      let i = ref 0 in
      (try
         while !i < count && not (span_acted ()) do
           move_cursor cursor !i;
           let b = !i * stride in
           let kind = Int64.to_int (Bigarray.Array1.unsafe_get words b) land 0xffff_ffff in
           if kind >= 1 && kind <= 3 then begin
             let ts = Int64.to_int (Bigarray.Array1.unsafe_get words (b + 1)) in
             let instrument = Int64.to_int (Bigarray.Array1.unsafe_get words (b + 2)) land 0xffff_ffff in
             let f = floats in
             if kind = 1 then
               s.Strategy.on_quote
                 { ts; instrument;
                   bid = Bigarray.Array1.unsafe_get f (b + 3);
                   bid_size = Bigarray.Array1.unsafe_get f (b + 4);
                   ask = Bigarray.Array1.unsafe_get f (b + 5);
                   ask_size = Bigarray.Array1.unsafe_get f (b + 6) }
             else if kind = 2 then
               s.Strategy.on_trade
                 { ts; instrument;
                   price = Bigarray.Array1.unsafe_get f (b + 3);
                   size = Bigarray.Array1.unsafe_get f (b + 4) }
             else
               s.Strategy.on_bar
                 { ts; instrument;
                   open_ = Bigarray.Array1.unsafe_get f (b + 3);
                   high = Bigarray.Array1.unsafe_get f (b + 4);
                   low = Bigarray.Array1.unsafe_get f (b + 5);
                   close = Bigarray.Array1.unsafe_get f (b + 6);
                   volume = Bigarray.Array1.unsafe_get f (b + 7) }
           end
           else begin
             (* The glue checks these (kind, state, side) as it builds them. *)
             let event =
               try event_at words !i
               with Failure problem -> Error.fail Error.Invalid_argument (Printf.sprintf "event %d: %s" !i problem)
             in
             Strategy.handle s event
           end;
           incr i
         done
       with e -> span_failed !i e);
      !i)

let describe_for_glue e = Printf.sprintf "uncaught OCaml exception %s" (Printexc.to_string e)

let () =
  Printexc.record_backtrace true;
  Callback.register "keel.create" create;
  Callback.register "keel.drop" drop;
  Callback.register "keel.price" price;
  Callback.register "keel.price_batch" price_batch;
  Callback.register "keel.implied_vol" implied_vol;
  Callback.register "keel.implied_vol_batch" implied_vol_batch;
  Callback.register "keel.on_start" on_start;
  Callback.register "keel.on_event" on_event;
  Callback.register "keel.on_events" on_events;
  Callback.register "keel.on_event_span" on_event_span;
  Callback.register "keel.on_stop" on_stop;
  Callback.register "keel.describe_exn" describe_for_glue

(* Factory kinds as the glue reads them. *)
let kind_pricing_model = 0
let kind_strategy = 1

let register ~id ~name ~version ?(vendor = "") ?(description = "") ?(pricing_models = [])
    ?(strategies = []) () =
  if !registered then failwith "Keel.Plugin.register called twice: a plugin registers once";
  registered := true;
  let all =
    List.map (fun f -> Model_factory f) pricing_models @ List.map (fun f -> Strategy_factory f) strategies
  in
  factories := Array.of_list all;
  let described =
    Array.map
      (function
        | Model_factory (f : Pricing_model.factory) ->
            (kind_pricing_model, f.id, f.description, f.params_schema, false)
        | Strategy_factory (f : Strategy.factory) -> (kind_strategy, f.id, f.description, f.params_schema, f.wants_book))
      !factories
  in
  Callback.register "keel.plugin"
    ([| id; name; version; vendor; description; "OCaml " ^ Sys.ocaml_version |], described)
