(* acme.ml_black_scholes — Black-Scholes-Merton for European options with a
   continuous dividend yield, a keel pricing model written in OCaml and built
   out of tree against the installed keel SDK: price, the five greeks, and
   implied volatility by bisection. *)

open Keel.Types

let norm_cdf x = 0.5 *. Float.erfc (-.x /. Float.sqrt 2.)
let norm_pdf x = Float.exp (-0.5 *. x *. x) /. Float.sqrt (2. *. Float.pi)

let check (o : option_spec) =
  let positive name x =
    if not (Float.is_finite x && x > 0.) then Keel.Error.failf Invalid_argument "%s: expected a number > 0, got %g" name x
  in
  positive "spot" o.spot;
  positive "strike" o.strike;
  positive "expiry" o.expiry;
  if not (Float.is_finite o.rate && Float.is_finite o.dividend) then
    Keel.Error.invalid_argument "rate and dividend must be finite";
  if o.exercise = American then Keel.Error.unsupported "acme.ml_black_scholes prices European exercise only"

let price (o : option_spec) =
  check o;
  if not (Float.is_finite o.vol && o.vol > 0.) then Keel.Error.failf Invalid_argument "vol: expected a number > 0, got %g" o.vol;
  let t = o.expiry and s = o.spot and k = o.strike and r = o.rate and q = o.dividend in
  let w = match o.right with Call -> 1. | Put -> -1. in
  let sqrt_t = Float.sqrt t in
  let d1 = (Float.log (s /. k) +. ((r -. q +. (0.5 *. o.vol *. o.vol)) *. t)) /. (o.vol *. sqrt_t) in
  let d2 = d1 -. (o.vol *. sqrt_t) in
  let dq = Float.exp (-.q *. t) and dr = Float.exp (-.r *. t) in
  let nd1 = norm_cdf (w *. d1) and nd2 = norm_cdf (w *. d2) and pdf = norm_pdf d1 in
  {
    price = w *. ((s *. dq *. nd1) -. (k *. dr *. nd2));
    delta = w *. dq *. nd1;
    gamma = dq *. pdf /. (s *. o.vol *. sqrt_t);
    vega = s *. dq *. pdf *. sqrt_t;
    theta = (-.s *. dq *. pdf *. o.vol /. (2. *. sqrt_t)) +. (w *. ((q *. s *. dq *. nd1) -. (r *. k *. dr *. nd2)));
    rho = w *. k *. t *. dr *. nd2;
  }

(* The price increases with vol: bisect on [1e-6, 10] to [tolerance]. *)
let implied_vol ~tolerance (o : option_spec) ~premium =
  check o;
  let at vol = (price { o with vol }).price in
  let lo = 1e-6 and hi = 10. in
  if not (premium >= at lo && premium <= at hi) then
    Keel.Error.failf No_solution "premium %g is outside [%g, %g], the prices for vols in [%g, %g]" premium (at lo)
      (at hi) lo hi;
  let rec bisect lo hi n =
    let mid = 0.5 *. (lo +. hi) in
    if hi -. lo <= tolerance || n = 0 then mid
    else if at mid < premium then bisect mid hi (n - 1)
    else bisect lo mid (n - 1)
  in
  bisect lo hi 200

let params_schema =
  {|{
  "type": "object",
  "properties": {
    "tolerance": {"type": "number", "exclusiveMinimum": 0, "default": 1e-12,
                  "description": "implied vol: stop bisecting when the bracket is this narrow"}
  },
  "additionalProperties": false
}|}

let create params _host =
  (* Raises Keel.Error.Error (Invalid_argument, "/tolerance: expected ...") on a bad value. *)
  let tolerance = Keel.Params.float params "tolerance" ~default:1e-12 ~min:Float.min_float in
  Keel.Pricing_model.make ~price ~implied_vol:(implied_vol ~tolerance) ()

let () =
  Keel.Plugin.register ~id:"acme.ml_models" ~name:"Acme models in OCaml" ~version:"1.0.0" ~vendor:"Acme Corp"
    ~description:"An out-of-tree keel plugin in OCaml: Black-Scholes-Merton with implied volatility."
    ~pricing_models:
      [ Keel.Pricing_model.factory ~id:"acme.ml_black_scholes"
          ~description:"Black-Scholes-Merton, European options: price, five greeks, implied vol"
          ~params_schema create ]
    ()
