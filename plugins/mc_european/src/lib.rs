//! keel.mc_european — Monte Carlo pricing of European options under
//! geometric Brownian motion, a keel pricing-model plugin written in Rust.
//!
//! Model: `S_T = S exp((r - q - vol^2/2) T + vol sqrt(T) Z)`, `Z ~ N(0, 1)`;
//! the price is the mean of `exp(-r T) payoff(S_T)` over the paths.
//!
//! Params (all optional):
//! - `paths` (100000): terminal prices simulated per option. With
//!   antithetic variates an odd count is rounded up to the next even one.
//! - `seed` (1): the random stream. The same seed gives the same numbers,
//!   bit for bit, on any machine and with any `threads`.
//! - `antithetic` (true): simulate `Z` and `-Z` in pairs.
//! - `threads` (1): worker threads per price call.
//!
//! Determinism: paths are cut into fixed chunks of [`CHUNK_PATHS`]; chunk
//! `k` draws from its own xoshiro256** stream (the seed's stream jumped `k`
//! times by 2^128), chunk sums are added in chunk order. Threads only decide
//! who computes which chunk, never the numbers.
//!
//! Greeks, all from the same paths as the price:
//! - delta, vega, rho, theta: pathwise derivatives of the discounted payoff
//!   (`d payoff/d S_T` times `d S_T/d parameter`), exact in expectation
//!   for the call and put payoffs;
//! - gamma: the likelihood-ratio/pathwise mix
//!   `exp(-rT) payoff'(S_T) (S_T / S^2) (Z / (vol sqrt T) - 1)`,
//!   because the pathwise second derivative of a kinked payoff is zero
//!   almost everywhere. It is 0 when vol or expiry is 0.
//!
//! American exercise is refused with `KEEL_ERR_UNSUPPORTED`: terminal-price
//! simulation has no early-exercise decision.
//!
//! The standard error of the price is reported through the extension
//! `keel.mc_european.stats/1` (include/keel/mc_european.h).

use std::os::raw::c_void;

use keel_sdk::ffi::*;
use keel_sdk::{guard, Host, KeelError, KeelResult, Params, PricingModel};

/// Paths per chunk, the unit of determinism (even, so antithetic pairs
/// never straddle two chunks).
pub const CHUNK_PATHS: u64 = 4096;

/// The extension id of [`StatsTable`].
pub const STATS_EXTENSION_ID: &str = "keel.mc_european.stats/1";

// ---- random numbers ---------------------------------------------------------

/// splitmix64: expands a 64-bit seed into xoshiro's state.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** (Blackman and Vigna, 2018).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Xoshiro256 {
    s: [u64; 4],
}

impl Xoshiro256 {
    pub fn from_seed(seed: u64) -> Self {
        let mut sm = seed;
        Xoshiro256 { s: [splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm)] }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Advances the stream by 2^128 draws: non-overlapping substreams.
    pub fn jump(&mut self) {
        const JUMP: [u64; 4] = [0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C, 0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C];
        let mut t = [0u64; 4];
        for word in JUMP {
            for bit in 0..64 {
                if word & (1u64 << bit) != 0 {
                    for (acc, s) in t.iter_mut().zip(self.s.iter()) {
                        *acc ^= *s;
                    }
                }
                self.next_u64();
            }
        }
        self.s = t;
    }

    /// Uniform in (0, 1]: never 0, so its logarithm is finite.
    fn uniform_open0(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Two independent standard normals (Box-Muller).
    pub fn normal_pair(&mut self) -> (f64, f64) {
        let radius = (-2.0 * self.uniform_open0().ln()).sqrt();
        let angle = 2.0 * std::f64::consts::PI * self.uniform_open0();
        (radius * angle.cos(), radius * angle.sin())
    }
}

// ---- the simulation -------------------------------------------------------------

/// Sums over one chunk's samples (a sample is one path, or the average of
/// an antithetic pair).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Sums {
    samples: u64,
    price: f64,
    price_squared: f64,
    delta: f64,
    delta_squared: f64,
    vega_squared: f64,
    gamma: f64,
    vega: f64,
    theta: f64,
    rho: f64,
}

impl Sums {
    fn add(&mut self, other: &Sums) {
        self.samples += other.samples;
        self.price += other.price;
        self.price_squared += other.price_squared;
        self.delta += other.delta;
        self.delta_squared += other.delta_squared;
        self.vega_squared += other.vega_squared;
        self.gamma += other.gamma;
        self.vega += other.vega;
        self.theta += other.theta;
        self.rho += other.rho;
    }
}

/// Per-option constants of the path estimator.
struct Path {
    spot: f64,
    strike: f64,
    call: bool,
    expiry: f64,
    vol: f64,
    rate: f64,
    drift: f64,       // (r - q - vol^2/2) T
    vol_sqrt_t: f64,  // vol sqrt(T)
    sqrt_t: f64,
    discount: f64,    // exp(-r T)
    log_drift_rate: f64, // r - q - vol^2/2
}

impl Path {
    fn new(o: &keel_option_t) -> Path {
        let sqrt_t = o.expiry.sqrt();
        let log_drift_rate = o.rate - o.dividend - 0.5 * o.vol * o.vol;
        Path {
            spot: o.spot,
            strike: o.strike,
            call: o.right == KEEL_RIGHT_CALL,
            expiry: o.expiry,
            vol: o.vol,
            rate: o.rate,
            drift: log_drift_rate * o.expiry,
            vol_sqrt_t: o.vol * sqrt_t,
            sqrt_t,
            discount: (-o.rate * o.expiry).exp(),
            log_drift_rate,
        }
    }

    /// One path's discounted payoff and pathwise greeks, in Sums' order
    /// (price, delta, gamma, vega, theta, rho).
    fn sample(&self, z: f64) -> [f64; 6] {
        let terminal = self.spot * (self.drift + self.vol_sqrt_t * z).exp();
        let (payoff, slope) = if self.call {
            if terminal > self.strike { (terminal - self.strike, 1.0) } else { (0.0, 0.0) }
        } else if terminal < self.strike {
            (self.strike - terminal, -1.0)
        } else {
            (0.0, 0.0)
        };
        let price = self.discount * payoff;
        if slope == 0.0 {
            // Out of the money: only the discounting terms of rho and theta.
            return [price, 0.0, 0.0, 0.0, self.rate * price, -self.expiry * price];
        }
        let d = self.discount * slope * terminal; // d(disc payoff)/d(log S_T)
        let delta = d / self.spot;
        let gamma = if self.vol_sqrt_t > 0.0 { d / (self.spot * self.spot) * (z / self.vol_sqrt_t - 1.0) } else { 0.0 };
        let vega = d * (self.sqrt_t * z - self.vol * self.expiry);
        let rho = -self.expiry * price + d * self.expiry;
        // dS_T/dT = S_T (r - q - vol^2/2 + vol Z / (2 sqrt T)); theta = -dV/dT.
        let d_log_dt = self.log_drift_rate + if self.sqrt_t > 0.0 { self.vol * z / (2.0 * self.sqrt_t) } else { 0.0 };
        let theta = self.rate * price - d * d_log_dt;
        [price, delta, gamma, vega, theta, rho]
    }
}

/// Monte Carlo settings (the factory's params).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub paths: u64,
    pub seed: u64,
    pub antithetic: bool,
    pub threads: usize,
}

/// A price with its greeks and Monte Carlo statistics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub greeks: keel_greeks_t,
    pub std_error: f64,
    /// Standard errors of the delta and vega estimates.
    pub delta_std_error: f64,
    pub vega_std_error: f64,
    pub paths: u64,
    pub samples: u64,
}

/// The standard error of a mean of `n` samples from their sum and sum of
/// squares.
fn std_error(n: u64, sum: f64, sum_squared: f64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let count = n as f64;
    let mean = sum / count;
    let variance = ((sum_squared - count * mean * mean) / (count - 1.0)).max(0.0);
    (variance / count).sqrt()
}

impl Settings {
    /// Paths actually simulated (antithetic: rounded up to even).
    pub fn simulated_paths(&self) -> u64 {
        if self.antithetic { self.paths + (self.paths & 1) } else { self.paths }
    }

    fn chunk(&self, path: &Path, mut rng: Xoshiro256, paths: u64) -> Sums {
        let mut sums = Sums::default();
        let mut add = |values: [f64; 6]| {
            sums.samples += 1;
            sums.price += values[0];
            sums.price_squared += values[0] * values[0];
            sums.delta += values[1];
            sums.delta_squared += values[1] * values[1];
            sums.vega_squared += values[3] * values[3];
            sums.gamma += values[2];
            sums.vega += values[3];
            sums.theta += values[4];
            sums.rho += values[5];
        };
        let average = |a: [f64; 6], b: [f64; 6]| {
            let mut out = [0.0; 6];
            for i in 0..6 {
                out[i] = 0.5 * (a[i] + b[i]);
            }
            out
        };
        if self.antithetic {
            // `paths` is even here: every normal makes a (Z, -Z) pair.
            let mut pairs = paths / 2;
            while pairs > 0 {
                let (z1, z2) = rng.normal_pair();
                add(average(path.sample(z1), path.sample(-z1)));
                if pairs > 1 {
                    add(average(path.sample(z2), path.sample(-z2)));
                }
                pairs = pairs.saturating_sub(2);
            }
        } else {
            let mut left = paths;
            while left > 0 {
                let (z1, z2) = rng.normal_pair();
                add(path.sample(z1));
                if left > 1 {
                    add(path.sample(z2));
                }
                left = left.saturating_sub(2);
            }
        }
        sums
    }

    /// Simulates `option` (already validated as European).
    pub fn simulate(&self, option: &keel_option_t) -> Estimate {
        let path = Path::new(option);
        let total = self.simulated_paths();
        let chunk_count = ((total + CHUNK_PATHS - 1) / CHUNK_PATHS) as usize;
        let mut streams = Vec::with_capacity(chunk_count);
        let mut rng = Xoshiro256::from_seed(self.seed);
        for _ in 0..chunk_count {
            streams.push(rng.clone());
            rng.jump();
        }
        let chunk_paths = |k: usize| CHUNK_PATHS.min(total - k as u64 * CHUNK_PATHS);
        let mut chunk_sums = vec![Sums::default(); chunk_count];
        let threads = self.threads.max(1).min(chunk_count.max(1));
        if threads <= 1 {
            for (k, sums) in chunk_sums.iter_mut().enumerate() {
                *sums = self.chunk(&path, streams[k].clone(), chunk_paths(k));
            }
        } else {
            // Chunk k goes to worker k % threads; each writes only its slots.
            let per_worker: Vec<Vec<(usize, Sums)>> = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads)
                    .map(|w| {
                        let path = &path;
                        let streams = &streams;
                        let chunk_paths = &chunk_paths;
                        scope.spawn(move || {
                            (w..chunk_count)
                                .step_by(threads)
                                .map(|k| (k, self.chunk(path, streams[k].clone(), chunk_paths(k))))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
            });
            for (k, sums) in per_worker.into_iter().flatten() {
                chunk_sums[k] = sums;
            }
        }
        let mut total_sums = Sums::default();
        for sums in &chunk_sums {
            total_sums.add(sums);
        }
        let t = &total_sums;
        let n = t.samples as f64;
        let mean = t.price / n;
        Estimate {
            greeks: keel_greeks_t {
                price: mean,
                delta: total_sums.delta / n,
                gamma: total_sums.gamma / n,
                vega: total_sums.vega / n,
                theta: total_sums.theta / n,
                rho: total_sums.rho / n,
            },
            std_error: std_error(t.samples, t.price, t.price_squared),
            delta_std_error: std_error(t.samples, t.delta, t.delta_squared),
            vega_std_error: std_error(t.samples, t.vega, t.vega_squared),
            paths: total,
            samples: total_sums.samples,
        }
    }
}

// ---- the plugin -------------------------------------------------------------------

fn check(o: &keel_option_t) -> KeelResult<()> {
    let positive = |name: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(KeelError::invalid_argument(format!("{}: expected a finite number > 0, got {}", name, v)))
        }
    };
    let non_negative = |name: &str, v: f64| {
        if v.is_finite() && v >= 0.0 {
            Ok(())
        } else {
            Err(KeelError::invalid_argument(format!("{}: expected a finite number >= 0, got {}", name, v)))
        }
    };
    positive("spot", o.spot)?;
    positive("strike", o.strike)?;
    non_negative("expiry", o.expiry)?;
    non_negative("vol", o.vol)?;
    for (name, v) in [("rate", o.rate), ("dividend", o.dividend)] {
        if !v.is_finite() {
            return Err(KeelError::invalid_argument(format!("{}: expected a finite number, got {}", name, v)));
        }
    }
    if o.right != KEEL_RIGHT_CALL && o.right != KEEL_RIGHT_PUT {
        return Err(KeelError::invalid_argument(format!(
            "right: expected KEEL_RIGHT_CALL (0) or KEEL_RIGHT_PUT (1), got {}",
            o.right
        )));
    }
    match o.exercise {
        KEEL_EXERCISE_EUROPEAN => Ok(()),
        KEEL_EXERCISE_AMERICAN => Err(KeelError::unsupported(
            "keel.mc_european prices European exercise only: it simulates terminal prices, with no \
             early-exercise decision; use a lattice model for American options",
        )),
        other => Err(KeelError::invalid_argument(format!(
            "exercise: expected KEEL_EXERCISE_EUROPEAN (0) or KEEL_EXERCISE_AMERICAN (1), got {}",
            other
        ))),
    }
}

pub struct McEuropean {
    settings: Settings,
}

impl McEuropean {
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// Validates and simulates.
    pub fn estimate(&self, option: &keel_option_t) -> KeelResult<Estimate> {
        check(option)?;
        Ok(self.settings.simulate(option))
    }
}

/// The `keel.mc_european.stats/1` table (include/keel/mc_european.h).
#[repr(C)]
pub struct StatsTable {
    pub struct_size: u32,
    pub reserved: u32,
    pub price_with_error: unsafe extern "C" fn(
        self_: *mut c_void,
        option: *const keel_option_t,
        out_greeks: *mut keel_greeks_t,
        out: *mut McEstimate,
        err: *mut keel_error_t,
    ) -> keel_status_t,
}

/// `keel_mc_estimate_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct McEstimate {
    pub price: f64,
    pub std_error: f64,
    pub paths: u64,
    pub samples: u64,
}

unsafe extern "C" fn price_with_error(
    self_: *mut c_void,
    option: *const keel_option_t,
    out_greeks: *mut keel_greeks_t,
    out: *mut McEstimate,
    err: *mut keel_error_t,
) -> keel_status_t {
    guard(err, || {
        let model = keel_sdk::pricing::instance::<McEuropean>(self_)?;
        let option = option.as_ref().ok_or_else(|| KeelError::invalid_argument("option must not be NULL"))?;
        let out = out.as_mut().ok_or_else(|| KeelError::invalid_argument("out must not be NULL"))?;
        let estimate = model.estimate(option)?;
        *out = McEstimate {
            price: estimate.greeks.price,
            std_error: estimate.std_error,
            paths: estimate.paths,
            samples: estimate.samples,
        };
        if let Some(greeks) = out_greeks.as_mut() {
            *greeks = estimate.greeks;
        }
        Ok(())
    })
}

static STATS: StatsTable =
    StatsTable { struct_size: std::mem::size_of::<StatsTable>() as u32, reserved: 0, price_with_error };

impl PricingModel for McEuropean {
    const ID: &'static str = "keel.mc_european";
    const DESCRIPTION: &'static str =
        "Monte Carlo European options under GBM: seeded, thread-count independent, pathwise greeks, \
         standard error via keel.mc_european.stats/1";
    const PARAMS_SCHEMA: &'static str = r#"{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "paths": {"type": "integer", "minimum": 1, "maximum": 1000000000, "default": 100000,
              "description": "Terminal prices simulated per option (antithetic: rounded up to even)."},
    "seed": {"type": "integer", "minimum": 0, "default": 1,
             "description": "Random stream; the same seed gives the same numbers with any thread count."},
    "antithetic": {"type": "boolean", "default": true,
                   "description": "Simulate Z and -Z in pairs (variance reduction)."},
    "threads": {"type": "integer", "minimum": 1, "maximum": 256, "default": 1,
                "description": "Worker threads per price call."}
  }
}"#;

    fn create(params: &mut Params, host: Host) -> KeelResult<Self> {
        let settings = Settings {
            paths: params.integer("paths", Some(100_000), 1, 1_000_000_000)? as u64,
            seed: params.integer("seed", Some(1), 0, i64::MAX)? as u64,
            antithetic: params.boolean("antithetic", Some(true))?,
            threads: params.integer("threads", Some(1), 1, 256)? as usize,
        };
        host.debug(&format!(
            "keel.mc_european: {} paths, seed {}, antithetic {}, {} thread(s)",
            settings.simulated_paths(),
            settings.seed,
            settings.antithetic,
            settings.threads
        ));
        Ok(McEuropean { settings })
    }

    fn price(&self, option: &keel_option_t) -> KeelResult<keel_greeks_t> {
        Ok(self.estimate(option)?.greeks)
    }

    fn extension(&self, id: &str) -> *const c_void {
        if id == STATS_EXTENSION_ID {
            &STATS as *const StatsTable as *const c_void
        } else {
            std::ptr::null()
        }
    }
}

keel_sdk::keel_plugin! {
    id: "keel.mc_european",
    name: "Monte Carlo European",
    version: "0.1.0",
    vendor: "keel",
    description: "Monte Carlo pricing of European options under geometric Brownian motion, written in \
                  Rust with keel-sdk: deterministic for a seed whatever the thread count, pathwise \
                  greeks, standard error through the keel.mc_european.stats/1 extension.",
    pricing_models: [McEuropean],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn option(spot: f64, strike: f64, expiry: f64, vol: f64, rate: f64, dividend: f64, right: i32) -> keel_option_t {
        keel_option_t { spot, strike, expiry, vol, rate, dividend, right, exercise: KEEL_EXERCISE_EUROPEAN }
    }

    fn normal_cdf(x: f64) -> f64 {
        // Abramowitz-Stegun 7.1.26 is too coarse for greeks; use erfc by
        // continued fraction via the complementary error function series.
        0.5 * erfc(-x / std::f64::consts::SQRT_2)
    }

    // W. J. Cody's rational approximation is long; this one (Numerical
    // Recipes' erfc with Chebyshev fit) has relative error < 1.2e-7.
    fn erfc(x: f64) -> f64 {
        let z = x.abs();
        let t = 1.0 / (1.0 + 0.5 * z);
        let r = t * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
        if x >= 0.0 { r } else { 2.0 - r }
    }

    /// Black-Scholes-Merton price, delta, vega.
    fn bs(o: &keel_option_t) -> (f64, f64, f64) {
        let sqrt_t = o.expiry.sqrt();
        let d1 = ((o.spot / o.strike).ln() + (o.rate - o.dividend + 0.5 * o.vol * o.vol) * o.expiry) / (o.vol * sqrt_t);
        let d2 = d1 - o.vol * sqrt_t;
        let df = (-o.rate * o.expiry).exp();
        let qf = (-o.dividend * o.expiry).exp();
        let pdf = (-0.5 * d1 * d1).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let vega = o.spot * qf * pdf * sqrt_t;
        if o.right == KEEL_RIGHT_CALL {
            (o.spot * qf * normal_cdf(d1) - o.strike * df * normal_cdf(d2), qf * normal_cdf(d1), vega)
        } else {
            (o.strike * df * normal_cdf(-d2) - o.spot * qf * normal_cdf(-d1), -qf * normal_cdf(-d1), vega)
        }
    }

    fn settings(paths: u64, threads: usize, antithetic: bool) -> Settings {
        Settings { paths, seed: 7, antithetic, threads }
    }

    #[test]
    fn xoshiro_matches_the_reference_sequence() {
        // Reference: xoshiro256** with state {1, 2, 3, 4} (the authors' C code).
        let mut rng = Xoshiro256 { s: [1, 2, 3, 4] };
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(first, vec![11520, 0, 1509978240]);
    }

    #[test]
    fn agrees_with_the_closed_form_within_three_standard_errors() {
        for &antithetic in &[true, false] {
            for &right in &[KEEL_RIGHT_CALL, KEEL_RIGHT_PUT] {
                for &strike in &[80.0, 100.0, 120.0] {
                    let o = option(100.0, strike, 0.75, 0.25, 0.03, 0.01, right);
                    let e = settings(40_000, 1, antithetic).simulate(&o);
                    let (price, delta, vega) = bs(&o);
                    assert!((e.greeks.price - price).abs() < 3.0 * e.std_error, "{:?} vs {}", e, price);
                    assert!((e.greeks.delta - delta).abs() < 3.0 * e.delta_std_error, "delta {:?} vs {}", e, delta);
                    assert!((e.greeks.vega - vega).abs() < 3.0 * e.vega_std_error, "vega {:?} vs {}", e, vega);
                    assert!(e.std_error > 0.0);
                    if antithetic {
                        // Same number of paths, smaller error: the point of antithetic variates.
                        let plain = settings(40_000, 1, false).simulate(&o);
                        assert!(e.std_error < plain.std_error, "{:?} vs {:?}", e, plain);
                    }
                }
            }
        }
    }

    #[test]
    fn thread_count_does_not_change_a_single_bit() {
        let o = option(100.0, 105.0, 1.0, 0.3, 0.02, 0.0, KEEL_RIGHT_CALL);
        let one = settings(50_001, 1, true).simulate(&o);
        for threads in [2, 3, 8] {
            assert_eq!(settings(50_001, threads, true).simulate(&o), one, "threads {}", threads);
        }
        assert_eq!(one.paths, 50_002);
        assert_eq!(one.samples, 25_001);
        let other_seed = Settings { seed: 8, ..settings(50_001, 1, true) }.simulate(&o);
        assert_ne!(other_seed.greeks.price, one.greeks.price);
    }

    #[test]
    fn validation_names_the_field() {
        let model = McEuropean { settings: settings(100, 1, true) };
        let mut o = option(100.0, 100.0, 1.0, 0.2, 0.0, 0.0, KEEL_RIGHT_CALL);
        o.spot = -1.0;
        assert_eq!(model.price(&o).unwrap_err().message, "spot: expected a finite number > 0, got -1");
        o.spot = 100.0;
        o.exercise = KEEL_EXERCISE_AMERICAN;
        let error = model.price(&o).unwrap_err();
        assert_eq!(error.status, KEEL_ERR_UNSUPPORTED);
        assert!(error.message.starts_with("keel.mc_european prices European exercise only"));
    }
}
