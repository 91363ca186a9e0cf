(* keel_test.ocaml_threads — a purpose-built OCaml plugin linked with OCaml's
   threads library, for the OCaml SDK's thread tests
   (tests/ocaml/ocaml_threads_test.cpp).

   The model prices at spot; with spot 7 it computes the price on a thread
   of its own (Thread.create, then join), and with spot 99 it recurses
   without bound.

   The strategy, on its first quote, starts two threads of its own and
   waits for each: the first prices through a model of this same plugin
   (model_price is [thread-safe], and the host calls back into this
   plugin's runtime from that thread), the second sends an order, which
   the host refuses ([host-thread]): Keel.Host.submit answers Error
   Wrong_thread, raised here with Keel.Error.ok_exn. It logs what each
   thread saw and carries on: the host stops it anyway. *)

open Keel.Types

let rec deeper n = if n = 0 then 0 else 1 + deeper (Sys.opaque_identity (n + 1))

let model_create _params _host =
  let price (o : option_spec) =
    let value =
      if o.spot = 99. then float_of_int (deeper 1)
      else if o.spot = 7. then begin
        let result = ref nan in
        Thread.join (Thread.create (fun () -> result := o.spot) ());
        !result
      end
      else o.spot
    in
    { price = value; delta = 0.; gamma = 0.; vega = 0.; theta = 0.; rho = 0. }
  in
  Keel.Pricing_model.make ~price ()

(* What running [f] on a thread of its own gave: its text, or the exception. *)
let on_a_thread f =
  let seen = ref "the thread never ran" in
  let body () =
    seen :=
      match f () with
      | text -> text
      | exception Keel.Error.Error (code, message) ->
          Printf.sprintf "Keel.Error.Error (%s, %S)" (Keel.Error.name code) message
  in
  Thread.join (Thread.create body ());
  !seen

let strategy_create _params host =
  let model = ref None in
  let fired = ref false in
  let spec = { spot = 42.; strike = 40.; expiry = 1.; vol = 0.2; rate = 0.; dividend = 0.; right = Call;
               exercise = European } in
  {
    Keel.Strategy.default with
    on_start =
      (fun _ ->
        model :=
          Some (Keel.Error.ok_exn (Keel.Host.model_create host ~factory:"keel_test.ocaml_threads_model" ~params:"{}")));
    on_quote =
      (fun q ->
        if not !fired then begin
          fired := true;
          let m = match !model with Some m -> m | None -> Keel.Error.fail Internal "no model" in
          let priced =
            on_a_thread (fun () ->
                Printf.sprintf "price %g" (Keel.Error.ok_exn (Keel.Host.model_price host m spec)).price)
          in
          Keel.Host.logf host Warn "model_price from an OCaml thread: %s" priced;
          let submitted =
            on_a_thread (fun () ->
                ignore (Keel.Error.ok_exn (Keel.Host.submit host (market_order ~instrument:q.instrument ~side:Buy 1.)));
                "submitted")
          in
          Keel.Host.logf host Warn "submit from an OCaml thread: %s" submitted
        end);
    on_drop = (fun () -> match !model with Some m -> ignore (Keel.Host.model_drop host m) | None -> ());
  }

let () =
  Keel.Plugin.register ~id:"keel_test.ocaml_threads" ~name:"OCaml threads test plugin" ~version:"0.0.1"
    ~vendor:"keel tests" ~description:"Uses OCaml threads, by the host-thread rule and against it."
    ~pricing_models:
      [ Keel.Pricing_model.factory ~id:"keel_test.ocaml_threads_model"
          ~description:"price = spot; spot 7 on a thread; spot 99 recurses without bound" model_create ]
    ~strategies:
      [ Keel.Strategy.factory ~id:"keel_test.ocaml_threads_strategy"
          ~description:"prices and orders from threads of its own" strategy_create ]
    ()
