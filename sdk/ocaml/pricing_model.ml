(* Keel.Pricing_model — write a pricing model (kind "keel.pricing_model/1").

     let create params host =
       let steps = Keel.Params.int params "steps" ~default:500 ~min:2 in
       Keel.Pricing_model.make ~price:(fun o -> my_tree steps o) ()

     let factory =
       Keel.Pricing_model.factory ~id:"acme.tree" ~description:"one line"
         ~params_schema:{|{"type":"object"}|} create

   and list it in Keel.Plugin.register ~pricing_models:[factory].

   [price] returns the price and all five greeks; raise Keel.Error.Error
   (Invalid_argument, "...") for bad inputs (name the field) and
   (Unsupported, "...") for an exercise style the model does not price.
   The batch forms of the C table (price_batch, implied_vol_batch) cross
   into OCaml once per batch: the SDK reads the caller's arrays in place
   and calls [price] per item, so a failing item gets NaN and its own
   status, as keel/pricing_model.h requires. calibrate reports Unsupported.

   Calls are serialised by the SDK (one OCaml runtime per plugin), so an
   instance needs no locking of its own unless threads the plugin starts
   (threads.posix) touch it too. *)

open Types

type t = {
  price : option_spec -> greeks;
  implied_vol : option_spec -> premium:float -> float;
}

let no_implied_vol _ ~premium:_ = Error.unsupported "this model does not compute implied volatility"

let make ?(implied_vol = no_implied_vol) ~price () = { price; implied_vol }

type factory = {
  id : string;
  description : string;
  params_schema : string;
  create : Params.t -> Host.t -> t;
}

let factory ~id ?(description = "") ?(params_schema = {|{"type":"object"}|}) create =
  { id; description; params_schema; create }

let nan_greeks = { price = nan; delta = nan; gamma = nan; vega = nan; theta = nan; rho = nan }

(* ---- batch views, as built by keel_ocaml_glue.c (field order matters) ---- *)

type f64 = (float, Bigarray.float64_elt, Bigarray.c_layout) Bigarray.Array1.t
type i32 = (int32, Bigarray.int32_elt, Bigarray.c_layout) Bigarray.Array1.t

(* keel_option_batch_t read in place; arrays have [count] elements. *)
type batch = {
  count : int;
  spot : f64;
  strike : f64;
  expiry : f64;
  vol : f64 option;  (* None only for implied volatility *)
  rate : f64;
  dividend : f64;
  right_of : i32;
  exercise_of : i32 option;  (* None: all European *)
}

(* keel_greeks_batch_t written in place. *)
type batch_out = {
  out_price : f64;
  out_delta : f64 option;
  out_gamma : f64 option;
  out_vega : f64 option;
  out_theta : f64 option;
  out_rho : f64 option;
  out_status : i32 option;
}

let right_of_int = function
  | 0 -> Call
  | 1 -> Put
  | other -> Error.failf Invalid_argument "right: expected KEEL_RIGHT_CALL (0) or KEEL_RIGHT_PUT (1), got %d" other

let exercise_of_int = function
  | 0 -> European
  | 1 -> American
  | other ->
      Error.failf Invalid_argument
        "exercise: expected KEEL_EXERCISE_EUROPEAN (0) or KEEL_EXERCISE_AMERICAN (1), got %d" other

let option_at (b : batch) ~vol i =
  let open Bigarray.Array1 in
  {
    spot = unsafe_get b.spot i;
    strike = unsafe_get b.strike i;
    expiry = unsafe_get b.expiry i;
    vol;
    rate = unsafe_get b.rate i;
    dividend = unsafe_get b.dividend i;
    right = right_of_int (Int32.to_int (unsafe_get b.right_of i));
    exercise =
      (match b.exercise_of with None -> European | Some e -> exercise_of_int (Int32.to_int (unsafe_get e i)));
  }

let store out i (g : greeks) status =
  let set a v = match a with Some a -> Bigarray.Array1.unsafe_set a i v | None -> () in
  Bigarray.Array1.unsafe_set out.out_price i g.price;
  set out.out_delta g.delta;
  set out.out_gamma g.gamma;
  set out.out_vega g.vega;
  set out.out_theta g.theta;
  set out.out_rho g.rho;
  match out.out_status with Some s -> Bigarray.Array1.unsafe_set s i (Int32.of_int status) | None -> ()
