(* embed_api_test — Keel_embed (sdk/ocaml/keel_embed.ml) against the real
   libkeel and keel.black_scholes. Prints one line per check and closes with
   "N passed, N failed"; exits 1 when a check failed. *)

let passed = ref 0
let failed = ref 0

let check name f =
  match f () with
  | () ->
      incr passed;
      Printf.printf "ok   %s\n%!" name
  | exception e ->
      incr failed;
      Printf.printf "FAIL %s: %s\n%!" name (Printexc.to_string e)

let expect cond fmt = Printf.ksprintf (fun text -> if not cond then failwith text) fmt

let contains text part =
  let n = String.length part in
  let rec go i = i + n <= String.length text && (String.sub text i n = part || go (i + 1)) in
  go 0

(* Runs f, which must raise Keel_embed.Error with [code]; returns its message. *)
let expect_error code f =
  match f () with
  | _ -> failwith (Printf.sprintf "no Keel_embed.Error (expected code %d)" code)
  | exception Keel_embed.Error { code = got; name; message } ->
      expect (got = code) "code %d (%s: %s), expected %d" got name message code;
      message

let haug : Keel_embed.option_spec =
  { spot = 60.0; strike = 65.0; expiry = 0.25; vol = 0.30; rate = 0.08; dividend = 0.0; right = Call;
    exercise = European }

(* Option i of n, as the embedding examples' bench portfolio. *)
let portfolio n =
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

let option_at (b : Keel_embed.batch) i : Keel_embed.option_spec =
  { spot = b.spot.{i}; strike = b.strike.{i}; expiry = b.expiry.{i}; vol = b.vol.{i}; rate = b.rate.{i};
    dividend = b.dividend.{i}; right = (if Int32.equal b.right.{i} 0l then Call else Put); exercise = European }

let same_bits a b = Int64.equal (Int64.bits_of_float a) (Int64.bits_of_float b)

let () =
  let host = Keel_embed.open_ () in
  let bs = Keel_embed.model host "keel.black_scholes" in

  check "haug_call_value" (fun () ->
      let g = Keel_embed.price bs haug in
      expect (Float.abs (g.price -. 2.13336844) < 1e-7) "price %.10f, Haug gives 2.13336844" g.price;
      expect (g.delta > 0.0 && g.delta < 1.0) "delta %g" g.delta);

  check "factory_id" (fun () ->
      let id = Keel_embed.factory bs in
      expect (id = "keel.black_scholes") "factory %S" id);

  (* A batch of one is priced by the model's scalar price() (keel.black_scholes
     prices whole SIMD blocks of 4 or 8 rows with libmvec, within 1e-14 of
     price() but not bit-identical): so one-row batches equal single calls
     bit for bit, and longer ones agree to the model's stated bound. *)
  let greeks_equal ~tolerance i (o : Keel_embed.option_spec) (g : Keel_embed.greeks) (out : Keel_embed.greeks_batch) j =
    List.iter
      (fun (name, single, batched) ->
        let ok =
          match tolerance with
          | None -> same_bits single batched
          | Some t -> Float.abs (single -. batched) <= t *. (Float.abs single +. Float.max o.spot o.strike)
        in
        expect ok "option %d: %s %h single, %h batch" i name single batched)
      [ ("price", g.price, out.price.{j}); ("delta", g.delta, out.delta.{j}); ("gamma", g.gamma, out.gamma.{j});
        ("vega", g.vega, out.vega.{j}); ("theta", g.theta, out.theta.{j}); ("rho", g.rho, out.rho.{j}) ]
  in

  check "batch_of_one_equals_single_call_bit_for_bit" (fun () ->
      let b = portfolio 200 in
      let out = Keel_embed.greeks_batch_create 1 in
      for i = 0 to 199 do
        let sub (a : Keel_embed.floats) = Bigarray.Array1.sub a i 1 in
        let one : Keel_embed.batch =
          { spot = sub b.spot; strike = sub b.strike; expiry = sub b.expiry; vol = sub b.vol; rate = sub b.rate;
            dividend = sub b.dividend; right = Bigarray.Array1.sub b.right i 1; exercise = None }
        in
        Keel_embed.price_batch bs one out;
        let o = option_at b i in
        greeks_equal ~tolerance:None i o (Keel_embed.price bs o) out 0
      done);

  (* Below and above the size from which the runtime lock is released. *)
  List.iter
    (fun n ->
      check (Printf.sprintf "batch_agrees_with_single_calls_n%d" n) (fun () ->
          let b = portfolio n in
          let out = Keel_embed.greeks_batch_create n in
          Keel_embed.price_batch bs b out;
          for i = 0 to n - 1 do
            let o = option_at b i in
            greeks_equal ~tolerance:(Some 1e-13) i o (Keel_embed.price bs o) out i
          done))
    [ 100; Keel_embed.blocking_threshold + 7 ];

  (* Zero copy: columns that are views into bigger Bigarrays (Array1.sub, an
     offset pointer) are read where they are, and give the same bits. *)
  check "batch_over_bigarray_views_is_read_in_place" (fun () ->
      let n = 1000 and offset = 3 in
      let fresh = portfolio n in
      let wide = portfolio (n + offset) in
      let shift (a : Keel_embed.floats) (src : Keel_embed.floats) =
        Bigarray.Array1.blit src (Bigarray.Array1.sub a offset n);
        Bigarray.Array1.sub a offset n
      in
      Bigarray.Array1.blit fresh.right (Bigarray.Array1.sub wide.right offset n);
      let view : Keel_embed.batch =
        { spot = shift wide.spot fresh.spot; strike = shift wide.strike fresh.strike;
          expiry = shift wide.expiry fresh.expiry; vol = shift wide.vol fresh.vol; rate = shift wide.rate fresh.rate;
          dividend = shift wide.dividend fresh.dividend; right = Bigarray.Array1.sub wide.right offset n;
          exercise = None }
      in
      let a = Keel_embed.greeks_batch_create n and wide_out = Keel_embed.greeks_batch_create (n + offset) in
      let b : Keel_embed.greeks_batch =
        let s (x : Keel_embed.floats) = Bigarray.Array1.sub x offset n in
        { price = s wide_out.price; delta = s wide_out.delta; gamma = s wide_out.gamma; vega = s wide_out.vega;
          theta = s wide_out.theta; rho = s wide_out.rho; status = None }
      in
      Keel_embed.price_batch bs fresh a;
      Keel_embed.price_batch bs view b;
      for i = 0 to n - 1 do
        expect (same_bits a.price.{i} b.price.{i} && same_bits a.rho.{i} b.rho.{i}) "option %d differs" i
      done;
      expect (wide_out.price.{0} = 0.0 && wide_out.price.{offset - 1} = 0.0) "wrote outside the view");

  check "length_mismatch_raises_before_the_call" (fun () ->
      let b = portfolio 10 in
      let b = { b with strike = (portfolio 9).strike } in
      let out = Keel_embed.greeks_batch_create 10 in
      Bigarray.Array1.fill out.price 42.0;
      let message = expect_error Keel_embed.invalid_argument (fun () -> Keel_embed.price_batch bs b out) in
      expect (contains message "strike") "message does not name the column: %s" message;
      expect (contains message "9" && contains message "10") "message does not give the lengths: %s" message;
      expect (out.price.{0} = 42.0) "keel was called: out.price.{0} = %g" out.price.{0});

  check "output_length_mismatch_raises" (fun () ->
      let b = portfolio 10 in
      let out = { (Keel_embed.greeks_batch_create 10) with rho = Bigarray.Array1.sub (portfolio 10).spot 0 3 } in
      let message = expect_error Keel_embed.invalid_argument (fun () -> Keel_embed.price_batch bs b out) in
      expect (contains message "out.rho") "message: %s" message);

  check "bad_item_in_batch_names_index_and_prices_the_rest" (fun () ->
      let b = portfolio 5 in
      b.spot.{3} <- -1.0;
      let status = Bigarray.Array1.create Bigarray.int32 Bigarray.c_layout 5 in
      let out = { (Keel_embed.greeks_batch_create 5) with status = Some status } in
      let message = expect_error Keel_embed.invalid_argument (fun () -> Keel_embed.price_batch bs b out) in
      expect (contains message "3") "message does not name item 3: %s" message;
      expect (Float.is_nan out.price.{3}) "failed item not NaN: %g" out.price.{3};
      expect (Int32.to_int status.{3} = Keel_embed.invalid_argument) "status.{3} = %ld" status.{3};
      expect (Int32.equal status.{0} 0l && out.price.{0} > 0.0) "item 0 not priced");

  check "bad_single_option_raises" (fun () ->
      let message = expect_error Keel_embed.invalid_argument (fun () -> Keel_embed.price bs { haug with spot = -60.0 }) in
      expect (contains message "spot") "message does not name spot: %s" message);

  check "unknown_model_raises_not_found" (fun () ->
      let message = expect_error Keel_embed.not_found (fun () -> Keel_embed.model host "acme.no_such_model") in
      expect (contains message "acme.no_such_model") "message does not name the model: %s" message);

  check "implied_vol_round_trip" (fun () ->
      let g = Keel_embed.price bs haug in
      let vol = Keel_embed.implied_vol bs { haug with vol = 0.0 } ~premium:g.price in
      expect (Float.abs (vol -. 0.30) < 1e-9) "implied vol %.12f, priced at 0.30" vol);

  check "implied_vol_no_solution" (fun () ->
      ignore (expect_error Keel_embed.no_solution (fun () -> Keel_embed.implied_vol bs haug ~premium:100.0)));

  check "implied_vol_batch_round_trip" (fun () ->
      let n = 50 in
      let b = portfolio n in
      let out = Keel_embed.greeks_batch_create n in
      Keel_embed.price_batch bs b out;
      (* Deep out-of-the-money short options carry little vol information:
         keep those whose vega is worth solving for. *)
      let vols = Bigarray.Array1.create Bigarray.float64 Bigarray.c_layout n in
      let status = Bigarray.Array1.create Bigarray.int32 Bigarray.c_layout n in
      (try Keel_embed.implied_vol_batch bs b ~premiums:out.price ~vols ~status ()
       with Keel_embed.Error _ -> ());
      let solved = ref 0 in
      for i = 0 to n - 1 do
        if Int32.equal status.{i} 0l then begin
          incr solved;
          if out.vega.{i} > 1.0 then
            expect (Float.abs (vols.{i} -. b.vol.{i}) < 1e-6) "option %d: vol %.10f, priced at %.10f" i vols.{i} b.vol.{i}
        end
      done;
      expect (!solved > n / 2) "only %d of %d solved" !solved n);

  check "calibrate_report" (fun () ->
      let quotes =
        Array.init 6 (fun i : Keel_embed.quote ->
            let option = { haug with strike = 50.0 +. (5.0 *. float_of_int i); vol = 0.25 } in
            { option; premium = (Keel_embed.price bs option).price; weight = 1.0 })
      in
      let r = Keel_embed.calibrate bs quotes in
      expect r.converged "not converged: %s" r.message;
      expect (Array.length r.residuals = 6) "%d residuals" (Array.length r.residuals);
      (match r.parameters with
      | [ ("vol", vol) ] -> expect (Float.abs (vol -. 0.25) < 1e-6) "fitted vol %.10f, quotes at 0.25" vol
      | _ -> failwith "parameters are not [vol]");
      expect (r.rmse < 1e-6) "rmse %g" r.rmse;
      expect (r.message <> "") "empty message");

  check "calibrate_bad_quote_raises" (fun () ->
      let quotes = [| { Keel_embed.option = haug; premium = 2.0; weight = -1.0 } |] in
      ignore (expect_error Keel_embed.invalid_argument (fun () -> Keel_embed.calibrate bs quotes)));

  check "drop_twice_raises_stale_handle" (fun () ->
      let m = Keel_embed.model host "keel.black_scholes" in
      Keel_embed.drop m;
      ignore (expect_error Keel_embed.stale_handle (fun () -> Keel_embed.drop m));
      ignore (expect_error Keel_embed.stale_handle (fun () -> Keel_embed.price m haug)));

  check "forgotten_models_and_hosts_are_collected" (fun () ->
      for _ = 1 to 20 do
        let h = Keel_embed.open_ () in
        ignore (Keel_embed.model h "keel.black_scholes");
        (* a model kept past its host's collection still prices *)
        ignore (Sys.opaque_identity h)
      done;
      let kept =
        let h = Keel_embed.open_ () in
        Keel_embed.model h "keel.black_scholes"
      in
      Gc.full_major ();
      let g = Keel_embed.price kept haug in
      expect (same_bits g.price (Keel_embed.price bs haug).price) "model outliving its host's value priced %g" g.price;
      Gc.full_major ());

  check "close_with_models_open_raises_then_closed" (fun () ->
      let h = Keel_embed.open_ () in
      let m = Keel_embed.model h "keel.black_scholes" in
      let message = expect_error Keel_embed.invalid_argument (fun () -> Keel_embed.close h) in
      expect (contains message "keel.black_scholes") "message does not name the open model: %s" message;
      Keel_embed.close h;
      ignore (expect_error Keel_embed.stale_handle (fun () -> Keel_embed.price m haug));
      ignore (expect_error Keel_embed.stale_handle (fun () -> Keel_embed.drop m));
      ignore (expect_error Keel_embed.stale_handle (fun () -> Keel_embed.model h "keel.black_scholes")));

  check "open_with_no_default_path_finds_nothing" (fun () ->
      let h = Keel_embed.open_ ~plugin_path:"/nonexistent-keel-dir" ~no_default_path:true () in
      ignore (expect_error Keel_embed.not_found (fun () -> Keel_embed.model h "keel.black_scholes"));
      Keel_embed.close h);

  Keel_embed.drop bs;
  Keel_embed.close host;
  Printf.printf "%d passed, %d failed\n" !passed !failed;
  exit (if !failed = 0 then 0 else 1)
