(* keel.binomial — the Cox-Ross-Rubinstein tree (crr.ml) as a keel pricing
   model written in OCaml. *)

let params_schema =
  {|{
  "type": "object",
  "properties": {
    "steps": {"type": "integer", "minimum": 2, "maximum": 100000, "default": 500,
              "description": "time steps in the tree; error shrinks roughly as 1/steps"}
  },
  "additionalProperties": false
}|}

let create params _host =
  let steps = Keel.Params.int params "steps" ~default:500 ~min:2 ~max:100_000 in
  Keel.Pricing_model.make ~price:(Crr.price ~steps) ~implied_vol:(Crr.implied_vol ~steps) ()

let () =
  Keel.Plugin.register ~id:"keel.binomial" ~name:"Binomial tree" ~version:"1.0.0" ~vendor:"keel"
    ~description:
      "Cox-Ross-Rubinstein binomial tree in OCaml: European and American calls and puts with a \
       continuous dividend yield; greeks from the tree (delta, gamma, theta) and by bumping (vega, \
       rho); implied volatility by bisection."
    ~pricing_models:
      [ Keel.Pricing_model.factory ~id:"keel.binomial"
          ~description:"Cox-Ross-Rubinstein tree: European and American exercise, greeks, implied vol"
          ~params_schema create ]
    ()
