(** Keel_embed — keel's pricing models in an OCaml program: the embedding
    API of libkeel (keel/embed.h) for OCaml.

    {[
      let host = Keel_embed.open_ () in
      let bs = Keel_embed.model host "keel.black_scholes" ~params:"{}" in
      let g = Keel_embed.price bs { spot = 60.; strike = 65.; expiry = 0.25;
                                    vol = 0.3; rate = 0.08; dividend = 0.;
                                    right = Call; exercise = European } in
      Printf.printf "%.8f\n" g.price;
      Keel_embed.drop bs;
      Keel_embed.close host
    ]}

    This is not the plugin SDK (module [Keel], which writes plugins keel
    loads): it is the other direction, a program that loads keel. Link it
    with libkeel (keel_add_ocaml_embed_executable in KeelOCaml.cmake does it,
    with an rpath).

    Batches are zero copy: [price_batch] hands the Bigarrays' own memory to
    keel_embed_model_price_batch, so a batch of a million options costs what
    it costs from C. Bigarray data lives outside the OCaml heap, so for a
    batch of {!blocking_threshold} options or more the OCaml runtime lock is
    released during the call (other OCaml threads run meanwhile).

    Lifetimes. [close] ends a host, [drop] a model; both also happen when the
    GC collects a host or a model that was not closed or dropped (a model
    keeps its host open until it is collected too), but a program that
    prices should say when: the GC may wait long. After [close], every call
    on the host or its models raises [Error] (stale handle).

    Threads. Every call may be made from any OCaml thread, except:
    [calibrate] never concurrently with another call on the same model, and
    [close] when no other call on the host runs (a [close] while a released
    batch runs raises [Error], invalid argument). *)

(** {1 Errors} *)

(** Every failing call raises [Error]: [code] is the keel_status_t
    (keel/status.h: 1 invalid argument, 3 stale handle, 5 not found, ...),
    [name] its name ("invalid argument"), [message] what keel said (it names
    the model, and for a batch the first failing item's index). *)
exception Error of { code : int; name : string; message : string }

(** The codes of keel/status.h that the calls below raise most. *)
val invalid_argument : int

val stale_handle : int
val not_found : int
val no_solution : int

(** {1 Options and greeks} (keel/pricing_model.h)

    The batch types come first so that a record written without a type
    annotation, [{ spot = 60.; ...; exercise = European }], is an
    [option_spec] (the two share their labels). *)

type floats = (float, Bigarray.float64_elt, Bigarray.c_layout) Bigarray.Array1.t
type int32s = (int32, Bigarray.int32_elt, Bigarray.c_layout) Bigarray.Array1.t

(** A batch of options, struct-of-arrays (keel_option_batch_t), read in
    place. Every column has the same length, the batch's count. [right]
    holds 0l (call) or 1l (put); [exercise] 0l (European) or 1l (American),
    [None] meaning all European. *)
type batch = {
  spot : floats;
  strike : floats;
  expiry : floats;
  vol : floats;  (** not read by [implied_vol_batch] *)
  rate : floats;
  dividend : floats;
  right : int32s;
  exercise : int32s option;
}

(** The outputs of a batch (keel_greeks_batch_t), written in place, each as
    long as the batch. [status], when given, receives each item's code (0
    for priced). *)
type greeks_batch = {
  price : floats;
  delta : floats;
  gamma : floats;
  vega : floats;
  theta : floats;
  rho : floats;
  status : int32s option;
}

type right = Call | Put  (** KEEL_RIGHT_CALL = 0, KEEL_RIGHT_PUT = 1 *)

type exercise = European | American  (** KEEL_EXERCISE_* *)

(** One option: expiry in years; vol, rate, dividend annual, continuously
    compounded. *)
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

(** Price and the five greeks: delta and gamma per 1.0 of spot, vega per 1.0
    of vol, rho per 1.0 of rate, theta per year (-dV/dexpiry). *)
type greeks = { price : float; delta : float; gamma : float; vega : float; theta : float; rho : float }

(** [batch_create n]: a batch of [n] options, every column zeroed (calls,
    European). *)
val batch_create : int -> batch

(** [greeks_batch_create n]: outputs for [n] options, without [status]. *)
val greeks_batch_create : int -> greeks_batch

(** {1 Hosts and models} *)

type host
type model

(** Opens a host (keel_embed_open). [plugin_path]: ':'-separated folders
    searched first for plugins; [no_default_path] (default false): search
    only those (not KEEL_PLUGIN_PATH nor the plugins installed with libkeel). *)
val open_ : ?plugin_path:string -> ?no_default_path:bool -> unit -> host

(** Ends the host: drops the models still open and unloads the plugins.
    Raises [Error] (invalid argument, naming them) when models were still
    open — they are dropped all the same and the host is closed. A second
    [close] does nothing. *)
val close : host -> unit

(** Loads a plugin file, or puts a folder first on the search path
    (keel_embed_load). *)
val load : host -> string -> unit

(** [model host id ~params] creates a model instance: [id] names a
    pricing-model factory ("keel.black_scholes"), a plugin file, or
    "FILE.so:ID"; [params] is a JSON object (default "{}"). *)
val model : host -> ?params:string -> string -> model

(** Drops the model (its plugin's drop runs once). A second [drop], or a
    [drop] after its host was closed, raises [Error] with code
    [stale_handle], as keel_embed_model_drop does: a double drop is a bug
    worth hearing about. The GC's finaliser never raises and never drops
    twice. *)
val drop : model -> unit

(** The model's factory id ("keel.black_scholes"). *)
val factory : model -> string

(** {1 Pricing} *)

(** Prices one option: price and all five greeks. Allocates the result. *)
val price : model -> option_spec -> greeks

(** Prices every option of the batch into [out] with one
    keel_embed_model_price_batch call, in place. Raises [Error] (invalid
    argument) before calling keel when a column's length differs from
    [batch.spot]'s; after the call, when an item failed: the others are
    priced, failed items hold NaN (and their code in [out.status]). *)
val price_batch : model -> batch -> greeks_batch -> unit

(** The volatility at which the model's price is [premium] ([option.vol] is
    not read). [Error] [no_solution] outside the no-arbitrage bounds. *)
val implied_vol : model -> option_spec -> premium:float -> float

(** [implied_vol_batch model batch ~premiums ~vols ?status ()] writes the
    implied vol of item i into [vols.{i}] (NaN where it failed, with its code
    in [status]); raises [Error] for the first failure after writing the rest. *)
val implied_vol_batch :
  model -> batch -> premiums:floats -> vols:floats -> ?status:int32s -> unit -> unit

(** {1 Calibration} *)

(** A market quote to fit: the option ([vol] not read), its premium and its
    weight (> 0) in the least-squares objective. *)
type quote = { option : option_spec; premium : float; weight : float }

(** A copy of keel_calibration_report_t, taken before the capsule was
    released: nothing to free. *)
type report = {
  converged : bool;
  iterations : int;
  parameters : (string * float) list;  (** fitted values, by name ("vol") *)
  residuals : float array;  (** model - market premium, per quote *)
  rmse : float;
  message : string;
}

(** Fits the model to the quotes (keel_embed_model_calibrate); the report's
    capsule is released before this returns. *)
val calibrate : model -> quote array -> report

(** Batches of at least this many options are priced with the OCaml runtime
    lock released. *)
val blocking_threshold : int
