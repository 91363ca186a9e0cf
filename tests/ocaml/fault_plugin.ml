(* keel_test.ocaml_fault / keel_test.ocaml_journal — a purpose-built OCaml
   plugin for the OCaml SDK tests (tests/ocaml/ocaml_sdk_test.cpp).

   The model's price is a fixed function of its inputs so the tests can
   check values; spot 13 raises Failure (a fault), a negative spot raises
   Keel.Error (a status), spot 7 runs a full GC compaction first, spot 99
   recurses without bound (a stack overflow). The strategy logs every
   callback through the host so the tests can see what crossed; a quote
   with bid 99 makes it recurse without bound. keel_test.ocaml_book logs
   the order book (ABI 1.2). *)

open Keel.Types

(* Never returns: each call is one more frame (not a tail call). *)
let rec deeper n = if n = 0 then 0 else 1 + deeper (Sys.opaque_identity (n + 1))

let model_create params _host =
  let scale = Keel.Params.float params "scale" ~default:1. in
  let price (o : option_spec) =
    if o.spot = 13. then failwith "unlucky spot from OCaml";
    if o.spot < 0. then Keel.Error.failf Invalid_argument "spot: expected >= 0, got %g" o.spot;
    if o.spot = 7. then Gc.compact ();
    if o.spot = 99. then ignore (deeper 1);
    { price = o.spot *. scale; delta = o.strike; gamma = o.expiry; vega = o.vol; theta = o.rate;
      rho = (if o.right = Put then -1. else 1.) *. (if o.exercise = American then 10. else 1.) }
  in
  Keel.Pricing_model.make ~price ()

let side_text = function Buy -> "buy" | Sell -> "sell"

let strategy_create params host =
  let label = Keel.Params.string params "label" ~default:"journal" in
  let log fmt = Keel.Host.logf host Info fmt in
  {
    Keel.Strategy.default with
    on_start =
      (fun s ->
        log "%s start name=%s instruments=%s now=%d" label s.name
          (String.concat "," (Array.to_list (Array.map string_of_int s.instruments)))
          (Keel.Host.now host);
        (match Keel.Host.instrument_find host "AAPL" with
        | Ok id -> log "AAPL=%d" id
        | Error e -> log "AAPL: %s" (Keel.Error.to_string e));
        match Keel.Host.instrument_find host "NOPE" with
        | Ok id -> log "NOPE=%d" id
        | Error e -> log "NOPE: %s" (Keel.Error.to_string e));
    on_quote =
      (fun q ->
        if q.bid < 0. then Keel.Error.failf Invalid_argument "bid: expected >= 0, got %g" q.bid;
        if q.bid = 99. then ignore (deeper 1);
        log "quote ts=%d instrument=%d bid=%g ask=%g" q.ts q.instrument q.bid q.ask);
    on_trade =
      (fun t ->
        log "trade ts=%d price=%g size=%g" t.ts t.price t.size;
        match Keel.Host.submit host (market_order ~instrument:t.instrument ~side:Buy 1.) with
        | Ok _ -> log "submitted"
        | Error e -> log "submit: %s" (Keel.Error.to_string e));
    on_fill = (fun f -> log "fill ts=%d %s %g@%g tag=%d" f.ts (side_text f.side) f.quantity f.price f.client_tag);
    on_order_update =
      (fun u ->
        log "update ts=%d state=%s reason=%s" u.ts
          (match u.state with Rejected -> "rejected" | Filled -> "filled" | _ -> "other")
          u.reason);
    on_timer = (fun t -> log "timer ts=%d cookie=%d" t.ts t.cookie);
    on_stop = (fun at -> log "stop at=%d" at);
    on_drop = (fun () -> log "%s dropped" label);
  }

(* keel_test.ocaml_book: logs every book update and, after each, the top two
   bid levels as Keel.Host.book_levels gives them (or its error); a price of
   13 raises Failure (a fault). *)
let book_side_text = function Bid -> "bid" | Ask -> "ask"

let book_create _params host =
  let log fmt = Keel.Host.logf host Info fmt in
  {
    Keel.Strategy.default with
    on_quote = (fun q -> log "quote ts=%d" q.ts);
    on_book =
      (fun b ->
        if b.price = 13. then failwith "unlucky book price";
        log "book ts=%d instrument=%d %s %g x %g exch_ts=%d" b.ts b.instrument (book_side_text b.side) b.price
          b.size b.exch_ts;
        match Keel.Host.book_levels host b.instrument Bid ~max:2 with
        | Ok levels ->
            log "bids %s"
              (String.concat " " (Array.to_list (Array.map (fun (l : book_level) -> Printf.sprintf "%gx%g" l.price l.size) levels)))
        | Error e -> log "bids: %s" (Keel.Error.to_string e));
  }

let () =
  Keel.Plugin.register ~id:"keel_test.ocaml_fault" ~name:"OCaml SDK test plugin" ~version:"0.0.1"
    ~vendor:"keel tests" ~description:"Faults and journals on purpose."
    ~pricing_models:
      [ Keel.Pricing_model.factory ~id:"keel_test.ocaml_fault" ~description:"price = spot x scale; spot 13 raises"
          model_create ]
    ~strategies:
      [ Keel.Strategy.factory ~id:"keel_test.ocaml_journal" ~description:"logs every callback" strategy_create;
        Keel.Strategy.factory ~id:"keel_test.ocaml_book" ~description:"logs the order book" ~wants_book:true
          book_create ]
    ()
