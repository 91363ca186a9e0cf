(* keel.delta_hedger — holds an option position (given in its params) and
   trades the underlying to stay delta-neutral.

   On each quote of the underlying it prices the option through the host's
   model calls (a pricing model named in the run file's pricing_models) at
   the quote's mid, and targets a hedge of -delta x contracts x multiplier
   shares. When no order of its own is working and the target differs from
   the position it holds by more than [threshold] shares, it sends a market
   order for the difference (rounded to the lot size). Its position comes
   from its own fills. *)

open Keel.Types

let year_ns = 365. *. 86_400e9  (* ACT/365: expiry in years counts 365-day years *)

type expiry = Years of float | At of int  (* ns since the epoch *)

(* ---- ISO dates: "2024-06-21" (00:00 UTC) or "2024-06-21T16:00:00Z" ---- *)

let days_from_civil y m d =
  (* Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic
     Gregorian date. *)
  let y = if m <= 2 then y - 1 else y in
  let era = (if y >= 0 then y else y - 399) / 400 in
  let yoe = y - (era * 400) in
  let mp = (m + 9) mod 12 in
  let doy = ((153 * mp) + 2) / 5 + d - 1 in
  let doe = (yoe * 365) + (yoe / 4) - (yoe / 100) + doy in
  (era * 146097) + doe - 719468

let parse_iso_time text =
  let digits s = String.length s > 0 && String.for_all (fun c -> c >= '0' && c <= '9') s in
  let int_of s = if digits s then Some (int_of_string s) else None in
  let date, time =
    match String.index_opt text 'T' with
    | None -> (text, None)
    | Some i -> (String.sub text 0 i, Some (String.sub text (i + 1) (String.length text - i - 1)))
  in
  let ymd =
    match String.split_on_char '-' date with
    | [ y; m; d ] when String.length y = 4 && String.length m = 2 && String.length d = 2 -> (
        match (int_of y, int_of m, int_of d) with
        | Some y, Some m, Some d when m >= 1 && m <= 12 && d >= 1 && d <= 31 -> Some (y, m, d)
        | _ -> None)
    | _ -> None
  in
  let seconds =
    match time with
    | None -> Some 0
    | Some t -> (
        let t = if String.length t > 0 && t.[String.length t - 1] = 'Z' then String.sub t 0 (String.length t - 1) else t in
        match String.split_on_char ':' t with
        | [ h; mi; s ] -> (
            match (int_of h, int_of mi, int_of s) with
            | Some h, Some mi, Some s when h < 24 && mi < 60 && s < 61 -> Some ((h * 3600) + (mi * 60) + s)
            | _ -> None)
        | _ -> None)
  in
  match (ymd, seconds) with
  | Some (y, m, d), Some s -> Some ((((days_from_civil y m d * 86_400) + s) * 1_000_000_000))
  | _ -> None

(* ---- params ---- *)

type config = {
  model_name : string;
  model : model_handle;
  underlying_symbol : string;
  strike : float;
  expiry : expiry;
  right : right;
  exercise : exercise;
  vol : float;
  rate : float;
  dividend : float;
  contracts : float;
  multiplier : float;
  threshold : float;
}

let read_config params host =
  let module P = Keel.Params in
  let model_name = P.string params "model" in
  let underlying_symbol = P.string params "underlying" in
  let option = P.obj params "option" in
  let strike = P.float option "strike" ~min:Float.min_float in
  let expiry =
    match P.value option "expiry" with
    | Some (Keel.Json.Number years) when Float.is_finite years && years > 0. -> Years years
    | Some (Keel.Json.String text) as got -> (
        match parse_iso_time text with
        | Some ns -> At ns
        | None ->
            P.fail option "expiry"
              (Printf.sprintf "expected an ISO date (\"2024-06-21\" or \"2024-06-21T16:00:00Z\"), got %s"
                 (Keel.Json.to_string (Option.get got))))
    | Some got -> P.fail option "expiry" ("expected years (a number > 0) or an ISO date, got " ^ Keel.Json.to_string got)
    | None -> P.fail option "expiry" "required param missing"
  in
  let right = match P.string option "right" ~one_of:[ "call"; "put" ] with "call" -> Call | _ -> Put in
  let exercise =
    match P.string option "exercise" ~default:"european" ~one_of:[ "european"; "american" ] with
    | "american" -> American
    | _ -> European
  in
  let vol = P.float option "vol" ~min:Float.min_float in
  let rate = P.float option "rate" ~default:0. in
  let dividend = P.float option "dividend" ~default:0. in
  let contracts = P.float params "contracts" ~default:1. in
  let multiplier = P.float params "multiplier" ~default:100. ~min:Float.min_float in
  let threshold = P.float params "threshold" ~default:1. ~min:0. in
  let model =
    match Keel.Host.model_lookup host model_name with
    | Ok handle -> handle
    | Error e -> P.fail params "model" e.message
  in
  { model_name; model; underlying_symbol; strike; expiry; right; exercise; vol; rate; dividend; contracts;
    multiplier; threshold }

(* ---- the strategy ---- *)

type state = {
  config : config;
  host : Keel.Host.t;
  mutable underlying : instrument;
  mutable lot : float;
  mutable expiry_ns : int;
  mutable position : float;  (* shares of the underlying, from fills *)
  mutable pending : int option;  (* client tag of the working order *)
  mutable next_tag : int;
}

let fail_start fmt = Keel.Error.failf Invalid_argument fmt

let on_start s (start : start) =
  let c = s.config in
  let id =
    match Keel.Host.instrument_find s.host c.underlying_symbol with
    | Ok id -> id
    | Error e -> fail_start "/underlying: %s" e.message
  in
  if not (Array.mem id start.instruments) then
    fail_start "/underlying: '%s' is not one of strategy '%s''s instruments" c.underlying_symbol start.name;
  let info = Keel.Error.ok_exn (Keel.Host.instrument_info s.host id) in
  s.underlying <- id;
  s.lot <- (if info.lot_size > 0. then info.lot_size else 1.);
  s.expiry_ns <-
    (match c.expiry with Years y -> start.start_time + int_of_float (y *. year_ns) | At ns -> ns)

let target_hedge s (q : quote) =
  let c = s.config in
  let years = float_of_int (s.expiry_ns - q.ts) /. year_ns in
  if years <= 0. then 0.
  else begin
    let spot = 0.5 *. (q.bid +. q.ask) in
    let option =
      { spot; strike = c.strike; expiry = years; vol = c.vol; rate = c.rate; dividend = c.dividend;
        right = c.right; exercise = c.exercise }
    in
    match Keel.Host.model_price s.host c.model option with
    | Ok g -> -.g.delta *. c.contracts *. c.multiplier
    | Error e -> Keel.Error.failf e.code "model '%s': %s" c.model_name e.message
  end

let on_quote s (q : quote) =
  if q.instrument = s.underlying && q.bid > 0. && q.ask > 0. && s.pending = None then begin
    let target = target_hedge s q in
    let gap = target -. s.position in
    if Float.abs gap > s.config.threshold then begin
      let quantity = Float.round (Float.abs gap /. s.lot) *. s.lot in
      if quantity > 0. then begin
        let side = if gap > 0. then Buy else Sell in
        let tag = s.next_tag in
        s.next_tag <- tag + 1;
        match Keel.Host.submit s.host (market_order ~client_tag:tag ~instrument:s.underlying ~side quantity) with
        | Ok _ ->
            s.pending <- Some tag;
            Keel.Host.logf s.host Debug "target %.2f, holding %.2f: %s %g" target s.position
              (if side = Buy then "buy" else "sell") quantity
        | Error e -> Keel.Host.logf s.host Warn "hedge order refused: %s" e.message
      end
    end
  end

let on_fill s (f : fill) =
  if f.instrument = s.underlying then
    s.position <- (s.position +. match f.side with Buy -> f.quantity | Sell -> -.f.quantity)

let on_order_update s (u : order_update) =
  if s.pending = Some u.client_tag && is_terminal u.state then s.pending <- None

let create params host =
  let config = read_config params host in
  let s =
    { config; host; underlying = -1; lot = 1.; expiry_ns = 0; position = 0.; pending = None; next_tag = 1 }
  in
  {
    Keel.Strategy.default with
    on_start = on_start s;
    on_quote = on_quote s;
    on_fill = on_fill s;
    on_order_update = on_order_update s;
  }

let params_schema =
  {|{
  "type": "object",
  "required": ["model", "underlying", "option"],
  "properties": {
    "model": {"type": "string", "description": "a pricing model's name in the run file's pricing_models"},
    "underlying": {"type": "string", "description": "the instrument to trade; one of the strategy's instruments"},
    "option": {
      "type": "object",
      "required": ["strike", "expiry", "right", "vol"],
      "properties": {
        "strike": {"type": "number", "exclusiveMinimum": 0},
        "expiry": {"oneOf": [{"type": "number", "exclusiveMinimum": 0, "description": "years from the run's start"},
                             {"type": "string", "description": "ISO date, 2024-06-21 or 2024-06-21T16:00:00Z"}]},
        "right": {"enum": ["call", "put"]},
        "exercise": {"enum": ["european", "american"], "default": "european"},
        "vol": {"type": "number", "exclusiveMinimum": 0},
        "rate": {"type": "number", "default": 0},
        "dividend": {"type": "number", "default": 0}
      },
      "additionalProperties": false
    },
    "contracts": {"type": "number", "default": 1, "description": "option contracts held; negative when short"},
    "multiplier": {"type": "number", "exclusiveMinimum": 0, "default": 100},
    "threshold": {"type": "number", "minimum": 0, "default": 1,
                  "description": "re-hedge when |target - hedge| exceeds this many shares"}
  },
  "additionalProperties": false
}|}

let () =
  Keel.Plugin.register ~id:"keel.delta_hedger" ~name:"Delta hedger" ~version:"1.0.0" ~vendor:"keel"
    ~description:
      "An OCaml strategy that holds an option position and keeps it delta-neutral by trading the \
       underlying, pricing the option through a pricing model of the run."
    ~strategies:
      [ Keel.Strategy.factory ~id:"keel.delta_hedger"
          ~description:"delta-hedges an option position with the underlying, re-hedging past a threshold"
          ~params_schema create ]
    ()
