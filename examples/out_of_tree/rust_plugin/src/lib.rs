//! acme.rs_bachelier — the Bachelier (normal) model for European options,
//! a keel pricing model written in Rust and built out of tree against the
//! installed keel SDK.
//!
//! The option's `vol` is an absolute normal vol (price units per
//! sqrt(year)); the `normal_vol` param, when given, overrides it.

use keel_sdk::ffi::*;
use keel_sdk::{keel_plugin, Host, KeelError, KeelResult, Params, PricingModel};

pub struct Bachelier {
    normal_vol: Option<f64>,
}

impl PricingModel for Bachelier {
    const ID: &'static str = "acme.rs_bachelier";
    const DESCRIPTION: &'static str = "Bachelier (normal) model, European options: price and five greeks";
    const PARAMS_SCHEMA: &'static str = r#"{
  "type": "object",
  "properties": {
    "normal_vol": {"type": "number", "minimum": 0,
                   "description": "absolute normal vol used for every option instead of its own vol"}
  },
  "additionalProperties": false
}"#;

    fn create(params: &mut Params, host: Host) -> KeelResult<Self> {
        // Errors name the param: "/normal_vol: expected a number in [0, inf], got -1".
        let normal_vol = if params.has("normal_vol") {
            Some(params.number_in("normal_vol", None, 0.0, f64::INFINITY)?)
        } else {
            None
        };
        host.debug("acme.rs_bachelier ready");
        Ok(Bachelier { normal_vol })
    }

    fn price(&self, o: &keel_option_t) -> KeelResult<keel_greeks_t> {
        let sigma = self.normal_vol.unwrap_or(o.vol);
        validate(o, sigma)?;
        let w = if o.right == KEEL_RIGHT_CALL { 1.0 } else { -1.0 };
        let t = o.expiry;
        let sqrt_t = t.sqrt();
        let discount = (-o.rate * t).exp();
        let forward = o.spot * ((o.rate - o.dividend) * t).exp();
        let moneyness = forward - o.strike;
        let s = sigma * sqrt_t;
        let degenerate = !(s > 0.0);
        let d = if degenerate {
            if moneyness > 0.0 {
                f64::INFINITY
            } else if moneyness < 0.0 {
                f64::NEG_INFINITY
            } else {
                0.0
            }
        } else {
            moneyness / s
        };
        let cdf = norm_cdf(w * d);
        let pdf = norm_pdf(d);
        let price = discount * (w * moneyness * cdf + if degenerate { 0.0 } else { s * pdf });
        let decay = if degenerate { 0.0 } else { sigma * pdf / (2.0 * sqrt_t) };
        Ok(keel_greeks_t {
            price,
            delta: w * (-o.dividend * t).exp() * cdf,
            gamma: if degenerate { 0.0 } else { ((o.rate - 2.0 * o.dividend) * t).exp() * pdf / s },
            vega: discount * sqrt_t * pdf,
            theta: o.rate * price - discount * (w * (o.rate - o.dividend) * forward * cdf + decay),
            rho: -t * price + w * t * discount * forward * cdf,
        })
    }
}

fn validate(o: &keel_option_t, sigma: f64) -> KeelResult<()> {
    let finite = |name: &str, x: f64| {
        if x.is_finite() {
            Ok(())
        } else {
            Err(KeelError::invalid_argument(format!("{}: expected a finite number, got {}", name, x)))
        }
    };
    finite("spot", o.spot)?;
    if o.spot < 0.0 {
        return Err(KeelError::invalid_argument(format!("spot: expected a number >= 0, got {}", o.spot)));
    }
    finite("strike", o.strike)?;
    finite("rate", o.rate)?;
    finite("dividend", o.dividend)?;
    if !(o.expiry >= 0.0) || !o.expiry.is_finite() {
        return Err(KeelError::invalid_argument(format!("expiry: expected years >= 0, got {}", o.expiry)));
    }
    if !(sigma >= 0.0) || !sigma.is_finite() {
        return Err(KeelError::invalid_argument(format!("vol: expected a normal vol >= 0, got {}", sigma)));
    }
    if o.right != KEEL_RIGHT_CALL && o.right != KEEL_RIGHT_PUT {
        return Err(KeelError::invalid_argument(format!("right: expected call (0) or put (1), got {}", o.right)));
    }
    match o.exercise {
        KEEL_EXERCISE_EUROPEAN => Ok(()),
        KEEL_EXERCISE_AMERICAN => Err(KeelError::unsupported("acme.rs_bachelier prices European exercise only")),
        other => Err(KeelError::invalid_argument(format!("exercise: expected 0 or 1, got {}", other))),
    }
}

fn norm_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal CDF to double precision (W. J. Cody's rational
/// approximation as given by G. West, "Better approximations to cumulative
/// normal functions", 2005); Rust's std has no erfc.
fn norm_cdf(x: f64) -> f64 {
    let z = x.abs();
    let tail = if z > 37.0 {
        0.0
    } else {
        let e = (-z * z / 2.0).exp();
        if z < 7.071_067_811_865_47 {
            let mut n = 3.526_249_659_989_11e-2 * z + 0.700_383_064_443_688;
            n = n * z + 6.373_962_203_531_65;
            n = n * z + 33.912_866_078_383;
            n = n * z + 112.079_291_497_871;
            n = n * z + 221.213_596_169_931;
            n = n * z + 220.206_867_912_376;
            let mut m = 8.838_834_764_831_84e-2 * z + 1.755_667_163_182_64;
            m = m * z + 16.064_177_579_207;
            m = m * z + 86.780_732_202_946_1;
            m = m * z + 296.564_248_779_674;
            m = m * z + 637.333_633_378_831;
            m = m * z + 793.826_512_519_948;
            m = m * z + 440.413_735_824_752;
            e * n / m
        } else {
            let mut b = z + 0.65;
            b = z + 4.0 / b;
            b = z + 3.0 / b;
            b = z + 2.0 / b;
            b = z + 1.0 / b;
            e / b / 2.506_628_274_631
        }
    };
    if x > 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

keel_plugin! {
    id: "acme.rs_models",
    name: "Acme models in Rust",
    version: "1.0.0",
    vendor: "Acme Corp",
    description: "An out-of-tree keel plugin in Rust: the Bachelier (normal) model.",
    pricing_models: [Bachelier],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atm_call_and_put_are_equal() {
        let m = Bachelier { normal_vol: None };
        let o = keel_option_t { spot: 100.0, strike: 100.0, expiry: 0.5, vol: 8.0, rate: 0.05, dividend: 0.05, ..Default::default() };
        let call = m.price(&o).unwrap();
        let put = m.price(&keel_option_t { right: KEEL_RIGHT_PUT, ..o }).unwrap();
        let want = (-0.025f64).exp() * 8.0 * 0.5f64.sqrt() / (2.0 * std::f64::consts::PI).sqrt();
        assert!((call.price - want).abs() < 1e-12 && (put.price - want).abs() < 1e-12);
    }
}
