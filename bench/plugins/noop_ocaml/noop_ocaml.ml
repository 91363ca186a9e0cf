(* keel.bench.noop_ocaml — a strategy that does nothing, written with the
   OCaml SDK: the call-overhead benchmark measures the crossing itself (the
   C glue, the runtime lock, building the OCaml event), not the strategy. *)

let create _params _host = Keel.Strategy.default

let () =
  Keel.Plugin.register ~id:"keel.bench.noop_ocaml" ~name:"No-op (OCaml)" ~version:"1.0.0" ~vendor:"keel"
    ~description:"A strategy that does nothing, for keel_bench's call overhead"
    ~strategies:[ Keel.Strategy.factory ~id:"keel.bench.noop_ocaml" ~description:"does nothing" create ]
    ()
