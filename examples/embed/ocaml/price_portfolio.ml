(* price_portfolio — prices a portfolio of European options with keel's
   Black-Scholes model from OCaml, through Keel_embed (keel/embed.h).

     price_portfolio_ocaml [--plugin-path DIR] [PORTFOLIO.csv]   a table
     price_portfolio_ocaml --bits [...]          the outputs' IEEE-754 bits
     price_portfolio_ocaml --bench [--bench-scale F]   one line of JSON

   The portfolio (default examples/data/options.csv) has the header
   symbol,spot,strike,expiry,vol,rate,dividend,right (right = call|put) and
   is priced with one Keel_embed.price_batch over Bigarray columns. *)

external monotonic_ns : unit -> int = "price_portfolio_monotonic_ns" [@@noalloc]

let exit_failed = 1 (* a keel call failed *)
let exit_bad_input = 2 (* engine/cli/exit_codes.hpp: bad input *)

let die code fmt = Printf.ksprintf (fun text -> prerr_endline text; exit code) fmt

type args = { plugin_path : string option; csv : string option; bits : bool; bench : bool; scale : float }

let usage = "usage: price_portfolio_ocaml [--plugin-path DIR] [--bits | --bench [--bench-scale F]] [PORTFOLIO.csv]"

let parse_args () =
  let rec go acc = function
    | [] -> acc
    | "--plugin-path" :: dir :: rest -> go { acc with plugin_path = Some dir } rest
    | "--bits" :: rest -> go { acc with bits = true } rest
    | "--bench" :: rest -> go { acc with bench = true } rest
    | "--bench-scale" :: f :: rest -> (
        match float_of_string_opt f with
        | Some scale when scale > 0.0 -> go { acc with scale } rest
        | _ -> die exit_bad_input "price_portfolio_ocaml: --bench-scale %S is not a positive number\n%s" f usage)
    | ("-h" | "--help") :: _ -> print_endline usage; exit 0
    | arg :: _ when String.length arg > 1 && arg.[0] = '-' ->
        die exit_bad_input "price_portfolio_ocaml: unknown option %s (or missing value)\n%s" arg usage
    | csv :: rest -> go { acc with csv = Some csv } rest
  in
  go { plugin_path = None; csv = None; bits = false; bench = false; scale = 1.0 }
    (List.tl (Array.to_list Sys.argv))

(* The default portfolio: beside the working directory, or the source tree's
   seen from build/examples/embed/ (where CMake puts this program). *)
let default_csv () =
  let exe_dir = Filename.dirname Sys.executable_name in
  let candidates =
    [ "examples/data/options.csv"; Filename.concat exe_dir "../../../examples/data/options.csv";
      Filename.concat exe_dir "../../data/options.csv" ]
  in
  match List.find_opt Sys.file_exists candidates with
  | Some path -> path
  | None ->
      die exit_bad_input "price_portfolio_ocaml: no portfolio given and none found at %s: name a CSV file"
        (String.concat ", " candidates)

type row = { symbol : string; option : Keel_embed.option_spec }

let read_portfolio path =
  let ic = try open_in path with Sys_error e -> die exit_bad_input "price_portfolio_ocaml: %s" e in
  let header = "symbol,spot,strike,expiry,vol,rate,dividend,right" in
  let rows = ref [] in
  let line_no = ref 0 in
  (try
     while true do
       let line = input_line ic in
       incr line_no;
       let line = String.trim line in
       if !line_no = 1 then begin
         if line <> header then die exit_bad_input "%s:1: the header is %S; expected %S" path line header
       end
       else if line <> "" then begin
         let number field text =
           match float_of_string_opt (String.trim text) with
           | Some x -> x
           | None -> die exit_bad_input "%s:%d: %s %S is not a number" path !line_no field text
         in
         match String.split_on_char ',' line with
         | [ symbol; spot; strike; expiry; vol; rate; dividend; right ] ->
             let right : Keel_embed.right =
               match String.trim right with
               | "call" -> Call
               | "put" -> Put
               | other -> die exit_bad_input "%s:%d: right %S is neither call nor put" path !line_no other
             in
             let option : Keel_embed.option_spec =
               { spot = number "spot" spot; strike = number "strike" strike; expiry = number "expiry" expiry;
                 vol = number "vol" vol; rate = number "rate" rate; dividend = number "dividend" dividend;
                 right; exercise = European }
             in
             rows := { symbol; option } :: !rows
         | fields ->
             die exit_bad_input "%s:%d: %d fields; expected 8 (%s)" path !line_no (List.length fields) header
       end
     done
   with End_of_file -> close_in ic);
  Array.of_list (List.rev !rows)

let batch_of_options (options : Keel_embed.option_spec array) =
  let b = Keel_embed.batch_create (Array.length options) in
  Array.iteri
    (fun i (o : Keel_embed.option_spec) ->
      b.spot.{i} <- o.spot;
      b.strike.{i} <- o.strike;
      b.expiry.{i} <- o.expiry;
      b.vol.{i} <- o.vol;
      b.rate.{i} <- o.rate;
      b.dividend.{i} <- o.dividend;
      b.right.{i} <- (match o.right with Call -> 0l | Put -> 1l))
    options;
  b

let print_bits rows (g : Keel_embed.greeks_batch) =
  let buf = Buffer.create 4096 in
  Buffer.add_string buf "symbol,price,delta,gamma,vega,theta,rho\n";
  Array.iteri
    (fun i r ->
      Buffer.add_string buf r.symbol;
      List.iter
        (fun (col : Keel_embed.floats) -> Buffer.add_string buf (Printf.sprintf ",%016Lx" (Int64.bits_of_float col.{i})))
        [ g.price; g.delta; g.gamma; g.vega; g.theta; g.rho ];
      Buffer.add_char buf '\n')
    rows;
  print_string (Buffer.contents buf)

let print_table rows (g : Keel_embed.greeks_batch) =
  Printf.printf "%-14s %12s %10s %10s %12s %12s %12s\n" "symbol" "price" "delta" "gamma" "vega" "theta" "rho";
  Array.iteri
    (fun i r ->
      Printf.printf "%-14s %12.6f %10.6f %10.6f %12.6f %12.6f %12.6f\n" r.symbol g.price.{i} g.delta.{i}
        g.gamma.{i} g.vega.{i} g.theta.{i} g.rho.{i})
    rows

(* The bench portfolio of the embedding examples' protocol: option i of n. *)
let bench_batch n =
  let b = Keel_embed.batch_create n in
  for i = 0 to n - 1 do
    b.spot.{i} <- 100.0;
    b.strike.{i} <- 70.0 +. float_of_int (i mod 61);
    b.expiry.{i} <- 0.05 +. (float_of_int (i mod 40) *. 0.05);
    b.vol.{i} <- 0.10 +. (float_of_int (i mod 31) *. 0.01);
    b.rate.{i} <- 0.03;
    b.dividend.{i} <- 0.01;
    b.right.{i} <- (if i mod 2 = 0 then 0l else 1l)
  done;
  b

let best_of reps f =
  let best = ref max_float in
  for _ = 1 to reps do
    let t0 = monotonic_ns () in
    f ();
    let dt = float_of_int (monotonic_ns () - t0) in
    if dt < !best then best := dt
  done;
  !best

let bench model scale =
  let scaled n = max 1 (int_of_float (Float.round (float_of_int n *. scale))) in
  let reps = 5 in
  (* single calls: the first 1000 options of the portfolio, cycled. Keel_embed.price
     allocates its greeks record per call (its natural API): that is timed. *)
  let small = bench_batch 1000 in
  let singles =
    Array.init 1000 (fun i : Keel_embed.option_spec ->
        { spot = small.spot.{i}; strike = small.strike.{i}; expiry = small.expiry.{i}; vol = small.vol.{i};
          rate = small.rate.{i}; dividend = small.dividend.{i};
          right = (if Int32.equal small.right.{i} 0l then Call else Put); exercise = European })
  in
  let calls = scaled 200_000 in
  let sink = ref 0.0 in
  let single =
    best_of reps (fun () ->
        for c = 0 to calls - 1 do
          let g = Keel_embed.price model singles.(c mod 1000) in
          sink := !sink +. g.price
        done)
    /. float_of_int calls
  in
  let out_1k = Keel_embed.greeks_batch_create 1000 in
  let repeats = scaled 1000 in
  let batch_1k =
    best_of reps (fun () ->
        for _ = 1 to repeats do
          Keel_embed.price_batch model small out_1k
        done)
    /. float_of_int (repeats * 1000)
  in
  let n = 1_000_000 in
  let big = bench_batch n in
  let out_1m = Keel_embed.greeks_batch_create n in
  let batch_1m = best_of reps (fun () -> Keel_embed.price_batch model big out_1m) /. float_of_int n in
  ignore (Sys.opaque_identity !sink);
  Printf.printf
    "{\"caller\": \"ocaml\", \"single_call_ns\": %.3f, \"batch_1k_ns_per_option\": %.3f, \
     \"batch_1m_ns_per_option\": %.3f}\n"
    single batch_1k batch_1m

let () =
  let args = parse_args () in
  try
    let host = Keel_embed.open_ ?plugin_path:args.plugin_path () in
    let model = Keel_embed.model host "keel.black_scholes" ~params:"{}" in
    if args.bench then bench model args.scale
    else begin
      let rows = read_portfolio (match args.csv with Some p -> p | None -> default_csv ()) in
      let batch = batch_of_options (Array.map (fun r -> r.option) rows) in
      let out = Keel_embed.greeks_batch_create (Array.length rows) in
      Keel_embed.price_batch model batch out;
      if args.bits then print_bits rows out else print_table rows out
    end;
    Keel_embed.drop model;
    Keel_embed.close host
  with Keel_embed.Error { code; name; message } ->
    die exit_failed "price_portfolio_ocaml: keel error %d (%s): %s" code name message
