(* Cox-Ross-Rubinstein binomial tree: European and American exercise,
   calls and puts, continuous dividend yield.

   With n steps of dt = T/n the underlying moves up by u = exp(vol sqrt dt)
   or down by d = 1/u, with risk-neutral probability
   p = (exp((r-q) dt) - d) / (u - d). Delta and gamma come from the tree's
   first two levels, theta from the level-2 middle node (same spot, 2 dt
   later); vega and rho from central differences of the price. *)

open Keel.Types

let fail field fmt = Keel.Error.failf Invalid_argument ("%s: " ^^ fmt) field

let validate (o : option_spec) =
  let finite field v = if not (Float.is_finite v) then fail field "expected a finite number, got %g" v in
  finite "spot" o.spot;
  finite "strike" o.strike;
  finite "expiry" o.expiry;
  finite "vol" o.vol;
  finite "rate" o.rate;
  finite "dividend" o.dividend;
  if o.spot <= 0. then fail "spot" "expected > 0, got %g" o.spot;
  if o.strike <= 0. then fail "strike" "expected > 0, got %g" o.strike;
  if o.expiry < 0. then fail "expiry" "expected >= 0 (years), got %g" o.expiry;
  if o.vol <= 0. then fail "vol" "expected > 0, got %g" o.vol

let payoff right strike s = match right with Call -> Float.max (s -. strike) 0. | Put -> Float.max (strike -. s) 0.

(* The values at the first three levels: (f00, f10, f11, f20, f21, f22),
   fij = value at step i after j up-moves. *)
type top = { f00 : float; f10 : float; f11 : float; f20 : float; f21 : float; f22 : float; u : float; dt : float }

let tree ~steps (o : option_spec) =
  let n = steps in
  let dt = o.expiry /. float_of_int n in
  let u = exp (o.vol *. sqrt dt) in
  let d = 1. /. u in
  let growth = exp ((o.rate -. o.dividend) *. dt) in
  let p = (growth -. d) /. (u -. d) in
  if not (p > 0. && p < 1.) then
    Keel.Error.failf Invalid_argument
      "steps: %d steps give a risk-neutral probability of %g, outside (0, 1), for vol %g and rate - dividend %g; use more steps"
      n p o.vol (o.rate -. o.dividend);
  let discount = exp (-.o.rate *. dt) in
  let up = discount *. p and down = discount *. (1. -. p) in
  (* spot after k net up-moves, k in [-n, n]: powers.(k + n) *)
  let powers = Array.init ((2 * n) + 1) (fun i -> o.spot *. (u ** float_of_int (i - n))) in
  let american = o.exercise = American in
  let v = Array.init (n + 1) (fun j -> payoff o.right o.strike powers.((2 * j) - n + n)) in
  let f = Array.make 6 nan in
  for i = n - 1 downto 0 do
    for j = 0 to i do
      let continuation = (up *. v.(j + 1)) +. (down *. v.(j)) in
      v.(j) <-
        (if american then Float.max continuation (payoff o.right o.strike powers.((2 * j) - i + n))
        else continuation)
    done;
    if i = 2 then (f.(3) <- v.(0); f.(4) <- v.(1); f.(5) <- v.(2));
    if i = 1 then (f.(1) <- v.(0); f.(2) <- v.(1))
  done;
  { f00 = v.(0); f10 = f.(1); f11 = f.(2); f20 = f.(3); f21 = f.(4); f22 = f.(5); u; dt }

let value ~steps o = (tree ~steps o).f00

let at_expiry (o : option_spec) =
  let price = payoff o.right o.strike o.spot in
  let delta =
    match o.right with
    | Call -> if o.spot > o.strike then 1. else if o.spot < o.strike then 0. else 0.5
    | Put -> if o.spot < o.strike then -1. else if o.spot > o.strike then 0. else -0.5
  in
  { price; delta; gamma = 0.; vega = 0.; theta = 0.; rho = 0. }

let vol_bump o = Float.max 1e-4 (0.01 *. o.vol)
let rate_bump = 1e-4

(* A tree's price oscillates between odd and even step counts; bumped
   prices for vega and rho average n and n+1 steps so that the difference
   measures the bump, not the oscillation. *)
let smooth_value ~steps o = 0.5 *. (value ~steps o +. value ~steps:(steps + 1) o)

let price ~steps (o : option_spec) =
  validate o;
  if o.expiry = 0. then at_expiry o
  else begin
    let t = tree ~steps o in
    let s = o.spot in
    let su = s *. t.u and sd = s /. t.u in
    let suu = su *. t.u and sdd = sd /. t.u in
    let delta = (t.f11 -. t.f10) /. (su -. sd) in
    let gamma = (((t.f22 -. t.f21) /. (suu -. s)) -. ((t.f21 -. t.f20) /. (s -. sdd))) /. (0.5 *. (suu -. sdd)) in
    let theta = (t.f21 -. t.f00) /. (2. *. t.dt) in
    let h = vol_bump o in
    let vega =
      (smooth_value ~steps { o with vol = o.vol +. h } -. smooth_value ~steps { o with vol = o.vol -. h })
      /. (2. *. h)
    in
    let rho =
      (smooth_value ~steps { o with rate = o.rate +. rate_bump }
      -. smooth_value ~steps { o with rate = o.rate -. rate_bump })
      /. (2. *. rate_bump)
    in
    { price = t.f00; delta; gamma; vega; theta; rho }
  end

(* The vol at which the tree's price equals [premium], by bisection (the
   tree price increases with vol). *)
let implied_vol ~steps (o : option_spec) ~premium =
  validate { o with vol = 0.2 };
  if not (Float.is_finite premium) then fail "premium" "expected a finite number, got %g" premium;
  if o.expiry = 0. then Keel.Error.fail No_solution "an expired option's premium carries no information about volatility";
  (* The lowest vol at which the tree's probability p stays inside (0, 1):
     vol sqrt(dt) > |r - q| dt. *)
  let dt = o.expiry /. float_of_int steps in
  let lo = ref (Float.max 1e-4 ((1.01 *. Float.abs (o.rate -. o.dividend) *. sqrt dt) +. 1e-8)) and hi = ref 5. in
  let at vol = value ~steps { o with vol } in
  let p_lo = at !lo and p_hi = at !hi in
  if premium < p_lo then
    Keel.Error.failf No_solution "premium %g is below the tree's price %g at vol %g (the no-arbitrage lower bound)" premium p_lo !lo;
  if premium > p_hi then
    Keel.Error.failf No_solution "premium %g is above the tree's price %g at vol %g" premium p_hi !hi;
  for _ = 1 to 100 do
    if !hi -. !lo > 1e-12 then begin
      let mid = 0.5 *. (!lo +. !hi) in
      if at mid < premium then lo := mid else hi := mid
    end
  done;
  0.5 *. (!lo +. !hi)
