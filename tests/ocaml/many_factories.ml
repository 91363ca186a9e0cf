(* keel_test.ocaml_many_NN — an OCaml plugin with more factories than the
   32 the SDK's C glue once had room for (one create thunk each, before
   ABI 1.1 gave create its factory's context). Factory NN's model prices
   every option at NN, so the tests see which factory's create ran. *)

let count = 40

let factory n =
  let price (_ : Keel.Types.option_spec) : Keel.Types.greeks =
    let v = float_of_int n in
    { price = v; delta = 0.; gamma = 0.; vega = 0.; theta = 0.; rho = 0. }
  in
  Keel.Pricing_model.factory
    ~id:(Printf.sprintf "keel_test.ocaml_many_%02d" n)
    ~description:(Printf.sprintf "prices every option at %d" n)
    (fun _params _host -> Keel.Pricing_model.make ~price ())

let () =
  Keel.Plugin.register ~id:"keel_test.ocaml_many" ~name:"Many factories" ~version:"0.0.1"
    ~vendor:"keel tests" ~description:"More factories than 32."
    ~pricing_models:(List.init count factory) ()
