(* Keel_embed — see keel_embed.mli. The stubs are keel_embed_stubs.c.

   The field order of every record and the constructor order of every
   variant below is part of the contract with keel_embed_stubs.c, which
   reads or builds them in C: change one only together with the other. *)

exception Error of { code : int; name : string; message : string }

(* keel/status.h *)
let invalid_argument = 1
let stale_handle = 3
let not_found = 5
let no_solution = 6

type floats = (float, Bigarray.float64_elt, Bigarray.c_layout) Bigarray.Array1.t
type int32s = (int32, Bigarray.int32_elt, Bigarray.c_layout) Bigarray.Array1.t

type batch = {
  spot : floats;
  strike : floats;
  expiry : floats;
  vol : floats;
  rate : floats;
  dividend : floats;
  right : int32s;
  exercise : int32s option;
}

type greeks_batch = {
  price : floats;
  delta : floats;
  gamma : floats;
  vega : floats;
  theta : floats;
  rho : floats;
  status : int32s option;
}

type right = Call | Put
type exercise = European | American

type option_spec = {
  spot : float;
  strike : float;
  expiry : float;
  vol : float;
  rate : float;
  dividend : float;
  right : right;
  exercise : exercise;
}

type greeks = { price : float; delta : float; gamma : float; vega : float; theta : float; rho : float }

type quote = { option : option_spec; premium : float; weight : float }

type report = {
  converged : bool;
  iterations : int;
  parameters : (string * float) list;
  residuals : float array;
  rmse : float;
  message : string;
}

type host
type model

(* What every stub answers: Ok, or Error (code, name, message). *)
type failure = int * string * string
type 'a answer = ('a, failure) result

external stub_blocking_threshold : unit -> int = "keel_embed_ml_blocking_threshold" [@@noalloc]
external stub_open : string option -> bool -> host answer = "keel_embed_ml_open"
external stub_close : host -> unit answer = "keel_embed_ml_close"
external stub_load : host -> string -> unit answer = "keel_embed_ml_load"
external stub_model : host -> string -> string -> model answer = "keel_embed_ml_model"
external stub_drop : model -> unit answer = "keel_embed_ml_drop"
external stub_factory : model -> string answer = "keel_embed_ml_factory"
external stub_price : model -> option_spec -> greeks answer = "keel_embed_ml_price"
external stub_price_batch : model -> batch -> greeks_batch -> unit answer = "keel_embed_ml_price_batch"
external stub_implied_vol : model -> option_spec -> float -> float answer = "keel_embed_ml_implied_vol"

external stub_implied_vol_batch : model -> batch -> floats -> floats -> int32s option -> unit answer
  = "keel_embed_ml_implied_vol_batch"

external stub_calibrate : model -> quote array -> report answer = "keel_embed_ml_calibrate"

let blocking_threshold = stub_blocking_threshold ()

let fail (code, name, message) = raise (Error { code; name; message })

let get = function Ok v -> v | Error failure -> fail failure

let () =
  Printexc.register_printer (function
    | Error { code; name; message } -> Some (Printf.sprintf "Keel_embed.Error (%d, %s: %s)" code name message)
    | _ -> None)

let float_column n =
  let a = Bigarray.Array1.create Bigarray.float64 Bigarray.c_layout n in
  Bigarray.Array1.fill a 0.0;
  a

let batch_create n : batch =
  let right = Bigarray.Array1.create Bigarray.int32 Bigarray.c_layout n in
  Bigarray.Array1.fill right 0l;
  {
    spot = float_column n;
    strike = float_column n;
    expiry = float_column n;
    vol = float_column n;
    rate = float_column n;
    dividend = float_column n;
    right;
    exercise = None;
  }

let greeks_batch_create n : greeks_batch =
  {
    price = float_column n;
    delta = float_column n;
    gamma = float_column n;
    vega = float_column n;
    theta = float_column n;
    rho = float_column n;
    status = None;
  }

let open_ ?plugin_path ?(no_default_path = false) () = get (stub_open plugin_path no_default_path)
let close host = get (stub_close host)
let load host path = get (stub_load host path)
let model host ?(params = "{}") id = get (stub_model host id params)
let drop model = get (stub_drop model)
let factory model = get (stub_factory model)
let price model option = get (stub_price model option)
let implied_vol model option ~premium = get (stub_implied_vol model option premium)

(* Every column as long as spot's, checked before keel reads any: keel
   trusts the count it is given. *)
let check_lengths call n columns =
  List.iter
    (fun (name, length) ->
      if length <> n then
        fail
          ( invalid_argument,
            "invalid argument",
            Printf.sprintf
              "Keel_embed.%s: column %s has %d elements but the batch has %d (spot's length): give \
               every column the same length"
              call name length n ))
    columns

let batch_columns (b : batch) =
  let dim = Bigarray.Array1.dim in
  [ ("strike", dim b.strike); ("expiry", dim b.expiry); ("rate", dim b.rate); ("dividend", dim b.dividend);
    ("right", dim b.right) ]
  @ match b.exercise with None -> [] | Some e -> [ ("exercise", dim e) ]

let price_batch model (b : batch) (out : greeks_batch) =
  let dim = Bigarray.Array1.dim in
  let n = dim b.spot in
  check_lengths "price_batch" n
    (batch_columns b
    @ [ ("vol", dim b.vol); ("out.price", dim out.price); ("out.delta", dim out.delta);
        ("out.gamma", dim out.gamma); ("out.vega", dim out.vega); ("out.theta", dim out.theta);
        ("out.rho", dim out.rho) ]
    @ match out.status with None -> [] | Some s -> [ ("out.status", dim s) ]);
  get (stub_price_batch model b out)

let implied_vol_batch model (b : batch) ~premiums ~vols ?status () =
  let dim = Bigarray.Array1.dim in
  let n = dim b.spot in
  check_lengths "implied_vol_batch" n
    (batch_columns b
    @ [ ("premiums", dim premiums); ("vols", dim vols) ]
    @ match status with None -> [] | Some s -> [ ("status", dim s) ]);
  get (stub_implied_vol_batch model b premiums vols status)

let calibrate model quotes = get (stub_calibrate model quotes)
